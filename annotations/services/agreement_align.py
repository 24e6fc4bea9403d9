"""Alignment of one article's spans into units, and where gold decisions attach.

Units are keyed by their members' portable ids (`reviewer:start:end`, as the
export names spans), so an exported and re-imported corpus recomputes to the
same keys. Each current gold decision is attached to one unit: the one with
its key, else the one sharing most of its source spans (then overlapping it
most), so a decision follows its claim when a member span is deleted or moved.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from annotations.caches import LRUCache
from annotations.exporters.base import span_id
from annotations.metrics.spans import Span, align_spans
from annotations.services.agreement_payload import unit_reasons_of, unit_status_of
from annotations.services.agreement_types import (
    AgreementInputs,
    GoldRow,
    SpanRow,
    UnitData,
)

ALIGN_MODE = "overlap"
UNIT_KEY_MAX = 200


def unit_key(members: Sequence[SpanRow]) -> str:
    """Members' portable ids, sorted and joined; hashed when too long for the column."""
    key = ",".join(sorted(span_id(m.reviewer, m.start, m.end) for m in members))
    if len(key) <= UNIT_KEY_MAX:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _jaccard(a_start: int, a_end: int, b_start: int, b_end: int) -> float:
    inter = max(0, min(a_end, b_end) - max(a_start, b_start))
    return inter / ((a_end - a_start) + (b_end - b_start) - inter)


def evidence_changed(gold: GoldRow, members: Sequence[SpanRow]) -> bool:
    """Do the unit's spans differ from those the decision was made from?

    The recorded versions say which spans at which version (a deleted member
    is still listed there); a decision without them is compared with its
    surviving source spans.
    """
    current = {(m.id, m.version) for m in members}
    if gold.versions:
        return current != set(gold.versions)
    return {m.id for m in members} != set(gold.sources)


def gold_attach(
    units: Sequence[tuple[str, int, int, Sequence[SpanRow]]],
    golds: Sequence[GoldRow],
    *,
    threshold: float,
) -> dict[int, int]:
    """{gold id: index of its unit}; at most one decision per unit.

    A decision keeps the unit with its key. Otherwise it follows its claim:
    the free unit sharing most of its source spans, then overlapping its
    extent most (Jaccard >= `threshold` when no source is shared), taken
    greedily over all pairs. A decision with no such unit is left unattached.
    `units` are (key, start, end, members).
    """
    index_of_key = {key: index for index, (key, *_) in enumerate(units)}
    attached: dict[int, int] = {}
    taken: set[int] = set()
    loose = []
    for gold in golds:
        index = index_of_key.get(gold.key)
        if index is not None:
            attached[gold.id] = index
            taken.add(index)
        else:
            loose.append(gold)
    candidates = []
    for gold in loose:
        sources = set(gold.sources) | {span for span, _ in gold.versions}
        for index, (key, start, end, members) in enumerate(units):
            if index in taken:
                continue
            shared = sum(member.id in sources for member in members)
            overlap = _jaccard(gold.start, gold.end, start, end)
            if shared or overlap >= threshold:
                candidates.append((-shared, -overlap, -gold.id, key, gold.id, index))
    for *_, gold_id, index in sorted(candidates):
        if gold_id not in attached and index not in taken:
            attached[gold_id] = index
            taken.add(index)
    return attached


# Alignments by article fingerprint: a worker recomputing a session after one
# edit realigns only that article. The fingerprint covers every input.
# Per-article statistics spare unchanged articles their alignment, so this
# only serves a run redone (a retry, a forced run): kept small, for memory.
CACHE_LIMIT = 2000
_ALIGNED: LRUCache[str, list[UnitData]] = LRUCache(CACHE_LIMIT)


def units_align(inputs: AgreementInputs, article_id: int) -> list[UnitData]:
    """Align one article's spans into units with their status (memoised)."""
    fingerprint = inputs.fingerprints.get(article_id)
    cached = _ALIGNED.get(fingerprint) if fingerprint else None
    if cached is not None:
        return cached
    units = _units_align(inputs, article_id)
    if fingerprint:
        _ALIGNED.put(fingerprint, units)
    return units


def _units_align(inputs: AgreementInputs, article_id: int) -> list[UnitData]:
    rows = inputs.spans.get(article_id, [])
    if not rows:
        return []
    by_id = {row.id: row for row in rows}
    units = align_spans(
        [Span(id=r.id, reviewer=r.reviewer, start=r.start, end=r.end) for r in rows],
        mode=ALIGN_MODE,
        threshold=inputs.session.alignment_threshold,
    )
    reviewers_done = len(inputs.done.get(article_id, set()) & set(inputs.reviewers))
    aligned = []
    for unit in units:
        members = [by_id[span.id] for span in unit.spans]
        aligned.append((unit_key(members), unit.start, unit.end, members))
    golds = inputs.golds.get(article_id, [])
    gold_of_unit = {
        index: gold_id
        for gold_id, index in gold_attach(
            aligned, golds, threshold=inputs.session.alignment_threshold
        ).items()
    }
    gold_by_id = {gold.id: gold for gold in golds}
    result = []
    for index, (key, start, end, members) in enumerate(aligned):
        gold_id = gold_of_unit.get(index)
        result.append(
            UnitData(
                article_id=article_id,
                key=key,
                start=start,
                end=end,
                members=members,
                status=unit_status_of(
                    members,
                    required_reviewers=inputs.session.required_reviewers,
                    reviewers_done=reviewers_done,
                    has_gold=gold_id is not None,
                ),
                gold_id=gold_id,
                evidence_changed=gold_id is not None
                and evidence_changed(gold_by_id[gold_id], members),
                reasons=unit_reasons_of(
                    members,
                    expected=inputs.done.get(article_id, set()) & set(inputs.reviewers),
                    tolerance=inputs.session.boundary_tolerance,
                ),
            )
        )
    return result
