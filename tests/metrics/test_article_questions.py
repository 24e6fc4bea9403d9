"""Agreement on article questions: set distances and alpha, worked by hand."""

from fractions import Fraction

import pytest

from annotations.metrics.agreement import krippendorff_alpha
from annotations.metrics.article_questions import (
    alpha_with_distance,
    jaccard_distance,
    masi_distance,
    question_alpha,
)

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability": 4 coders,
# 12 units, None = missing. Published: nominal 0.743, ordinal 0.815,
# interval 0.849.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]
# Source types, two reviewers, three articles: equal; a subset; disjoint.
SOURCE_TYPES = [
    [{"official"}, {"official", "expert"}, {"expert"}],
    [{"official"}, {"official"}, {"witness"}],
]


def test_set_distances():
    assert jaccard_distance({"a"}, {"a"}) == 0
    assert jaccard_distance(set(), set()) == 0
    assert jaccard_distance({"a", "b"}, {"a"}) == pytest.approx(1 / 2)
    assert jaccard_distance({"a"}, {"b"}) == 1
    assert masi_distance({"a", "b"}, {"a"}) == pytest.approx(1 - 1 / 2 * 2 / 3)
    # Crossing sets: Jaccard 1/3, monotonicity 1/3.
    assert masi_distance({"a", "b"}, {"b", "c"}) == pytest.approx(1 - 1 / 9)
    assert masi_distance({"a"}, {"b"}) == 1
    assert masi_distance(set(), set()) == 0


def test_multi_select_alpha_with_masi_worked_by_hand():
    # n = 6 values. Within units: 0, MASI({o,e},{o}) = 2/3, 1, each counted
    # twice (ordered pairs) over m_u - 1 = 1: D_o = (4/3 + 2) / 6 = 5/9.
    # All pairs (unordered) over the values {o} x3, {o,e}, {e}, {w}:
    #   {o}-{o,e} 3 x 2/3, {o}-{e} 3 x 1, {o}-{w} 3 x 1, {o,e}-{e} 2/3,
    #   {o,e}-{w} 1, {e}-{w} 1  -> 32/3; ordered 64/3; D_e = (64/3) / 30 = 32/45.
    # alpha = 1 - (5/9) / (32/45) = 7/32.
    expected = 1 - Fraction(5, 9) / Fraction(32, 45)
    assert expected == Fraction(7, 32)
    assert question_alpha("multi", SOURCE_TYPES) == pytest.approx(float(expected))


def test_multi_select_alpha_with_jaccard_worked_by_hand():
    # D_o = (2 x 1/2 + 2 x 1) / 6 = 1/2 ; unordered pairs sum to 10, so
    # D_e = 20 / 30 = 2/3 ; alpha = 1 - (1/2) / (2/3) = 1/4.
    alpha = question_alpha("multi", SOURCE_TYPES, set_distance=jaccard_distance)
    assert alpha == pytest.approx(0.25)


def test_general_alpha_reproduces_the_published_nominal_and_interval_values():
    def nominal(a, b):
        return float(a != b)

    def interval(a, b):
        return float((a - b) ** 2)

    assert alpha_with_distance(KRIPPENDORFF_2011, nominal) == pytest.approx(
        krippendorff_alpha(KRIPPENDORFF_2011, "nominal")
    )
    assert round(alpha_with_distance(KRIPPENDORFF_2011, nominal), 3) == 0.743
    assert round(alpha_with_distance(KRIPPENDORFF_2011, interval), 3) == 0.849


def test_likert_is_ordinal_over_the_scale():
    alpha = question_alpha("likert", KRIPPENDORFF_2011, scale=[1, 2, 3, 4, 5])
    assert round(alpha, 3) == 0.815
    with pytest.raises(ValueError):
        question_alpha("likert", KRIPPENDORFF_2011)


def test_yes_no_is_nominal_worked_by_hand():
    # o_yy = 4, o_nn = 2, o_yn = o_ny = 1; n_y = 5, n_n = 3, n = 8:
    # D_o = 2/8, D_e = 2 x 5 x 3 / (8 x 7) = 30/56, alpha = 1 - 14/30 = 8/15.
    data = [["yes", "no", "yes", "yes"], ["yes", "no", "no", "yes"]]
    assert question_alpha("yes_no", data) == pytest.approx(8 / 15)


def test_undefined_alpha_is_none():
    assert question_alpha("multi", [[{"a"}, {"a"}], [{"a"}, {"a"}]]) is None
    assert question_alpha("multi", [[{"a"}, {"b"}]]) is None  # one reviewer
    assert question_alpha("multi", [[{"a"}, None], [None, {"b"}]]) is None
    with pytest.raises(ValueError):
        question_alpha("stars", [[1]])
    with pytest.raises(ValueError):
        alpha_with_distance([[1, 2], [1]], lambda a, b: 0.0)
