"""Per-article sufficient statistics of agreement: small integer tables that sum.

Every figure of a report over several articles (Krippendorff's alpha of each
dimension and per label, Fleiss' kappa, each pair's Cohen's kappa, percent
agreement and confusion, span detection counts, unitizing alpha) is a
function of sums of these per-article tables (`stats_reduce.figures_reduce`
does the sums), so after one edit a session report is one article's tables
recomputed plus a sum. The decomposition is derived in docs/agreement.md.

Tables are integer matrices with named columns (`TABLES`). Columns named
``reviewer*`` index the article's `reviewers` list and, in the cited-source
tables, ``i`` and ``j`` index its `sources` list (both sorted, so the order
of names is the same in every article); other category indices are
positions in the frame's claim codes and sourcing codes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np

from annotations.metrics.reasons import REASON_COUNT_KEYS
from annotations.metrics.spans import (
    Span,
    merge_overlapping,
    pairwise_detection,
    segment_distance_sum,
)

DIMENSIONS = ("claim_type", "sourcing_quality", "cited_source")
STATUSES = ("pending", "agreed", "disputed", "adjudicated")
MODES = ("overlap", "exact")


def _dimension_tables(name: str) -> dict[str, tuple[str, ...]]:
    return {
        # Sum over the article's units of size m of n_uc * n_uk (i <= j).
        f"{name}.products": ("size", "i", "j", "count"),
        # Sum over the units of size m of n_uc: the values of category i.
        f"{name}.totals": ("size", "i", "count"),
        # Units both reviewers marked: a's category i, b's category j.
        f"{name}.confusion": ("reviewer_a", "reviewer_b", "i", "j", "count"),
    }


TABLES: dict[str, tuple[str, ...]] = {
    "counts": ("spans", "units", *STATUSES, *REASON_COUNT_KEYS, "length"),
    # Reviewers who marked the article or are done with it; who marked a unit.
    "active": ("reviewer",),
    "marked": ("reviewer",),
    **{
        key: value
        for name in DIMENSIONS
        for key, value in _dimension_tables(name).items()
    },
    **{
        f"detection.{mode}": (
            "reviewer_a",
            "reviewer_b",
            "matched",
            "count_a",
            "count_b",
        )
        for mode in MODES
    },
    # Per claim type: sum of squared segment lengths (all reviewers), the pair
    # interaction of D_o, the number of segments, sum (2l^3 - 3l^2 + l) / 3
    # and sum l(l - 1).
    "unitizing.terms": ("label", "squares", "interaction", "units", "cubic", "pairs"),
    "unitizing.lengths": ("label", "length"),  # one row per segment
    "unitizing.gaps": ("label", "length"),  # gaps between a reviewer's segments
    # A reviewer's first segment start and the room after the last one.
    "unitizing.ends": ("reviewer", "label", "lead", "trail"),
}
# Only for the per-unit bootstrap (not stored): pairable units' value counts.
UNIT_TABLES = {f"{name}.units": ("unit", "i", "count") for name in DIMENSIONS}
ALL_TABLES = {**TABLES, **UNIT_TABLES}


@dataclass(frozen=True)
class Frame:
    """What every article of a session is coded against."""

    claim_codes: tuple[str, ...]
    sourcing_codes: tuple[str, ...]  # in rank order, best first
    sourcing_ranks: tuple[float, ...]

    def categories(self, dimension: str) -> tuple[str, ...] | None:
        """The fixed categories of a dimension; None for the open cited source."""
        if dimension == "claim_type":
            return self.claim_codes
        if dimension == "sourcing_quality":
            return self.sourcing_codes
        return None


@dataclass(frozen=True)
class Member:
    """One span of an aligned unit: its reviewer and its three values."""

    reviewer: str
    claim_type: int  # position in Frame.claim_codes
    sourcing_quality: int  # position in Frame.sourcing_codes
    cited_source: str  # normalised


@dataclass(frozen=True)
class Mark:
    """One span as detection and unitizing see it."""

    id: int | str
    reviewer: str
    start: int
    end: int
    claim_type: int  # position in Frame.claim_codes


@dataclass
class ArticleStats:
    """The sufficient statistics of one article (see the module docstring)."""

    reviewers: list[str]
    sources: list[str]
    tables: dict[str, np.ndarray] = field(default_factory=dict)

    def table(self, name: str) -> np.ndarray:
        found = self.tables.get(name)
        if found is None:
            return np.zeros((0, len(ALL_TABLES[name])), dtype=np.int64)
        return found

    def without_units(self) -> ArticleStats:
        """The stored form: the per-unit tables dropped."""
        return ArticleStats(
            reviewers=self.reviewers,
            sources=self.sources,
            tables={k: v for k, v in self.tables.items() if k not in UNIT_TABLES},
        )


def _rows(rows: Iterable[Sequence[int]], name: str) -> np.ndarray:
    array = np.array(list(rows), dtype=np.int64)
    return array.reshape(-1, len(ALL_TABLES[name]))


def article_stats(
    *,
    units: Sequence[Sequence[Member]],
    marks: Sequence[Mark],
    active: Iterable[str],
    length: int,
    status: Mapping[str, int],
    frame: Frame,
    reasons: Mapping[str, int] | None = None,
    threshold: float,
    with_units: bool = False,
) -> ArticleStats:
    """The tables of one article.

    ``units`` are the aligned units (at most one member per reviewer),
    ``marks`` every span of the article, ``active`` the reviewers who marked
    it or are done with it, ``status`` the unit status counts, ``reasons``
    the units per disagreement reason (`reasons.reason_counts`). ``with_units``
    adds the per-unit value counts the per-unit bootstrap needs.
    """
    active = set(active) | {mark.reviewer for mark in marks}
    members = [member for unit in units for member in unit]
    reviewers = sorted(active | {member.reviewer for member in members})
    sources = sorted({member.cited_source for member in members})
    reviewer_of = {name: index for index, name in enumerate(reviewers)}
    source_of = {name: index for index, name in enumerate(sources)}
    sizes = np.array([len(unit) for unit in units], dtype=np.int64)
    unit_of = np.repeat(np.arange(len(units)), sizes)
    who = np.array([reviewer_of[m.reviewer] for m in members], dtype=np.int64)
    counts = [
        len(marks),
        len(units),
        *(status.get(s, 0) for s in STATUSES),
        *((reasons or {}).get(k, 0) for k in REASON_COUNT_KEYS),
        length,
    ]
    tables = {
        "counts": _rows([counts], "counts"),
        "active": _rows([[reviewer_of[name]] for name in sorted(active)], "active"),
        "marked": _rows([[index] for index in np.unique(who)], "marked"),
    }
    for name, (values, n_categories) in _codes(
        members, frame, source_of, len(sources)
    ).items():
        tables.update(
            _label_tables(
                name,
                np.array(values, dtype=np.int64),
                n_categories,
                unit_of=unit_of,
                sizes=sizes,
                who=who,
                n_reviewers=len(reviewers),
                with_units=with_units,
            )
        )
    tables.update(_detection_tables(marks, active, reviewer_of, threshold))
    tables.update(_unitizing_tables(marks, length, reviewer_of))
    return ArticleStats(reviewers=reviewers, sources=sources, tables=tables)


def _codes(members, frame: Frame, source_of, n_sources: int) -> dict:
    """Per dimension: each member's category index, and the number of categories."""
    return {
        "claim_type": ([m.claim_type for m in members], len(frame.claim_codes)),
        "sourcing_quality": (
            [m.sourcing_quality for m in members],
            len(frame.sourcing_codes),
        ),
        "cited_source": ([source_of[m.cited_source] for m in members], n_sources),
    }


def _label_tables(
    name: str,
    values: np.ndarray,
    n_categories: int,
    *,
    unit_of: np.ndarray,
    sizes: np.ndarray,
    who: np.ndarray,
    n_reviewers: int,
    with_units: bool,
) -> dict[str, np.ndarray]:
    """Products, totals and confusion counts of one dimension."""
    counts = np.zeros((n_categories, len(sizes)), dtype=np.int64)
    np.add.at(counts, (values, unit_of), 1)
    upper_i, upper_j = np.triu_indices(n_categories)
    products, totals = [], []
    for size in np.unique(sizes):
        block = counts[:, sizes == size]
        product = (block @ block.T)[upper_i, upper_j]
        keep = product != 0
        products.append(
            np.column_stack(
                [np.full(keep.sum(), size), upper_i[keep], upper_j[keep], product[keep]]
            )
        )
        total = block.sum(axis=1)
        used = np.flatnonzero(total)
        totals.append(np.column_stack([np.full(len(used), size), used, total[used]]))
    tables = {
        f"{name}.products": _stack(products, f"{name}.products"),
        f"{name}.totals": _stack(totals, f"{name}.totals"),
        f"{name}.confusion": _confusion(
            name, values, n_categories, unit_of, len(sizes), who, n_reviewers
        ),
    }
    if with_units:
        pairable = counts[:, sizes >= 2].T
        unit, category = np.nonzero(pairable)
        tables[f"{name}.units"] = _stack(
            [np.column_stack([unit, category, pairable[unit, category]])],
            f"{name}.units",
        )
    return tables


def _confusion(
    name: str,
    values: np.ndarray,
    n_categories: int,
    unit_of: np.ndarray,
    n_units: int,
    who: np.ndarray,
    n_reviewers: int,
) -> np.ndarray:
    """Per reviewer pair (a < b), the units both coded: a's value x b's value."""
    coded = np.full((n_reviewers, n_units), -1, dtype=np.int64)
    coded[who, unit_of] = values
    confusion = []
    for a, b in combinations(range(n_reviewers), 2):
        both = (coded[a] >= 0) & (coded[b] >= 0)
        cells = np.bincount(
            coded[a, both] * n_categories + coded[b, both],
            minlength=n_categories * n_categories,
        )
        used = np.flatnonzero(cells)
        confusion.append(
            np.column_stack(
                [
                    np.full(len(used), a),
                    np.full(len(used), b),
                    used // max(n_categories, 1),
                    used % max(n_categories, 1),
                    cells[used],
                ]
            )
        )
    return _stack(confusion, f"{name}.confusion")


def _detection_tables(
    marks: Sequence[Mark],
    active: set[str],
    reviewer_of: Mapping[str, int],
    threshold: float,
) -> dict[str, np.ndarray]:
    """Per reviewer pair and mode: matched, count_a, count_b."""
    spans = [
        Span(id=m.id, reviewer=m.reviewer, start=m.start, end=m.end) for m in marks
    ]
    tables = {}
    for mode in MODES:
        rows = []
        if len(active) >= 2:
            report = pairwise_detection(
                spans, mode=mode, threshold=threshold, reviewers=active
            )
            rows = [
                [
                    reviewer_of[p.reviewer_a],
                    reviewer_of[p.reviewer_b],
                    p.matched,
                    p.count_a,
                    p.count_b,
                ]
                for p in report.pairs
            ]
        tables[f"detection.{mode}"] = _rows(rows, f"detection.{mode}")
    return tables


def _stack(blocks: list[np.ndarray], name: str) -> np.ndarray:
    width = len(ALL_TABLES[name])
    blocks = [block.reshape(-1, width) for block in blocks]
    if not blocks:
        return np.zeros((0, width), dtype=np.int64)
    return np.concatenate(blocks).astype(np.int64, copy=False)


def _unitizing_tables(
    marks: Sequence[Mark], length: int, reviewer_of: Mapping[str, int]
) -> dict[str, np.ndarray]:
    """The additive alpha_U terms of one article, per claim type.

    Each reviewer's spans of one claim type are merged first (alpha_U needs
    non-overlapping segments), as `agreement_payload` does for the whole scope.
    """
    by_label: dict[int, dict[int, list[Span]]] = defaultdict(lambda: defaultdict(list))
    for mark in marks:
        by_label[mark.claim_type][reviewer_of[mark.reviewer]].append(
            Span(id=mark.id, reviewer=mark.reviewer, start=mark.start, end=mark.end)
        )
    terms, lengths, gaps, ends = [], [], [], []
    for label in sorted(by_label):
        segments = {
            reviewer: merge_overlapping(spans)
            for reviewer, spans in sorted(by_label[label].items())
        }
        squares_of = {}
        for reviewer, own in segments.items():
            sizes = np.array([s.length for s in own], dtype=np.int64)
            squares_of[reviewer] = int((sizes**2).sum())
            lengths.extend([label, size] for size in sizes.tolist())
            gaps.extend(
                [label, after.start - before.end]
                for before, after in zip(own, own[1:], strict=False)
                if after.start > before.end
            )
            ends.append([reviewer, label, own[0].start, length - own[-1].end])
        interaction = 0
        for first, second in combinations(segments, 2):
            pair = segment_distance_sum(segments[first], segments[second])
            interaction += round(pair) - squares_of[first] - squares_of[second]
        sizes = np.array(
            [s.length for own in segments.values() for s in own], dtype=np.int64
        )
        terms.append(
            [
                label,
                sum(squares_of.values()),
                interaction,
                len(sizes),
                int(((2 * sizes**3 - 3 * sizes**2 + sizes) // 3).sum()),
                int((sizes * (sizes - 1)).sum()),
            ]
        )
    return {
        "unitizing.terms": _rows(terms, "unitizing.terms"),
        "unitizing.lengths": _rows(lengths, "unitizing.lengths"),
        "unitizing.gaps": _rows(gaps, "unitizing.gaps"),
        "unitizing.ends": _rows(ends, "unitizing.ends"),
    }
