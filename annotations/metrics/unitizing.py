"""Krippendorff's unitizing alpha (alpha_U) over reviewers' spans of a continuum."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations

import numpy as np

from annotations.metrics.span_types import Span


def _ranges(spans: Sequence[Span]) -> tuple[np.ndarray, np.ndarray]:
    starts = np.array([span.start for span in spans], dtype=float)
    ends = np.array([span.end for span in spans], dtype=float)
    return starts, ends


def segment_distance_sum(first: Sequence[Span], second: Sequence[Span]) -> float:
    """Sum of Krippendorff's unitizing distances between two reviewers' segments.

    Unit vs unit (intersecting): (start difference)^2 + (end difference)^2.
    Unit vs the gap containing it (it meets no unit of the other): length^2.
    Gap vs gap: 0.

    Both lists are sorted and free of overlaps (`unitizing_alpha` checks), so
    the units of `second` meeting one unit of `first` are a contiguous run:
    two binary searches find it, and the work is O((n + m) log m + pairs)
    instead of a dense n x m comparison.
    """
    starts_a, ends_a = _ranges(first)
    starts_b, ends_b = _ranges(second)
    # For unit a: the units b with end_b > start_a and start_b < end_a.
    low = np.searchsorted(ends_b, starts_a, side="right")
    high = np.searchsorted(starts_b, ends_a, side="left")
    counts = np.maximum(high - low, 0)
    a_index = np.repeat(np.arange(len(starts_a)), counts)
    run_start = np.repeat(np.cumsum(counts) - counts, counts)
    b_index = np.repeat(low, counts) + np.arange(int(counts.sum())) - run_start
    distance = (starts_a[a_index] - starts_b[b_index]) ** 2
    distance += (ends_a[a_index] - ends_b[b_index]) ** 2
    total = float(distance.sum())
    a_alone = counts == 0
    b_alone = np.ones(len(starts_b), dtype=bool)
    b_alone[b_index] = False
    total += float((((ends_a - starts_a) ** 2) * a_alone).sum())
    total += float((((ends_b - starts_b) ** 2) * b_alone).sum())
    return total


_observed_sum = segment_distance_sum  # the name the tests know it by


def merge_overlapping(spans: Iterable[Span]) -> list[Span]:
    """One reviewer's spans of one category with overlaps merged (alpha_U needs it).

    Sorted by (start, end); a span starting before the previous one ends is
    absorbed into it (touching spans stay apart). The merged span keeps the id
    and label of the first.
    """
    merged: list[Span] = []
    for span in sorted(spans, key=lambda s: (s.start, s.end)):
        if merged and span.start < merged[-1].end:
            last = merged[-1]
            if span.end > last.end:
                merged[-1] = Span(
                    id=last.id,
                    reviewer=last.reviewer,
                    start=last.start,
                    end=span.end,
                    label=last.label,
                )
        else:
            merged.append(span)
    return merged


def _gaps(spans: Sequence[Span], continuum_length: int) -> list[int]:
    """Lengths of the stretches of [0, L) that the (sorted) spans leave empty."""
    gaps, position = [], 0
    for span in spans:
        if span.start > position:
            gaps.append(span.start - position)
        position = span.end
    if continuum_length > position:
        gaps.append(continuum_length - position)
    return gaps


def _category_disagreements(
    continuum_length: int, spans_by_reviewer: Sequence[Sequence[Span]]
) -> tuple[float, float]:
    """Observed and expected disagreement (D_o, D_e) of one category."""
    length, raters = float(continuum_length), len(spans_by_reviewer)
    observed = sum(
        segment_distance_sum(first, second)
        for first, second in combinations(spans_by_reviewer, 2)
    )
    observed *= 2.0 / (raters * (raters - 1) * length * length)

    lengths = np.array([s.length for own in spans_by_reviewer for s in own], float)
    if not len(lengths):
        return observed, 0.0
    gaps = np.sort(
        np.array(
            [g for own in spans_by_reviewer for g in _gaps(own, continuum_length)],
            dtype=float,
        )
    )
    # For each unit length l: sum over gaps g >= l of (g - l + 1).
    first_fit = np.searchsorted(gaps, lengths, side="left")
    gap_tail = np.concatenate([np.cumsum(gaps[::-1])[::-1], [0.0]])
    fitting = len(gaps) - first_fit
    placements = gap_tail[first_fit] - fitting * (lengths - 1)
    within = (len(lengths) - 1) * (2 * lengths**3 - 3 * lengths**2 + lengths) / 3
    expected = float((within + lengths**2 * placements).sum()) * 2.0 / length
    denominator = raters * length * (raters * length - 1)
    expected /= denominator - float((lengths * (lengths - 1)).sum())
    return observed, expected


def unitizing_alpha(
    continuum_length: int,
    spans_by_reviewer: Mapping[str, Sequence[Span]],
    label: str | None = None,
) -> float | None:
    """Krippendorff's unitizing alpha (alpha_U) over a continuum [0, L).

    Follows Krippendorff (1995) "On the reliability of unitizing continuous
    data" and Content Analysis (2nd ed. 2004, ch. 11) as DKPro Agreement's
    KrippendorffAlphaUnitizingAgreement computes it: per category, each
    reviewer's continuum is cut into that category's spans and the gaps
    between them; D_o sums the segment distances over reviewer pairs and D_e
    compares all possible placements.  With ``label`` the alpha of that
    category; without, the overall alpha 1 - sum(D_o) / sum(D_e) over all
    categories present (spans without a label form one category of their own).

    Every key of ``spans_by_reviewer`` counts as a reviewer, also one with no
    spans.  A reviewer's spans of one category must not overlap.  Returns None
    when undefined: fewer than two reviewers, an empty continuum, or no spans
    of the category.
    """
    overall, per_label = unitizing_alphas(continuum_length, spans_by_reviewer)
    return overall if label is None else per_label.get(label)


def unitizing_alphas(
    continuum_length: int, spans_by_reviewer: Mapping[str, Sequence[Span]]
) -> tuple[float | None, dict[str | None, float | None]]:
    """The overall alpha_U and that of each category present, in one pass.

    The same values as `unitizing_alpha` without and with each ``label``, but
    each category's disagreements are computed once.
    """
    if len(spans_by_reviewer) < 2 or continuum_length <= 0:
        return None, {}
    totals = _category_totals(continuum_length, spans_by_reviewer)
    per_label = {label: _alpha([pair]) for label, pair in totals.items()}
    return _alpha(totals.values()), per_label


def _category_totals(
    continuum_length: int, spans_by_reviewer: Mapping[str, Sequence[Span]]
) -> dict[str | None, tuple[float, float]]:
    """(D_o, D_e) of each category present; checks ends and overlaps."""
    categories: dict[str | None, list[list[Span]]] = {}
    for index, name in enumerate(sorted(spans_by_reviewer)):
        for span in spans_by_reviewer[name]:
            if span.end > continuum_length:
                raise ValueError(f"span {span.id!r} ends beyond the continuum")
            per_reviewer = categories.setdefault(
                span.label, [[] for _ in spans_by_reviewer]
            )
            per_reviewer[index].append(span)
    totals = {}
    for category, per_reviewer in categories.items():
        for own in per_reviewer:
            own.sort(key=lambda span: (span.start, span.end))
            for before, after in zip(own, own[1:], strict=False):
                if after.start < before.end:
                    raise ValueError(
                        f"spans {before.id!r} and {after.id!r} of one reviewer and "
                        "category overlap"
                    )
        totals[category] = _category_disagreements(continuum_length, per_reviewer)
    return totals


def _alpha(disagreements: Iterable[tuple[float, float]]) -> float | None:
    """1 - sum(D_o) / sum(D_e); None when nothing is expected to disagree."""
    observed_total = expected_total = 0.0
    for observed, expected in disagreements:
        observed_total += observed
        expected_total += expected
    if expected_total <= 0:
        return None
    return 1.0 - observed_total / expected_total
