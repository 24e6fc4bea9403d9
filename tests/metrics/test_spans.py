"""Span alignment, detection scores, matching and unitizing alpha."""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from annotations.metrics.matching import max_weight_matching
from annotations.metrics.spans import (
    Span,
    _observed_sum,
    align_spans,
    jaccard,
    overlaps,
    pairwise_detection,
    unitizing_alpha,
    unitizing_alphas,
)


def _members(units):
    return [tuple(span.id for span in unit.spans) for unit in units]


def _random_spans(seed: int, reviewers: int = 4, per_reviewer: int = 12):
    rng = random.Random(seed)
    spans = []
    for r in range(reviewers):
        for k in range(per_reviewer):
            start = rng.randrange(0, 400)
            spans.append(
                Span(f"{r}-{k}", f"rev{r}", start, start + rng.randrange(1, 40))
            )
    return spans


class TestSpanBasics:
    def test_overlap_and_jaccard(self):
        a, b = Span(1, "ann", 0, 10), Span(2, "bob", 5, 15)
        assert overlaps(a, b) and overlaps(b, a)
        assert jaccard(a, b) == pytest.approx(5 / 15)
        touching = Span(3, "bob", 10, 12)
        assert not overlaps(a, touching)
        assert jaccard(a, touching) == 0.0

    def test_invalid_offsets_are_rejected(self):
        with pytest.raises(ValueError):
            Span(1, "ann", 5, 5)
        with pytest.raises(ValueError):
            Span(1, "ann", -1, 5)


class TestAlignSpans:
    def test_optimal_not_greedy(self):
        """Greedy by best Jaccard first pairs b1-a1 (0.9) and strands b2, whose
        only partner is a1.  The optimal assignment b1-a2 (8/11) + b2-a1 (0.7)
        aligns both."""
        a1, a2 = Span("a1", "ann", 0, 10), Span("a2", "ann", 2, 12)
        b1, b2 = Span("b1", "bob", 1, 10), Span("b2", "bob", 0, 7)
        assert jaccard(b1, a1) == pytest.approx(0.9)
        assert jaccard(b1, a2) == pytest.approx(8 / 11)
        assert jaccard(b2, a1) == pytest.approx(0.7)
        assert jaccard(b2, a2) < 0.5
        units = align_spans([a1, a2, b1, b2])
        assert _members(units) == [("a1", "b2"), ("a2", "b1")]
        assert units[0].start == 0 and units[0].end == 10
        assert units[0].key == "a1,b2"
        report = pairwise_detection([a1, a2, b1, b2])
        assert report.pairs[0].matched == 2

    def test_threshold_boundary_is_inclusive(self):
        """[0, 10) vs [0, 5): intersection 5, union 10, Jaccard exactly 0.5."""
        spans = [Span(1, "ann", 0, 10), Span(2, "bob", 0, 5)]
        assert _members(align_spans(spans, threshold=0.5)) == [(1, 2)]
        assert _members(align_spans(spans, threshold=0.51)) == [(2,), (1,)]

    def test_exact_mode_needs_identical_offsets(self):
        spans = [
            Span(1, "ann", 0, 10),
            Span(2, "bob", 0, 10),
            Span(3, "ann", 20, 30),
            Span(4, "bob", 20, 29),
        ]
        assert _members(align_spans(spans, mode="exact")) == [(1, 2), (4,), (3,)]
        assert _members(align_spans(spans)) == [(1, 2), (3, 4)]

    def test_new_span_must_fit_every_member(self):
        """cid overlaps bob's span well enough but not ann's, so it stays alone."""
        spans = [
            Span("a", "ann", 0, 10),
            Span("b", "bob", 3, 13),  # J(a, b) = 7/13
            Span("c", "cid", 6, 16),  # J(b, c) = 7/13, J(a, c) = 4/16
        ]
        assert _members(align_spans(spans)) == [("a", "b"), ("c",)]

    def test_prefers_the_unit_with_more_agreement(self):
        """cid's span fits {a1, b1} and {a2} equally well per member (9/11);
        joining the two-member unit adds more within-unit Jaccard (18/11)."""
        spans = [
            Span("a1", "ann", 0, 10),
            Span("a2", "ann", 2, 12),
            Span("b1", "bob", 0, 10),
            Span("c1", "cid", 1, 11),
        ]
        assert _members(align_spans(spans)) == [("a1", "b1", "c1"), ("a2",)]

    def test_unmatched_spans_become_single_units_sorted(self):
        spans = [Span(5, "ann", 50, 60), Span(6, "bob", 0, 3), Span(7, "ann", 0, 2)]
        units = align_spans(spans)
        assert [(u.start, u.end) for u in units] == [(0, 3), (50, 60)]
        assert _members(units) == [(7, 6), (5,)]

    @pytest.mark.parametrize("seed", range(6))
    def test_deterministic_under_input_shuffling(self, seed):
        spans = _random_spans(seed)
        expected = align_spans(spans)
        rng = random.Random(seed)
        for _ in range(10):
            shuffled = spans[:]
            rng.shuffle(shuffled)
            assert align_spans(shuffled) == expected

    @pytest.mark.parametrize("seed", range(6))
    def test_units_partition_spans_with_one_span_per_reviewer(self, seed):
        spans = _random_spans(seed)
        units = align_spans(spans, threshold=0.3)
        members = [span for unit in units for span in unit.spans]
        assert sorted(s.id for s in members) == sorted(s.id for s in spans)
        for unit in units:
            assert len(set(unit.reviewers)) == len(unit.spans)
            for a, b in itertools.combinations(unit.spans, 2):
                assert jaccard(a, b) >= 0.3
        keys = [(u.start, u.end, u.key) for u in units]
        assert keys == sorted(keys)

    def test_two_reviewers_match_the_brute_force_optimum(self):
        spans = _random_spans(3, reviewers=2, per_reviewer=7)
        ann = [s for s in spans if s.reviewer == "rev0"]
        bob = [s for s in spans if s.reviewer == "rev1"]
        best = 0.0
        for perm in itertools.permutations(range(len(bob))):
            total = sum(
                jaccard(a, bob[j])
                for a, j in zip(ann, perm, strict=True)
                if jaccard(a, bob[j]) >= 0.3
            )
            best = max(best, total)
        units = align_spans(spans, threshold=0.3)
        found = sum(jaccard(*u.spans) for u in units if len(u.spans) == 2)
        assert found == pytest.approx(best)

    def test_duplicate_ids_and_bad_arguments_are_rejected(self):
        with pytest.raises(ValueError):
            align_spans([Span(1, "ann", 0, 5), Span(1, "bob", 0, 5)])
        with pytest.raises(ValueError):
            align_spans([], threshold=0)
        with pytest.raises(ValueError):
            align_spans([], mode="fuzzy")

    def test_empty_input(self):
        assert align_spans([]) == []


class TestMaxWeightMatching:
    @pytest.mark.parametrize("seed", range(20))
    def test_matches_brute_force(self, seed):
        rng = np.random.default_rng(seed)
        rows, cols = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        weights = np.where(
            rng.random((rows, cols)) < 0.5, rng.random((rows, cols)) + 0.01, 0.0
        )
        pairs = max_weight_matching(weights)
        assert len({i for i, _ in pairs}) == len(pairs)
        assert len({j for _, j in pairs}) == len(pairs)
        assert all(weights[i, j] > 0 for i, j in pairs)
        small, large = sorted((rows, cols))
        best = 0.0
        for perm in itertools.permutations(range(large), small):
            cells = zip(range(small), perm, strict=True)
            if rows > cols:
                cells = ((i, j) for j, i in cells)
            best = max(best, sum(weights[i, j] for i, j in cells))
        assert sum(weights[i, j] for i, j in pairs) == pytest.approx(best)

    @pytest.mark.parametrize("seed", range(40))
    def test_ties_take_the_lexicographically_smallest_best_matching(self, seed):
        """Small integer weights tie often; of the best matchings, the one whose
        sorted pair list is smallest wins (lowest indices first)."""
        rng = np.random.default_rng(seed)
        rows, cols = int(rng.integers(1, 6)), int(rng.integers(1, 6))
        weights = rng.integers(0, 3, size=(rows, cols)).astype(float)
        small, large = sorted((rows, cols))
        best_total, candidates = -1.0, []
        for perm in itertools.permutations(range(large), small):
            cells = zip(range(small), perm, strict=True)
            if rows > cols:
                cells = ((i, j) for j, i in cells)
            pairs = sorted((i, j) for i, j in cells if weights[i, j] > 0)
            total = sum(weights[i, j] for i, j in pairs)
            if total > best_total:
                best_total, candidates = total, []
            if total == best_total:
                candidates.append(pairs)
        assert max_weight_matching(weights) == min(candidates)

    def test_tie_break_examples(self):
        assert max_weight_matching(np.ones((2, 2))) == [(0, 0), (1, 1)]
        assert max_weight_matching(np.ones((1, 3))) == [(0, 0)]
        assert max_weight_matching(np.ones((3, 1))) == [(0, 0)]
        # One pair of weight 2 ties two pairs of 1 each: row 0 takes column 0.
        assert max_weight_matching(np.array([[1.0, 2.0], [0.0, 1.0]])) == [
            (0, 0),
            (1, 1),
        ]

    def test_totals_equal_up_to_rounding_are_a_tie(self):
        """0.1 + 0.2 is one ulp above 0.3: the anti-diagonal is "better" only by
        rounding, so the diagonal (lower indices) wins either way round."""
        a, b = 0.1 + 0.2, 0.3
        assert max_weight_matching(np.array([[a, b], [b, a]])) == [(0, 0), (1, 1)]
        assert max_weight_matching(np.array([[b, a], [a, b]])) == [(0, 0), (1, 1)]

    def test_identical_spans_join_the_first_in_canonical_order(self):
        spans = [Span(2, "ann", 0, 10), Span(1, "ann", 0, 10), Span(3, "bob", 0, 10)]
        assert _members(align_spans(spans)) == [(1, 3), (2,)]


class TestPairwiseDetection:
    def test_hand_worked_pair(self):
        """ann marks 3 spans, bob 2, both of bob's match: precision 2/2,
        recall 2/3, F1 = 2*2 / (3 + 2) = 0.8."""
        spans = [
            Span(1, "ann", 0, 10),
            Span(2, "ann", 20, 30),
            Span(3, "ann", 40, 50),
            Span(4, "bob", 1, 10),
            Span(5, "bob", 20, 31),
        ]
        report = pairwise_detection(spans)
        (pair,) = report.pairs
        assert (pair.reviewer_a, pair.reviewer_b) == ("ann", "bob")
        assert (pair.matched, pair.count_a, pair.count_b) == (2, 3, 2)
        assert pair.precision == 1.0
        assert pair.recall == pytest.approx(2 / 3)
        assert pair.f1 == pytest.approx(0.8)
        assert report.micro_f1 == pytest.approx(0.8)
        assert report.macro_f1 == pytest.approx(0.8)

    def test_micro_and_macro_over_three_reviewers(self):
        """Pairs: ann-bob 1 of (1, 1); ann-cid 0 of (1, 2); bob-cid 0 of (1, 2).
        Micro: P = 1/5, R = 1/3, F1 = 2/8.  Macro F1 = (1 + 0 + 0) / 3."""
        spans = [
            Span(1, "ann", 0, 10),
            Span(2, "bob", 0, 10),
            Span(3, "cid", 50, 60),
            Span(4, "cid", 70, 80),
        ]
        report = pairwise_detection(spans)
        assert [p.f1 for p in report.pairs] == [1.0, 0.0, 0.0]
        assert report.micro_precision == pytest.approx(1 / 5)
        assert report.micro_recall == pytest.approx(1 / 3)
        assert report.micro_f1 == pytest.approx(2 / 8)
        assert report.macro_f1 == pytest.approx(1 / 3)

    def test_matching_counts_matches_not_overlap_weight(self):
        """With a low threshold one long overlap must not beat two matches."""
        spans = [
            Span(1, "ann", 0, 100),
            Span(2, "ann", 100, 110),
            Span(3, "bob", 0, 100),
            Span(4, "bob", 95, 110),
        ]
        report = pairwise_detection(spans, threshold=0.05)
        assert report.pairs[0].matched == 2

    def test_undefined_scores_are_none(self):
        report = pairwise_detection([], reviewers=["ann", "bob"])
        (pair,) = report.pairs
        assert (pair.precision, pair.recall, pair.f1) == (None, None, None)
        assert report.micro_f1 is None and report.macro_f1 is None
        one_sided = pairwise_detection([Span(1, "ann", 0, 4)], reviewers=["bob"])
        (pair,) = one_sided.pairs
        assert pair.precision is None and pair.recall == 0.0 and pair.f1 == 0.0
        assert pairwise_detection([Span(1, "ann", 0, 4)]).pairs == ()


def _study(rows, shift=0, stretch=1.0):
    """DKPro-style (offset, length, rater, category) rows as spans by reviewer."""
    by_reviewer: dict[str, list[Span]] = {}
    for number, (offset, length, rater, category) in enumerate(rows):
        start = int(offset * stretch) - shift
        span = Span(number, str(rater), start, start + int(length * stretch), category)
        by_reviewer.setdefault(str(rater), []).append(span)
    return by_reviewer


# Krippendorff (2004: 254), continuum [150, 450), as in DKPro's Krippendorff2004Test.
KRIPPENDORFF_2004 = [
    (225, 70, 0, "c"), (370, 30, 0, "c"), (220, 80, 1, "c"), (355, 20, 1, "c"),
    (400, 20, 1, "c"), (180, 60, 0, "k"), (300, 50, 0, "k"), (180, 60, 1, "k"),
    (300, 50, 1, "k"),
]  # fmt: skip

# Krippendorff (1995: 57), 24 positions, 2 raters, categories A-D.
KRIPPENDORFF_1995 = [
    (2, 8, 0, "A"), (14, 6, 0, "A"), (4, 4, 1, "A"), (15, 2, 1, "A"),
    (0, 18, 0, "B"), (0, 2, 1, "B"), (2, 1, 1, "B"), (3, 1, 1, "B"), (4, 1, 1, "B"),
    (5, 1, 1, "B"), (6, 3, 1, "B"), (9, 1, 1, "B"),
    (2, 6, 0, "C"), (10, 2, 0, "C"), (14, 4, 0, "C"), (20, 2, 0, "C"),
    (0, 2, 1, "C"), (4, 4, 1, "C"), (10, 4, 1, "C"), (16, 2, 1, "C"), (20, 2, 1, "C"),
    (0, 2, 0, "D"), (2, 8, 0, "D"), (10, 4, 0, "D"), (14, 6, 0, "D"), (20, 4, 0, "D"),
    (0, 4, 1, "D"), (4, 4, 1, "D"), (8, 7, 1, "D"), (15, 2, 1, "D"), (17, 7, 1, "D"),
]  # fmt: skip


class TestUnitizingAlpha:
    def test_krippendorff_2004_example(self):
        """Krippendorff (2004) Content Analysis, 2nd ed., p. 254 example; DKPro
        Agreement's Krippendorff2004Test asserts alpha_U = .8591 (+- .0005),
        category c .7286 and category k 1.0."""
        study = _study(KRIPPENDORFF_2004, shift=150)
        assert unitizing_alpha(300, study) == pytest.approx(0.8591, abs=5e-4)
        assert unitizing_alpha(300, study, "c") == pytest.approx(0.7286, abs=1e-4)
        assert unitizing_alpha(300, study, "k") == pytest.approx(1.0)

    def test_krippendorff_1995_example(self):
        """Krippendorff (1995) "On the reliability of unitizing continuous data",
        p. 57, stretched x50000 as in DKPro's Krippendorff1995Test, which asserts
        A .553, B -.926, C .679, D .066 (+- .02; the paper's D_e has a small
        error, per DKPro's comment)."""
        study = _study(KRIPPENDORFF_1995, stretch=50_000)
        expected = {"A": 0.553, "B": -0.926, "C": 0.679, "D": 0.066}
        for category, value in expected.items():
            assert unitizing_alpha(1_200_000, study, category) == pytest.approx(
                value, abs=0.02
            )

    def test_krippendorff_1995_category_c_at_half_scale(self):
        """DKPro asserts D_o = .02777 and D_e = .05494 (+- 1e-5) for category C
        at stretch 0.5, hence alpha = 1 - .02777 / .05494 = .4944."""
        rows = [row for row in KRIPPENDORFF_1995 if row[3] == "C"]
        alpha = unitizing_alpha(12, _study(rows, stretch=0.5), "C")
        assert alpha == pytest.approx(1 - (1 / 36) / 0.0549382716, abs=1e-6)

    def test_small_dkpro_example(self):
        """DKPro UnitizingAgreementTest: r0 -11111111-, r1 --1-1-1---;
        D_o = .9100, D_e = .5351, alpha = -.7003."""
        study = _study([(1, 8, 0, "A"), (2, 1, 1, "A"), (4, 1, 1, "A"), (6, 1, 1, "A")])
        assert unitizing_alpha(10, study) == pytest.approx(-0.7003, abs=1e-4)

    def test_single_unit_and_empty_study(self):
        """DKPro: one unit among three raters gives 0; no units is undefined."""
        study = {"0": [Span(1, "0", 0, 1, "X")], "1": [], "2": []}
        assert unitizing_alpha(20, study) == pytest.approx(0.0, abs=1e-12)
        assert unitizing_alpha(20, {"0": [], "1": [], "2": []}) is None
        assert unitizing_alpha(20, study, "Y") is None

    def test_identical_unitizing_is_one_and_one_reviewer_is_none(self):
        ann = [Span(1, "ann", 3, 9, "q"), Span(2, "ann", 12, 15, "q")]
        bob = [Span(3, "bob", 3, 9, "q"), Span(4, "bob", 12, 15, "q")]
        assert unitizing_alpha(20, {"ann": ann, "bob": bob}) == pytest.approx(1.0)
        assert unitizing_alpha(20, {"ann": ann}) is None

    def test_unlabelled_spans_form_one_category(self):
        ann = [Span(1, "ann", 3, 9), Span(2, "ann", 12, 15)]
        bob = [Span(3, "bob", 3, 8), Span(4, "bob", 12, 15)]
        alpha = unitizing_alpha(20, {"ann": ann, "bob": bob})
        assert alpha is not None and 0 < alpha < 1

    def test_one_pass_gives_the_same_alphas_as_one_call_per_category(self):
        study = _study(KRIPPENDORFF_2004, shift=150)
        overall, per_label = unitizing_alphas(300, study)
        assert overall == pytest.approx(0.8591, abs=5e-4)
        assert per_label == {
            "c": pytest.approx(unitizing_alpha(300, study, "c")),
            "k": pytest.approx(1.0),
        }
        assert unitizing_alphas(300, {"ann": []}) == (None, {})

    @pytest.mark.parametrize("seed", range(30))
    def test_observed_distances_match_the_definition_pair_by_pair(self, seed):
        """The sweep over sorted segments sums what Krippendorff (1995) defines:
        (Δstart² + Δend²) for each intersecting pair of units, length² for a
        unit that meets no unit of the other reviewer, checked here against
        every pair of a random study."""
        rng = random.Random(seed)

        def reviewer(name):
            spans, position = [], rng.randrange(0, 4)
            while position < 150:
                length = rng.randrange(1, 12)
                spans.append(Span(len(spans), name, position, position + length))
                position += length + rng.randrange(0, 10)
            return spans

        first, second = reviewer("ann"), reviewer("bob")
        expected = 0.0
        for a in first:
            met = [b for b in second if a.start < b.end and b.start < a.end]
            expected += sum(
                (a.start - b.start) ** 2 + (a.end - b.end) ** 2 for b in met
            )
            expected += 0 if met else (a.end - a.start) ** 2
        for b in second:
            if not any(a.start < b.end and b.start < a.end for a in first):
                expected += (b.end - b.start) ** 2
        assert _observed_sum(first, second) == expected
        assert _observed_sum(first, []) == sum((a.end - a.start) ** 2 for a in first)

    def test_invalid_input(self):
        overlapping = {
            "ann": [Span(1, "ann", 0, 5, "q"), Span(2, "ann", 4, 8, "q")],
            "bob": [],
        }
        with pytest.raises(ValueError):
            unitizing_alpha(10, overlapping)
        with pytest.raises(ValueError):
            unitizing_alpha(5, {"ann": [Span(1, "ann", 0, 6)], "bob": []})
