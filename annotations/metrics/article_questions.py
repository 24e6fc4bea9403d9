"""Agreement on article-level questions: Likert, yes/no and multi-select answers.

Each question is answered once per article by each reviewer, so the data are
reviewers x articles (None = not answered), as for `krippendorff_alpha`.
Likert scales use the ordinal metric over the scale's points, yes/no and
single choices the nominal one. A multi-select answer is a set of options; two
sets are compared with a set distance (MASI by default, Jaccard on request)
inside Krippendorff's general alpha, 1 - D_o / D_e with

    D_o = 1/n  sum_u 1/(m_u - 1) sum_{i != j in u} d(v_i, v_j)
    D_e = 1/(n (n - 1)) sum_{i != j} d(v_i, v_j)          (all pairable values)

(Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability", section on
other metrics; Passonneau 2006, "Measuring agreement on set-valued items
(MASI) for semantic and pragmatic annotation", LREC).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any, Literal

import numpy as np

from annotations.metrics.agreement import krippendorff_alpha
from annotations.metrics.annotators import wilson_interval

QuestionKind = Literal["likert", "yes_no", "single", "multi"]
QUESTION_KINDS = ("likert", "yes_no", "single", "multi")
SetDistance = Callable[[frozenset, frozenset], float]


def jaccard_distance(a: Iterable[Hashable], b: Iterable[Hashable]) -> float:
    """1 - |a & b| / |a | b|; two empty answers ("none of these") agree."""
    first, second = frozenset(a), frozenset(b)
    union = first | second
    if not union:
        return 0.0
    return 1.0 - len(first & second) / len(union)


def masi_distance(a: Iterable[Hashable], b: Iterable[Hashable]) -> float:
    """1 - Jaccard x monotonicity (Passonneau 2006).

    Monotonicity is 1 for equal sets, 2/3 when one contains the other, 1/3
    when they overlap otherwise and 0 when disjoint, so a subset disagrees
    less than a crossing answer with the same Jaccard overlap.
    """
    first, second = frozenset(a), frozenset(b)
    if first == second:
        return 0.0
    if not first & second:
        return 1.0
    monotonicity = 2 / 3 if first <= second or second <= first else 1 / 3
    jaccard = len(first & second) / len(first | second)
    return 1.0 - jaccard * monotonicity


def alpha_with_distance(
    data: Sequence[Sequence[Any]], distance: Callable[[Any, Any], float]
) -> float | None:
    """Krippendorff's alpha of reviewers x units data under any distance.

    Values must be hashable (sets as frozensets); None is missing. Units with
    fewer than two values are not pairable and weigh nothing. Returns None
    when undefined (no pairable unit, or D_e = 0: no variation).
    """
    units = _units(data)
    pairable = [values for values in units if len(values) >= 2]
    n = sum(len(values) for values in pairable)
    if n <= 1:
        return None
    observed = 0.0
    for values in pairable:
        counts = Counter(values)
        within = sum(
            count_a * count_b * distance(a, b)
            for a, count_a in counts.items()
            for b, count_b in counts.items()
            if a != b
        )
        observed += within / (len(values) - 1)
    marginals = Counter(value for values in pairable for value in values)
    expected = sum(
        count_a * count_b * distance(a, b)
        for a, count_a in marginals.items()
        for b, count_b in marginals.items()
        if a != b
    )
    if expected <= 0:
        return None
    return 1.0 - (n - 1) * observed / expected


def _units(data: Sequence[Sequence[Any]]) -> list[list[Any]]:
    """Reviewers x units rows -> each unit's present values."""
    rows = [list(row) for row in data]
    width = max((len(row) for row in rows), default=0)
    if any(len(row) != width for row in rows):
        raise ValueError("every reviewer row must have one cell per unit")
    return [
        [row[unit] for row in rows if row[unit] is not None] for unit in range(width)
    ]


def question_alpha(
    kind: QuestionKind,
    data: Sequence[Sequence[Any]],
    *,
    scale: Sequence[Any] | None = None,
    set_distance: SetDistance = masi_distance,
) -> float | None:
    """Alpha for one article question, by its kind.

    ``likert``: ordinal over ``scale`` (its points, worst to best, in order);
    ``yes_no`` and ``single``: nominal; ``multi``: answers are collections of
    option codes, compared by ``set_distance`` (MASI unless given Jaccard).
    """
    if kind not in QUESTION_KINDS:
        raise ValueError(f"unknown question kind {kind!r}")
    if kind == "likert":
        if not scale:
            raise ValueError("a Likert question needs its scale")
        return krippendorff_alpha(data, "ordinal", value_domain=list(scale))
    if kind in ("yes_no", "single"):
        return krippendorff_alpha(data, "nominal")
    sets = [
        [None if answer is None else frozenset(answer) for answer in row]
        for row in data
    ]
    return alpha_with_distance(sets, set_distance)


def answers_agree(kind: str, values: Sequence[Any]) -> bool:
    """Whether answers are all the same (multi-select: the same set of options)."""
    if kind == "multi":
        return len({frozenset(value) for value in values}) <= 1
    return len({repr(value) for value in values}) <= 1


def bootstrap_set_alpha_ci(
    data: Sequence[Sequence[Any]],
    distance: Callable[[Any, Any], float] = masi_distance,
    *,
    draws: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> tuple[float, float] | None:
    """Percentile bootstrap interval of `alpha_with_distance`, resampling units.

    Each pairable unit is summarised once (its value counts and its observed
    disagreement), so a draw is a weighted sum: with C the units x values
    counts, o the units' observed disagreement and w a draw's multiplicities,
    alpha = 1 - (w.m - 1) (w.o) / ((wC) D (wC)). Draws where alpha is
    undefined are skipped; None when alpha itself is undefined.
    """
    if draws < 1 or not 0 < confidence < 1:
        raise ValueError("need draws >= 1 and 0 < confidence < 1")
    if alpha_with_distance(data, distance) is None:
        return None
    pairable = [values for values in _units(data) if len(values) >= 2]
    distinct = sorted({v for values in pairable for v in values}, key=repr)
    index = {value: i for i, value in enumerate(distinct)}
    delta = np.array([[distance(a, b) for b in distinct] for a in distinct])
    counts = np.zeros((len(pairable), len(distinct)))
    for row, values in enumerate(pairable):
        for value in values:
            counts[row, index[value]] += 1
    sizes = counts.sum(axis=1)
    observed = np.einsum("uv,vw,uw->u", counts, delta, counts) / (sizes - 1)
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(pairable), size=(draws, len(pairable)))
    weights = np.zeros((draws, len(pairable)))
    np.add.at(weights, (np.arange(draws)[:, None], picks), 1)
    marginals = weights @ counts
    expected = np.einsum("dv,vw,dw->d", marginals, delta, marginals)
    total = weights @ sizes
    defined = expected > 0
    alphas = (
        1 - (total[defined] - 1) * (weights @ observed)[defined] / (expected[defined])
    )
    if not len(alphas):
        return None
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(alphas, [tail, 100 - tail])
    return float(low), float(high)


def option_shares(
    kind: str, options: Sequence[str], answers: Sequence[Any], confidence: float = 0.95
) -> dict[str, Any]:
    """Share of answers choosing each option, with a Wilson score interval.

    ``answers`` has one resolved answer per article (an option code, a
    collection of codes for ``multi``, a boolean for ``boolean``, mapped to
    yes/no). For ``multi`` a share is of the articles whose set contains the
    option, so shares need not sum to one. ``n`` is the number of answers.
    """
    n = len(answers)
    shares = {}
    for option in options:
        if kind == "multi":
            count = sum(option in answer for answer in answers)
        elif kind == "boolean":
            count = sum((answer is True) == (option == "yes") for answer in answers)
        else:
            count = sum(answer == option for answer in answers)
        low, high = wilson_interval(count, n, confidence)
        shares[option] = {
            "count": count,
            "share": count / n if n else None,
            "ci_low": low,
            "ci_high": high,
        }
    return {"n": n, "options": shares}
