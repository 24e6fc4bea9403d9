"""Unitizing alpha (alpha_U) of a reduction: the articles laid end to end.

The additive terms (squared lengths, pair interactions, segment counts and
the cubic and pair sums) and the segment-length and within-article gap
histograms are summed over the included articles (`SessionSums`); only the
gaps that cross article boundaries need the articles' order, from each
article's first and last segment per reviewer and label (`_chain_gaps`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from annotations.metrics.article_stats import Frame

if TYPE_CHECKING:
    from annotations.metrics.stats_reduce import View


def unitizing(view: View, frame: Frame) -> dict[str, Any]:
    """alpha_U of the included articles (enough active reviewers), end to end."""
    vectors = view.state.vectors()
    included = vectors["included"]
    n_included = int(included.sum())
    m = len(view.table("active"))
    article_length = vectors["length"]
    total_length = float(article_length.sum())
    if m < 2 or total_length == 0:
        return {"articles": n_included, "alpha": None, "per_label": {}}
    start_of = np.concatenate([[0.0], np.cumsum(article_length)[:-1]])
    ends, end_article = view.state.ends()
    keep = included[end_article]
    ends, end_article = ends[keep], end_article[keep]
    chain_label, chain_gap = _chain_gaps(
        ends, end_article, start_of, article_length, total_length
    )
    base = int(ends[:, 0].max()) + 1 if len(ends) else 1
    groups = np.unique(ends[:, 1] * base + ends[:, 0])
    n_labels = len(frame.claim_codes)
    groups_per_label = np.bincount(groups // base, minlength=n_labels)
    terms = view.table("unitizing.terms")
    lengths = (view.table("unitizing.lengths"), view.weights("unitizing.lengths"))
    gaps = (view.table("unitizing.gaps"), view.weights("unitizing.gaps"))
    disagreements = {}
    for row in terms.tolist():
        label = row[0]
        chains = chain_gap[chain_label == label]
        gap_values = np.concatenate(
            [gaps[0][gaps[0][:, 0] == label, 1].astype(float), chains, [total_length]]
        )
        gap_weights = np.concatenate(
            [
                gaps[1][gaps[0][:, 0] == label].astype(float),
                np.ones(len(chains)),
                [float(m - int(groups_per_label[label]))],
            ]
        )
        picked = lengths[0][:, 0] == label
        disagreements[frame.claim_codes[label]] = _label_terms(
            row,
            m,
            total_length,
            unit_lengths=(lengths[0][picked, 1].astype(float), lengths[1][picked]),
            gaps=(gap_values, gap_weights),
        )
    return _alphas(n_included, disagreements)


def _label_terms(
    row: list[int],
    m: int,
    length: float,
    *,
    unit_lengths: tuple[np.ndarray, np.ndarray],
    gaps: tuple[np.ndarray, np.ndarray],
) -> tuple[float, float]:
    """(D_o, D_e) of one label from its summed terms, lengths and gaps.

    A unit of length l fits in a gap g >= l in g - l + 1 places; gaps come
    as (values, multiplicities), so the sum over gaps >= l is a tail sum.
    """
    _, squares, interaction, units, cubic, pairs = (float(v) for v in row)
    observed = (m - 1) * squares + interaction
    observed *= 2.0 / (m * (m - 1) * length * length)
    values, counts = unit_lengths
    order = np.argsort(gaps[0], kind="stable")
    gap_values, gap_counts = gaps[0][order], gaps[1][order]
    first_fit = np.searchsorted(gap_values, values, side="left")
    gap_tail = np.concatenate([np.cumsum((gap_values * gap_counts)[::-1])[::-1], [0.0]])
    fitting = np.concatenate([np.cumsum(gap_counts[::-1])[::-1], [0.0]])[first_fit]
    placements = gap_tail[first_fit] - fitting * (values - 1)
    within = (units - 1) * cubic
    expected = float(within + (counts * values**2 * placements).sum()) * 2.0 / length
    expected /= m * length * (m * length - 1) - pairs
    return float(observed), expected


def _alphas(
    n_included: int, disagreements: dict[str, tuple[float, float]]
) -> dict[str, Any]:
    per_code = {
        code: (float(1.0 - observed / expected) if expected > 0 else None)
        for code, (observed, expected) in disagreements.items()
    }
    observed_total = sum(observed for observed, _ in disagreements.values())
    expected_total = sum(expected for _, expected in disagreements.values())
    return {
        "articles": n_included,
        "alpha": float(1.0 - observed_total / expected_total)
        if expected_total > 0
        else None,
        "per_label": {code: per_code[code] for code in sorted(per_code)},
    }


def _chain_gaps(
    ends: np.ndarray,
    article: np.ndarray,
    start_of: np.ndarray,
    article_length: np.ndarray,
    total_length: float,
) -> tuple[np.ndarray, np.ndarray]:
    """The gaps that cross article boundaries, per (reviewer, label) chain.

    On the continuum a reviewer's gap before its first segment of a label in
    an article runs back to its last segment of that label in an earlier
    article, across every article in between (where it has none); likewise
    after the last segment. Returns (label, length) of those gaps > 0.
    """
    if not len(ends):
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    reviewer, label, lead, trail = (ends[:, c] for c in range(4))
    order = np.lexsort((article, label, reviewer))
    reviewer, label, lead, trail = (
        reviewer[order],
        label[order],
        lead[order],
        trail[order],
    )
    article = article[order]
    start, size = start_of[article], article_length[article]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (reviewer[1:] != reviewer[:-1]) | (label[1:] != label[:-1])
    last = np.ones(len(order), dtype=bool)
    last[:-1] = first[1:]
    previous_end = np.zeros(len(order))
    # Where the previous segment of the chain ends on the continuum.
    previous_end[1:] = start[:-1] + size[:-1] - trail[:-1]
    before = np.where(first, start + lead, start + lead - previous_end)
    after = total_length - (start + size - trail)
    gap_label = np.concatenate([label, label[last]])
    gap = np.concatenate([before, after[last]])
    keep = gap > 0
    return gap_label[keep], gap[keep]
