"""The agreement report payload: label, detection and unitizing figures as JSON."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from itertools import combinations
from typing import Any

import numpy as np

from annotations.caches import LRUCache
from annotations.metrics.agreement import (
    bootstrap_alpha_ci,
    coded_pair_agreement,
    fleiss_kappa,
    krippendorff_alpha,
    unit_status,
)
from annotations.metrics.reasons import Mark, reason_counts, unit_reasons
from annotations.metrics.spans import (
    Span,
    detection_figures,
    detection_pair_row,
    merge_overlapping,
    pairwise_detection,
    unitizing_alphas,
)
from annotations.services.agreement_types import AgreementInputs, SpanRow, UnitData

PAYLOAD_VERSION = 1
STATUSES = ("pending", "agreed", "disputed", "adjudicated")
DIMENSIONS = ("claim_type", "sourcing_quality", "cited_source")


def unit_status_of(
    members: Sequence[SpanRow],
    *,
    required_reviewers: int,
    reviewers_done: int,
    has_gold: bool,
) -> str:
    """The pure unit_status rule over claim type, sourcing quality and source."""
    return unit_status(
        required_reviewers=required_reviewers,
        reviewers_done=reviewers_done,
        dimensions={
            "claim_type": [m.claim_type for m in members],
            "sourcing_quality": [m.sourcing_quality for m in members],
            "cited_source": [m.cited_source for m in members],
        },
        has_gold=has_gold,
        member_count=len(members),
    )


def unit_reasons_of(
    members: Sequence[SpanRow], *, expected: Iterable[str], tolerance: int
) -> list[dict[str, Any]]:
    """The pure unit_reasons rule over the members' offsets and labels."""
    return unit_reasons(
        [
            Mark(
                reviewer=m.reviewer,
                start=m.start,
                end=m.end,
                claim_type=m.claim_type,
                sourcing_quality=m.sourcing_quality,
                cited_source=m.cited_source,
            )
            for m in members
        ],
        expected=expected,
        tolerance=tolerance,
    )


def status_counts(units: Iterable[UnitData]) -> dict[str, int]:
    counts = Counter(unit.status for unit in units)
    return {status: counts.get(status, 0) for status in STATUSES}


def number(value: Any) -> float | None:
    """JSON-safe float: None for undefined (None, NaN, infinity)."""
    if value is None:
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _matrices(
    units: Sequence[UnitData], reviewers: list[str], inputs: AgreementInputs
) -> dict[str, tuple[np.ndarray, list[str]]]:
    """Reviewer x unit value matrices (NaN = not marked) per dimension."""
    row_of = {name: index for index, name in enumerate(reviewers)}
    claim_index = {code: i for i, code in enumerate(inputs.claim_codes)}
    rank_index = {rank: i for i, rank in enumerate(inputs.sourcing_ranks)}
    sources = sorted({m.cited_source for unit in units for m in unit.members})
    source_index = {source: i for i, source in enumerate(sources)}
    rows, cols, claims, levels, cited = [], [], [], [], []
    for column, unit in enumerate(units):
        for member in unit.members:
            rows.append(row_of[member.reviewer])
            cols.append(column)
            claims.append(claim_index[member.claim_type])
            levels.append(rank_index[member.rank])
            cited.append(source_index[member.cited_source])
    result = {}
    for name, values, categories in (
        ("claim_type", claims, inputs.claim_codes),
        ("sourcing_quality", levels, inputs.sourcing_codes),
        ("cited_source", cited, sources),
    ):
        matrix = np.full((len(reviewers), len(units)), np.nan)
        matrix[rows, cols] = values
        result[name] = (matrix, categories)
    return result


def _pair_rows(
    matrix: np.ndarray, reviewers: list[str], categories: list[str], *, confusion: bool
) -> list[dict[str, Any]]:
    """Cohen's kappa, percent agreement (and confusion) of every reviewer pair."""
    pairs = []
    for i, j in combinations(range(len(reviewers)), 2):
        both = ~np.isnan(matrix[i]) & ~np.isnan(matrix[j])
        confusion_counts, kappa, percent = coded_pair_agreement(
            matrix[i, both], matrix[j, both], len(categories)
        )
        row = {
            "reviewer_a": reviewers[i],
            "reviewer_b": reviewers[j],
            "n": int(both.sum()),
            "cohen_kappa": number(kappa),
            "percent_agreement": number(percent),
        }
        if confusion:
            row["confusion"] = confusion_counts.tolist()
        pairs.append(row)
    return pairs


def _fleiss(matrix: np.ndarray, n_categories: int) -> tuple[float | None, int]:
    """Fleiss' kappa over the units every reviewer (row) marked."""
    if matrix.shape[0] < 2:
        return None, 0
    complete = matrix[:, ~np.isnan(matrix).any(axis=0)].astype(int)
    if complete.shape[1] == 0:
        return None, 0
    counts = np.zeros((complete.shape[1], n_categories))
    for row in complete:
        np.add.at(counts, (np.arange(complete.shape[1]), row), 1)
    return fleiss_kappa(counts), int(complete.shape[1])


def _dimension(
    name: str,
    matrix: np.ndarray,
    categories: list[str],
    reviewers: list[str],
    inputs: AgreementInputs,
    seed: int,
) -> dict[str, Any]:
    """All label-agreement figures of one dimension."""
    ordinal = name == "sourcing_quality"
    level = "ordinal" if ordinal else "nominal"
    # Matrices hold category positions; sourcing quality is scored on the
    # scheme's ranks with the whole scale as domain (unused levels included).
    domain = list(range(len(categories)))
    values = matrix
    if ordinal:
        domain = [float(rank) for rank in inputs.sourcing_ranks]
        values = np.full(matrix.shape, np.nan)
        known = ~np.isnan(matrix)
        values[known] = np.asarray(domain)[matrix[known].astype(int)]
    present = ~np.isnan(matrix)
    pairable = int((present.sum(axis=0) >= 2).sum())
    alpha = krippendorff_alpha(values, level, value_domain=domain) if pairable else None
    interval = None
    if alpha is not None:
        interval = bootstrap_alpha_ci(
            values, level, draws=inputs.draws, seed=seed, value_domain=domain
        )
    fleiss, fleiss_units = _fleiss(matrix, len(categories))
    result: dict[str, Any] = {
        "level": level,
        "categories": list(categories),
        "values": int(present.sum()),
        "pairable_units": pairable,
        "alpha": number(alpha),
        "ci": [number(interval[0]), number(interval[1])] if interval else None,
        "fleiss_kappa": number(fleiss),
        "fleiss_units": fleiss_units,
        "pairs": _pair_rows(
            matrix, reviewers, categories, confusion=name != "cited_source"
        ),
    }
    if name != "cited_source":
        per_label = {}
        for index, code in enumerate(categories):
            binary = np.where(present, (matrix == index).astype(float), np.nan)
            per_label[code] = {
                "n": int((matrix == index).sum()),
                "alpha": number(
                    krippendorff_alpha(binary, "nominal", value_domain=[0.0, 1.0])
                    if pairable
                    else None
                ),
            }
        result["per_label"] = per_label
    return result


def _active(inputs: AgreementInputs, article_id: int) -> set[str]:
    """Reviewers who marked the article or said they are done with it."""
    marked = {row.reviewer for row in inputs.spans.get(article_id, [])}
    return marked | (inputs.done.get(article_id, set()) & set(inputs.reviewers))


# Per-article detection counts by (article fingerprint, mode): the session
# report pools the counts its article reports already computed.
CACHE_LIMIT = 40000
_DETECTED: LRUCache[tuple[str, str], list[tuple[str, str, int, int, int]]] = LRUCache(
    CACHE_LIMIT
)


def _article_detection(
    inputs: AgreementInputs, article_id: int, mode: str
) -> list[tuple[str, str, int, int, int]]:
    """(reviewer_a, reviewer_b, matched, count_a, count_b) of one article."""
    key = (inputs.fingerprints.get(article_id, ""), mode)
    cached = _DETECTED.get(key) if key[0] else None
    if cached is not None:
        return cached
    active = _active(inputs, article_id)
    counts = []
    if len(active) >= 2:
        report = pairwise_detection(
            [
                Span(id=r.id, reviewer=r.reviewer, start=r.start, end=r.end)
                for r in inputs.spans.get(article_id, [])
            ],
            mode=mode,
            threshold=inputs.session.alignment_threshold,
            reviewers=active,
        )
        counts = [
            (p.reviewer_a, p.reviewer_b, p.matched, p.count_a, p.count_b)
            for p in report.pairs
        ]
    if key[0]:
        _DETECTED.put(key, counts)
    return counts


def _detection(inputs: AgreementInputs, article_ids: Sequence[int]) -> dict:
    """Pairwise span detection P/R/F1 (exact and overlap), pooled over articles."""
    result = {}
    for mode in ("overlap", "exact"):
        totals: dict[tuple[str, str], list[int]] = {}
        for article_id in article_ids:
            for name_a, name_b, *counts in _article_detection(inputs, article_id, mode):
                total = totals.setdefault((name_a, name_b), [0, 0, 0])
                for index, value in enumerate(counts):
                    total[index] += value
        pairs = [
            detection_pair_row(name_a, name_b, *counts)
            for (name_a, name_b), counts in sorted(totals.items())
        ]
        matched = sum(p["matched"] for p in pairs)
        count_a = sum(p["count_a"] for p in pairs)
        count_b = sum(p["count_b"] for p in pairs)
        result[mode] = detection_figures(pairs, matched, count_a, count_b)
    return result


def _unitizing(inputs: AgreementInputs, article_ids: Sequence[int]) -> dict:
    """Krippendorff's alpha_U per claim type and overall, on one continuum.

    Several articles are laid end to end; only articles with at least
    ``required_reviewers`` active reviewers take part.
    """
    needed = 2 if len(article_ids) == 1 else max(2, inputs.session.required_reviewers)
    offset = 0
    per_reviewer: dict[str, dict[str, list[Span]]] = {}
    included = 0
    for article_id in article_ids:
        active = _active(inputs, article_id)
        if len(active) < needed:
            continue
        included += 1
        for name in active:
            per_reviewer.setdefault(name, {})
        for row in inputs.spans.get(article_id, []):
            per_reviewer.setdefault(row.reviewer, {}).setdefault(
                row.claim_type, []
            ).append(
                Span(
                    id=row.id,
                    reviewer=row.reviewer,
                    start=row.start + offset,
                    end=row.end + offset,
                    label=row.claim_type,
                )
            )
        offset += inputs.article_lengths[article_id]
    spans_by_reviewer = {
        name: [s for spans in by_label.values() for s in merge_overlapping(spans)]
        for name, by_label in per_reviewer.items()
    }
    if len(spans_by_reviewer) < 2 or offset == 0:
        return {"articles": included, "alpha": None, "per_label": {}}
    overall, per_label = unitizing_alphas(offset, spans_by_reviewer)
    return {
        "articles": included,
        "alpha": number(overall),
        "per_label": {label: number(per_label[label]) for label in sorted(per_label)},
    }


def payload_params(inputs: AgreementInputs, seed: int) -> dict[str, Any]:
    """What a report was computed with (the payload's `params`)."""
    return {
        "alignment_mode": "overlap",
        "alignment_threshold": inputs.session.alignment_threshold,
        "required_reviewers": inputs.session.required_reviewers,
        "bootstrap_draws": inputs.draws,
        "bootstrap_seed": seed,
    }


def payload_build(
    inputs: AgreementInputs,
    units: Sequence[UnitData],
    article_ids: Sequence[int],
    *,
    seed: int,
) -> dict[str, Any]:
    """The whole JSON payload of a report over ``units`` of ``article_ids``."""
    reviewers = sorted({m.reviewer for unit in units for m in unit.members})
    matrices = _matrices(units, reviewers, inputs)
    return {
        "version": PAYLOAD_VERSION,
        "params": payload_params(inputs, seed),
        "reviewers": reviewers,
        "counts": {
            "articles": len(article_ids),
            "spans": sum(len(inputs.spans.get(a, [])) for a in article_ids),
            "units": len(units),
            "status": status_counts(units),
            "reasons": reason_counts(unit.reasons for unit in units),
        },
        "labels": {
            name: _dimension(name, matrix, categories, reviewers, inputs, seed)
            for name, (matrix, categories) in matrices.items()
        },
        "detection": _detection(inputs, article_ids),
        "unitizing": _unitizing(inputs, article_ids),
    }
