"""Per-article agreement statistics: computed from aligned units, stored, reduced.

An incremental recompute aligns only the articles whose change counter moved
since their stored statistics (`stats_due`), computes their tables
(`article_stats_of`), and builds the session report by reducing every
article's tables (`session_payload_build`): stored ones are read once per
worker process and kept in memory by fingerprint (`stats_load`).
The formulas are in docs/agreement.md ("Decomposition").
"""

from __future__ import annotations

import gc
import math
from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from django.conf import settings

from annotations.caches import LRUCache
from annotations.metrics.article_stats import (
    ArticleStats,
    Frame,
    Mark,
    Member,
    article_stats,
)
from annotations.metrics.reasons import reason_counts
from annotations.metrics.stats_codec import stats_decode, unit_tables_decode
from annotations.metrics.stats_reduce import figures_of
from annotations.metrics.stats_sums import SessionSums
from annotations.models import AgreementArticleStats
from annotations.services.agreement_payload import (
    PAYLOAD_VERSION,
    payload_params,
    status_counts,
)
from annotations.services.agreement_types import AgreementInputs, UnitData

BOOTSTRAPS = ("article", "unit")


class StoredStats(NamedTuple):
    """What a stored statistics row was computed from (its tables not read)."""

    params: str
    fingerprint: str
    input_changes: int
    shape: str


def stats_index(*, session_id: int) -> dict[int, StoredStats]:
    """{article_id: StoredStats} of the session, without the tables."""
    return {
        article_id: StoredStats(*rest)
        for article_id, *rest in AgreementArticleStats.objects.filter(
            session_id=session_id
        ).values_list("article_id", "params", "fingerprint", "input_changes", "shape")
    }


def stats_due(
    scope: Sequence[int],
    *,
    index: Mapping[int, StoredStats],
    params: str,
    changes: Mapping[int, int],
    shapes: Mapping[int, str] | None,
    force: bool,
) -> list[int]:
    """The articles whose stored statistics are missing or older than their data
    (``shapes`` None: by the change counters alone)."""
    due = []
    for article_id in scope:
        stored = index.get(article_id)
        if (
            force
            or stored is None
            or stored.params != params
            or stored.input_changes != changes.get(article_id, 0)
            or (shapes is not None and stored.shape != shapes.get(article_id, ""))
        ):
            due.append(article_id)
    return due


def frame_of(inputs: AgreementInputs) -> Frame:
    return Frame(
        claim_codes=tuple(inputs.claim_codes),
        sourcing_codes=tuple(inputs.sourcing_codes),
        sourcing_ranks=tuple(float(rank) for rank in inputs.sourcing_ranks),
    )


def article_stats_of(
    inputs: AgreementInputs, article_id: int, units: Sequence[UnitData]
) -> ArticleStats:
    """The tables of one article (per-unit tables included)."""
    claim_index = {code: i for i, code in enumerate(inputs.claim_codes)}
    rank_index = {rank: i for i, rank in enumerate(inputs.sourcing_ranks)}
    rows = inputs.spans.get(article_id, [])
    marked = {row.reviewer for row in rows}
    return article_stats(
        units=[
            [
                Member(
                    reviewer=m.reviewer,
                    claim_type=claim_index[m.claim_type],
                    sourcing_quality=rank_index[m.rank],
                    cited_source=m.cited_source,
                )
                for m in unit.members
            ]
            for unit in units
        ],
        marks=[
            Mark(
                id=row.id,
                reviewer=row.reviewer,
                start=row.start,
                end=row.end,
                claim_type=claim_index[row.claim_type],
            )
            for row in rows
        ],
        active=marked | (inputs.done.get(article_id, set()) & set(inputs.reviewers)),
        length=inputs.article_lengths[article_id],
        status=status_counts(units),
        reasons=reason_counts(unit.reasons for unit in units),
        frame=frame_of(inputs),
        threshold=inputs.session.alignment_threshold,
        with_units=True,
    )


# Decoded statistics by (session, article), kept while their fingerprint holds:
# after one edit a worker reads one row, not the whole session's tables.
def _cache_limit() -> int:
    return int(getattr(settings, "AGREEMENT_STATS_CACHE_ARTICLES", 50000))


_CACHE: LRUCache[tuple[int, int], tuple[str, ArticleStats, bool]] = LRUCache(
    _cache_limit
)


def stats_load(
    *, session_id: int, fingerprints: Mapping[int, str], with_units: bool
) -> dict[int, ArticleStats]:
    """The stored statistics of these articles ({article_id: fingerprint wanted}).

    Served from memory when the fingerprint matches, else read (one query per
    batch) and remembered. ``with_units`` also reads the per-unit tables.
    """
    found, missing = {}, []
    for article_id, fingerprint in fingerprints.items():
        cached = _CACHE.get((session_id, article_id))
        if cached and cached[0] == fingerprint and (cached[2] or not with_units):
            found[article_id] = cached[1]
        else:
            missing.append(article_id)
    fields = ["article_id", "fingerprint", "stats"]
    if with_units:
        fields.append("unit_stats")
    for first in range(0, len(missing), 2000):
        rows = AgreementArticleStats.objects.filter(
            session_id=session_id, article_id__in=missing[first : first + 2000]
        ).values_list(*fields)
        for article_id, fingerprint, blob, *units in rows:
            stats = stats_decode(blob)
            if units:
                stats.tables.update(unit_tables_decode(units[0]))
            found[article_id] = stats
            _CACHE.put((session_id, article_id), (fingerprint, stats, bool(units)))
    return found


def cache_put(
    *, session_id: int, article_id: int, fingerprint: str, stats: ArticleStats
) -> None:
    """Remember statistics just computed (without their per-unit tables, which
    only the per-unit bootstrap reads, from the database)."""
    _CACHE.put((session_id, article_id), (fingerprint, stats.without_units(), False))


def cache_clear() -> None:
    """Forget every remembered table and reduction state (tests, bulk changes)."""
    _CACHE.clear()
    _SUMS.clear()


def session_bootstrap(state: SessionSums) -> str:
    """The session CI's resampling: by article (clusters) unless too few articles.

    ``AGREEMENT_BOOTSTRAP`` = "unit" selects the per-unit bootstrap; a cluster
    bootstrap over fewer than ``AGREEMENT_CLUSTER_MIN_ARTICLES`` articles with
    pairable units would be degenerate, so those sessions resample units.
    """
    choice = getattr(settings, "AGREEMENT_BOOTSTRAP", "article")
    if choice not in BOOTSTRAPS:
        raise ValueError(f"AGREEMENT_BOOTSTRAP must be one of {BOOTSTRAPS}")
    if choice == "unit":
        return "unit"
    minimum = int(getattr(settings, "AGREEMENT_CLUSTER_MIN_ARTICLES", 10))
    clusters = int((state.vectors()["pairable"] > 0).sum())
    return "article" if clusters >= minimum else "unit"


# A session's reduction state by session id, with the fingerprint of each
# article it holds: after one edit the session report is one article's
# tables swapped (`SessionSums.replace`), not a reduction over all of them.
_SUMS: LRUCache[int, tuple[tuple, SessionSums, dict[int, str]]] = LRUCache(1)
# Past this share of the session changed, rebuilding beats swapping.
REBUILD_SHARE = 0.05


def session_sums(
    *,
    session_id: int,
    inputs: AgreementInputs,
    order: Sequence[int],
    fingerprints: Mapping[int, str],
    new_stats: Mapping[int, ArticleStats],
) -> SessionSums:
    """The session's reduction state over ``order`` (``new_stats`` just
    computed, the others stored): kept in memory and brought up to date by
    swapping the articles whose fingerprint moved; built when absent."""
    key = (inputs.params_hash, _needed(inputs, len(order)), tuple(order))
    cached = _SUMS.get(session_id)
    if cached is not None and cached[0] == key:
        _, state, held = cached
        changed = [a for a in order if held.get(a) != fingerprints[a]]
        if len(changed) <= max(50, REBUILD_SHARE * len(order)):
            loaded = stats_load(
                session_id=session_id,
                fingerprints={
                    a: fingerprints[a] for a in changed if a not in new_stats
                },
                with_units=False,
            )
            for a in changed:
                state.replace(
                    a, new_stats[a].without_units() if a in new_stats else loaded[a]
                )
                held[a] = fingerprints[a]
            return state
    stored = {a: fingerprints[a] for a in order if a not in new_stats}
    loaded = stats_load(session_id=session_id, fingerprints=stored, with_units=False)
    every = [
        new_stats[a].without_units() if a in new_stats else loaded[a] for a in order
    ]
    state = sums_of(inputs, every, keys=order)
    # One session's state per process (LRUCache(1)): bounded memory.
    _SUMS.put(session_id, (key, state, {a: fingerprints[a] for a in order}))
    # The tables live as long as the process: keep the cyclic collector from
    # rescanning them at every later allocation burst.
    gc.freeze()
    return state


def sums_clear() -> None:
    """Forget every session's reduction state."""
    _SUMS.clear()


def _json_safe(value: Any) -> Any:
    """Floats made JSON-safe (None for NaN and infinities), recursively."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(item) for item in value]
    return value


def _needed(inputs: AgreementInputs, articles: int) -> int:
    """Active reviewers an article needs for alpha_U (2 for a single article)."""
    return 2 if articles == 1 else max(2, inputs.session.required_reviewers)


def sums_of(
    inputs: AgreementInputs,
    stats: Sequence[ArticleStats],
    keys: Sequence[int] | None = None,
) -> SessionSums:
    """The reduction state of these articles' statistics."""
    return SessionSums.of(
        stats,
        keys=keys,
        needed=_needed(inputs, len(stats)),
        ordinal_k=len(inputs.sourcing_codes),
        claim_k=len(inputs.claim_codes),
    )


def payload_reduce(
    inputs: AgreementInputs,
    stats: Sequence[ArticleStats],
    *,
    seed: int,
    bootstrap: str,
) -> dict[str, Any]:
    """The report payload (as `payload_build` shapes it) of these articles."""
    return payload_of(inputs, sums_of(inputs, stats), seed=seed, bootstrap=bootstrap)


def payload_of(
    inputs: AgreementInputs, state: SessionSums, *, seed: int, bootstrap: str
) -> dict[str, Any]:
    """The report payload of a reduction state (`SessionSums`)."""
    figures = figures_of(
        state,
        frame=frame_of(inputs),
        draws=inputs.draws,
        seed=seed,
        bootstrap=bootstrap,
    )
    return _json_safe(
        {
            "version": PAYLOAD_VERSION,
            "params": {**payload_params(inputs, seed), "bootstrap": bootstrap},
            **figures,
        }
    )
