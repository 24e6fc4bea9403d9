"""Span alignment across reviewers, detection scores and unitizing alpha."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import combinations
from typing import Any, Literal

import numpy as np

from annotations.metrics.matching import max_weight_matching
from annotations.metrics.span_types import DetectionReport, PairDetection, Span, Unit
from annotations.metrics.unitizing import (
    _observed_sum,
    merge_overlapping,
    segment_distance_sum,
    unitizing_alpha,
    unitizing_alphas,
)

AlignMode = Literal["overlap", "exact"]


def overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def jaccard(a: Span, b: Span) -> float:
    """Intersection over union of the two character ranges."""
    inter = max(0, min(a.end, b.end) - max(a.start, b.start))
    return inter / (a.length + b.length - inter)


def _similarity(
    first: Sequence[Span], second: Sequence[Span], mode: AlignMode
) -> np.ndarray:
    """len(first) x len(second) matrix of Jaccard (overlap) or identity (exact)."""
    starts_a = np.array([s.start for s in first], dtype=np.int64)[:, None]
    ends_a = np.array([s.end for s in first], dtype=np.int64)[:, None]
    starts_b = np.array([s.start for s in second], dtype=np.int64)[None, :]
    ends_b = np.array([s.end for s in second], dtype=np.int64)[None, :]
    if mode == "exact":
        return ((starts_a == starts_b) & (ends_a == ends_b)).astype(float)
    inter = np.maximum(0, np.minimum(ends_a, ends_b) - np.maximum(starts_a, starts_b))
    union = (ends_a - starts_a) + (ends_b - starts_b) - inter
    return inter / union


def _check_alignment_args(mode: str, threshold: float) -> None:
    if mode not in ("overlap", "exact"):
        raise ValueError(f"unknown alignment mode {mode!r}")
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1]")


def _span_order(span: Span) -> tuple[str, int, int, str, str]:
    return (span.reviewer, span.start, span.end, span.label or "", str(span.id))


def _by_reviewer(spans: Iterable[Span]) -> dict[str, list[Span]]:
    """Spans grouped by reviewer, both in a canonical order; ids must be unique."""
    ordered = sorted(spans, key=_span_order)
    ids = [str(span.id) for span in ordered]
    if len(set(ids)) != len(ids):
        raise ValueError("span ids must be unique")
    grouped: dict[str, list[Span]] = {}
    for span in ordered:
        grouped.setdefault(span.reviewer, []).append(span)
    return grouped


def _make_unit(members: list[Span]) -> Unit:
    members = sorted(members, key=_span_order)
    return Unit(
        spans=tuple(members),
        start=min(span.start for span in members),
        end=max(span.end for span in members),
        key=",".join(sorted(str(span.id) for span in members)),
    )


def align_spans(
    spans: Iterable[Span], *, mode: AlignMode = "overlap", threshold: float = 0.5
) -> list[Unit]:
    """Group the spans of different reviewers into units.

    Two spans of different reviewers are compatible when their Jaccard
    similarity is >= ``threshold`` ("overlap") or their offsets are identical
    ("exact").  Reviewers are taken in sorted order; each one's spans are
    assigned to the units built so far by an optimal (maximum total weight)
    one-to-one assignment, where a span may join a unit only if it is
    compatible with EVERY member, and the weight of joining is the sum of its
    similarities to the members, i.e. the gain in total within-unit pairwise
    similarity.  Each step is optimal given the previous ones; with two
    reviewers the whole alignment is optimal.  Unassigned spans open
    single-span units.  Labels play no part in alignment.

    The input order does not matter; units are sorted by (start, end, key).
    """
    _check_alignment_args(mode, threshold)
    clusters: list[list[Span]] = []
    for own in _by_reviewer(spans).values():
        joined: set[int] = set()
        if clusters:
            members = [span for cluster in clusters for span in cluster]
            offsets = np.cumsum([0] + [len(cluster) for cluster in clusters[:-1]])
            similarity = _similarity(members, own, mode)
            compatible = np.minimum.reduceat(similarity, offsets, axis=0) >= threshold
            gain = np.add.reduceat(similarity, offsets, axis=0)
            weights = np.where(compatible, gain, 0.0)
            for cluster_index, span_index in max_weight_matching(weights):
                clusters[cluster_index].append(own[span_index])
                joined.add(span_index)
        clusters.extend([span] for i, span in enumerate(own) if i not in joined)
    units = [_make_unit(cluster) for cluster in clusters]
    return sorted(units, key=lambda unit: (unit.start, unit.end, unit.key))


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _match_count(
    first: Sequence[Span], second: Sequence[Span], mode: AlignMode, threshold: float
) -> int:
    """Size of the largest one-to-one matching of compatible spans."""
    if not first or not second:
        return 0
    similarity = _similarity(first, second, mode)
    # A bonus above any possible similarity sum makes the number of matches
    # dominate; similarity only breaks ties between equally large matchings.
    bonus = float(min(len(first), len(second)) + 1)
    weights = np.where(similarity >= threshold, bonus + similarity, 0.0)
    return len(max_weight_matching(weights))


def pairwise_detection(
    spans: Iterable[Span],
    *,
    mode: AlignMode = "overlap",
    threshold: float = 0.5,
    reviewers: Iterable[str] | None = None,
) -> DetectionReport:
    """Precision, recall and F1 of every reviewer pair, with micro/macro means.

    For the pair (a, b), a is the reference: precision = matched / |b|,
    recall = matched / |a|, F1 = 2 matched / (|a| + |b|), where ``matched`` is
    the largest one-to-one matching of compatible spans (see ``align_spans``).
    Pass ``reviewers`` to include reviewers who marked nothing.  Micro averages
    pool the counts of all pairs; macro F1 is the mean of the defined pair F1s.
    Undefined scores are None.
    """
    _check_alignment_args(mode, threshold)
    grouped = _by_reviewer(spans)
    names = sorted(set(grouped) | set(reviewers or ()))
    pairs = []
    for name_a, name_b in combinations(names, 2):
        own_a, own_b = grouped.get(name_a, []), grouped.get(name_b, [])
        matched = _match_count(own_a, own_b, mode, threshold)
        pairs.append(
            PairDetection(
                reviewer_a=name_a,
                reviewer_b=name_b,
                matched=matched,
                count_a=len(own_a),
                count_b=len(own_b),
                precision=_ratio(matched, len(own_b)),
                recall=_ratio(matched, len(own_a)),
                f1=_ratio(2 * matched, len(own_a) + len(own_b)),
            )
        )
    matched = sum(pair.matched for pair in pairs)
    count_a = sum(pair.count_a for pair in pairs)
    count_b = sum(pair.count_b for pair in pairs)
    f1s = [pair.f1 for pair in pairs if pair.f1 is not None]
    return DetectionReport(
        pairs=tuple(pairs),
        micro_precision=_ratio(matched, count_b),
        micro_recall=_ratio(matched, count_a),
        micro_f1=_ratio(2 * matched, count_a + count_b),
        macro_f1=sum(f1s) / len(f1s) if f1s else None,
    )


def detection_pair_row(
    reviewer_a: str, reviewer_b: str, matched: int, count_a: int, count_b: int
) -> dict[str, Any]:
    """One reviewer pair's detection counts and P/R/F1, as a report holds them."""
    return {
        "reviewer_a": reviewer_a,
        "reviewer_b": reviewer_b,
        "matched": matched,
        "count_a": count_a,
        "count_b": count_b,
        "precision": _ratio(matched, count_b),
        "recall": _ratio(matched, count_a),
        "f1": _ratio(2 * matched, count_a + count_b),
    }


def detection_figures(
    pairs: list[dict[str, Any]], matched: int, count_a: int, count_b: int
) -> dict[str, Any]:
    """Micro P/R/F1 of the pooled counts, macro F1 of the pair rows, the rows."""
    f1s = [p["f1"] for p in pairs if p["f1"] is not None]
    return {
        "micro_precision": _ratio(matched, count_b),
        "micro_recall": _ratio(matched, count_a),
        "micro_f1": _ratio(2 * matched, count_a + count_b),
        "macro_f1": sum(f1s) / len(f1s) if f1s else None,
        "pairs": pairs,
    }


# The names callers import from here (the value types and alpha_U live in
# `span_types` and `unitizing`).
__all__ = [
    "AlignMode",
    "DetectionReport",
    "PairDetection",
    "Span",
    "Unit",
    "_observed_sum",
    "align_spans",
    "detection_figures",
    "detection_pair_row",
    "jaccard",
    "merge_overlapping",
    "overlaps",
    "pairwise_detection",
    "segment_distance_sum",
    "unitizing_alpha",
    "unitizing_alphas",
]
