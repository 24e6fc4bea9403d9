"""Balanced assignment: k reviewers per article, least-loaded first (pure, no Django).

The plan is a function of its inputs only (article order, reviewer pool, k,
calibration size, the current plan and which (article, reviewer) pairs have
work started), so the same inputs always give the same plan. Extending a plan
keeps every pair with work started; pairs without work may move to even the
loads out (for example onto a reviewer who joined later).
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

Pair = tuple[int, int]  # (article id, reviewer id)


@dataclass(frozen=True)
class PlanRequest:
    """What a plan is made from; ids are plain integers."""

    articles: Sequence[int]  # in session order; the first `calibration` are shared
    reviewers: Collection[int]  # the reviewer pool
    k: int
    calibration: int = 0
    current: Mapping[int, Collection[int]] = field(default_factory=dict)
    started: Collection[Pair] = frozenset()


def calibration_articles(articles: Sequence[int], calibration: int) -> list[int]:
    """The articles every reviewer does: the first `calibration` in session order."""
    return list(articles[: max(0, calibration)])


def plan_assignments(request: PlanRequest) -> dict[int, list[int]]:
    """{article: sorted reviewer ids}: calibration articles get the whole pool,
    every other article min(k, pool size) distinct reviewers.

    Loads (assignments outside calibration) end up differing by at most one
    whenever the started pairs allow it.
    """
    pool = sorted(set(request.reviewers))
    order = {reviewer: index for index, reviewer in enumerate(pool)}
    k = min(max(request.k, 0), len(pool))
    started = set(request.started)
    shared = calibration_articles(request.articles, request.calibration)
    plan: dict[int, list[int]] = {article: list(pool) for article in shared}
    regular = list(request.articles[len(shared) :])
    kept = {
        article: sorted(
            (r for r in set(request.current.get(article, ())) if r in order),
            key=order.__getitem__,
        )
        for article in regular
    }
    load = dict.fromkeys(pool, 0)
    for reviewers in kept.values():
        for reviewer in reviewers:
            load[reviewer] += 1
    for article in regular:
        reviewers = kept[article]
        while len(reviewers) > k:  # k went down: drop the busiest unstarted one
            reviewer = _busiest_unstarted(reviewers, article, started, load, order)
            if reviewer is None:
                break
            reviewers.remove(reviewer)
            load[reviewer] -= 1
    _fill(regular, kept, k, load, order)
    _rebalance(regular, kept, started, load, order)
    for article in regular:
        plan[article] = sorted(kept[article])
    return plan


def _busiest_unstarted(reviewers, article, started, load, order):
    candidates = [r for r in reviewers if (article, r) not in started]
    if not candidates:
        return None
    return max(candidates, key=lambda r: (load[r], order[r]))


def _fill(regular, kept, k, load, order) -> None:
    """Give each article that lacks reviewers the least-loaded ones (heap)."""
    heap = [(load[r], order[r], r) for r in load]
    heapq.heapify(heap)
    for article in regular:
        reviewers = kept[article]
        if len(reviewers) >= k:
            continue
        have = set(reviewers)
        skipped = []
        while len(reviewers) < k and heap:
            entry = heapq.heappop(heap)
            _, _, reviewer = entry
            if entry[0] != load[reviewer]:  # stale: a current entry is queued too
                continue
            if reviewer in have:
                skipped.append(entry)
                continue
            reviewers.append(reviewer)
            have.add(reviewer)
            load[reviewer] += 1
            heapq.heappush(heap, (load[reviewer], order[reviewer], reviewer))
        for entry in skipped:
            heapq.heappush(heap, entry)


def _rebalance(regular, kept, started, load, order) -> None:
    """Move unstarted pairs from the busiest to the idlest reviewer until even."""
    if not load:
        return
    articles_of: dict[int, list[int]] = {r: [] for r in load}
    for article in regular:
        for reviewer in kept[article]:
            articles_of[reviewer].append(article)
    blocked: set[Pair] = set()  # (busy, idle) pairs with nothing left to move
    while True:
        ranked = sorted(load, key=lambda r: (load[r], order[r]))
        move = None
        for idle in ranked:
            for busy in reversed(ranked):
                if load[busy] - load[idle] <= 1:
                    break
                if (busy, idle) in blocked:
                    continue
                index = _movable(articles_of[busy], busy, idle, kept, started)
                if index is None:
                    blocked.add((busy, idle))
                    continue
                move = (index, busy, idle)
                break
            if move:
                break
        if move is None:
            return
        index, busy, idle = move
        article = articles_of[busy].pop(index)
        kept[article].remove(busy)
        kept[article].append(idle)
        articles_of[idle].append(article)
        load[busy] -= 1
        load[idle] += 1


def _movable(articles, busy, idle, kept, started):
    """Index in `articles` of the latest article of `busy` without started work
    that `idle` lacks, or None."""
    for index in range(len(articles) - 1, -1, -1):
        article = articles[index]
        if (article, busy) not in started and idle not in kept[article]:
            return index
    return None


def plan_loads(
    plan: Mapping[int, Collection[int]], shared: Collection[int]
) -> dict[int, int]:
    """Assignments per reviewer outside the calibration articles."""
    loads: dict[int, int] = {}
    for article, reviewers in plan.items():
        if article in shared:
            continue
        for reviewer in reviewers:
            loads[reviewer] = loads.get(reviewer, 0) + 1
    return loads
