"""Agreement coefficients checked by hand, against the literature and libraries."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa as statsmodels_fleiss

from annotations.metrics.agreement import (
    LEVELS,
    bootstrap_alpha_ci,
    coded_pair_agreement,
    cohen_kappa,
    confusion_matrix,
    fleiss_kappa,
    krippendorff_alpha,
    pairwise_cohen_matrix,
    percent_agreement,
    unit_status,
)

NAN = math.nan

# Krippendorff (2011) "Computing Krippendorff's Alpha-Reliability", section C:
# 4 observers x 12 units, values 1..5, with missing data.
KRIPPENDORFF_2011 = [
    [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
]

# Fleiss (1971: 379) as transcribed in DKPro Agreement's Fleiss1971Test:
# 30 subjects, 6 ratings each, categories 1..5.
FLEISS_1971 = [
    (4, 4, 4, 4, 4, 4), (2, 2, 2, 5, 5, 5), (2, 3, 3, 3, 3, 5), (5, 5, 5, 5, 5, 5),
    (2, 2, 2, 4, 4, 4), (1, 1, 3, 3, 3, 3), (3, 3, 3, 3, 5, 5), (1, 1, 3, 3, 3, 4),
    (1, 1, 4, 4, 4, 4), (5, 5, 5, 5, 5, 5), (1, 4, 4, 4, 4, 4), (1, 2, 4, 4, 4, 4),
    (2, 2, 2, 3, 3, 3), (1, 4, 4, 4, 4, 4), (2, 2, 4, 4, 4, 5), (3, 3, 3, 3, 3, 5),
    (1, 1, 1, 4, 5, 5), (1, 1, 1, 1, 1, 2), (2, 2, 4, 4, 4, 4), (1, 3, 3, 5, 5, 5),
    (5, 5, 5, 5, 5, 5), (2, 4, 4, 4, 4, 4), (2, 2, 4, 5, 5, 5), (1, 1, 4, 4, 4, 4),
    (1, 4, 4, 4, 4, 5), (2, 2, 2, 2, 2, 4), (1, 1, 1, 1, 5, 5), (2, 2, 4, 4, 4, 4),
    (1, 3, 3, 3, 3, 3), (5, 5, 5, 5, 5, 5),
]  # fmt: skip


def _random_reliability_data(seed: int, values: int = 5) -> np.ndarray:
    rng = np.random.default_rng(seed)
    reviewers, units = rng.integers(2, 7), rng.integers(5, 60)
    truth = rng.integers(1, values + 1, size=units)
    noise = rng.integers(1, values + 1, size=(reviewers, units))
    data = np.where(rng.random((reviewers, units)) < 0.6, truth, noise).astype(float)
    data[rng.random(data.shape) < 0.25] = NAN
    return data


class TestKrippendorffAlpha:
    def test_published_example_all_levels(self):
        """Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability"
        reports for its 4 x 12 example: nominal .743, ordinal .815, interval .849,
        ratio .797 (the ordinal, ratio and nominal figures are also in the
        `krippendorff` package's doctests)."""
        expected = {
            "nominal": 0.743,
            "ordinal": 0.815,
            "interval": 0.849,
            "ratio": 0.797,
        }
        for level, value in expected.items():
            assert krippendorff_alpha(KRIPPENDORFF_2011, level) == pytest.approx(
                value, abs=5e-4
            )

    def test_hand_worked_nominal(self):
        """Two reviewers, units (a,a) (a,b) (b,b) (b,b).

        Coincidences o = [[2, 1], [1, 4]], n_a = 3, n_b = 5, n = 8:
        alpha = 1 - (n - 1) * (o_ab + o_ba) / (2 n_a n_b) = 1 - 14/30 = 8/15.
        """
        data = [["a", "a", "b", "b"], ["a", "b", "b", "b"]]
        assert krippendorff_alpha(data, "nominal") == pytest.approx(8 / 15)

    def test_units_with_one_value_are_not_pairable(self):
        """Adding units coded by a single reviewer leaves alpha unchanged."""
        data = [["a", "a", "b", "b", "a", None], ["a", "b", "b", "b", None, "b"]]
        assert krippendorff_alpha(data, "nominal") == pytest.approx(8 / 15)

    def test_total_agreement_is_one(self):
        data = [[1, 2, 3, None], [1, 2, 3, 3], [1, None, 3, 3]]
        for level in LEVELS:
            assert krippendorff_alpha(data, level) == pytest.approx(1.0)

    def test_undefined_cases_return_none(self):
        single_reviewer = [[1, 2, 3, 4]]
        no_variation = [[2, 2, 2], [2, 2, None]]
        no_pairable_unit = [[1, None], [None, 2]]
        for level in LEVELS:
            assert krippendorff_alpha(single_reviewer, level) is None
            assert krippendorff_alpha(no_variation, level) is None
            assert krippendorff_alpha(no_pairable_unit, level) is None
        assert krippendorff_alpha([[None, None], [None, None]]) is None

    def test_ordinal_rewards_near_misses_and_punishes_far_ones(self):
        """Disagreements between neighbouring ranks cost less under the ordinal
        metric than under the nominal one; disagreements between the extreme
        ranks cost more."""
        near = [[1, 2, 3, 1, 2, 3, 1, 3], [1, 2, 3, 2, 3, 2, 1, 3]]
        far = [[1, 2, 3, 1, 2, 3, 1, 3], [1, 2, 3, 3, 2, 1, 1, 3]]
        assert krippendorff_alpha(near, "ordinal") > krippendorff_alpha(near)
        assert krippendorff_alpha(far, "ordinal") < krippendorff_alpha(far)

    def test_value_domain_orders_ordinal_labels(self):
        """Krippendorff (2011) example recoded as words: ordinal .815 needs the
        domain order; a shuffled order changes ordinal but not nominal alpha."""
        words = ["very low", "low", "mid", "high", "very high"]
        data = [
            [None if v is None else words[v - 1] for v in row]
            for row in KRIPPENDORFF_2011
        ]
        assert krippendorff_alpha(data, "ordinal", value_domain=words) == pytest.approx(
            krippendorff_alpha(KRIPPENDORFF_2011, "ordinal")
        )
        shuffled = ["mid", "very low", "very high", "low", "high"]
        assert krippendorff_alpha(data, "ordinal", value_domain=shuffled) != (
            pytest.approx(krippendorff_alpha(data, "ordinal", value_domain=words))
        )
        assert krippendorff_alpha(data, value_domain=shuffled) == pytest.approx(
            0.743, abs=5e-4
        )
        with pytest.raises(ValueError):
            krippendorff_alpha(data, "ordinal")
        with pytest.raises(ValueError):
            krippendorff_alpha(data, "interval")
        with pytest.raises(ValueError):
            krippendorff_alpha(data, "nominal", value_domain=words[:2])

    @pytest.mark.parametrize("seed", range(12))
    @pytest.mark.parametrize("level", LEVELS)
    def test_matches_krippendorff_package_on_random_data(self, seed, level):
        data = _random_reliability_data(seed)
        expected = krippendorff.alpha(data, level_of_measurement=level)
        ours = krippendorff_alpha(data, level)
        assert ours is not None
        assert abs(ours - expected) < 1e-9

    @pytest.mark.parametrize("seed", range(4))
    def test_matches_package_with_value_domain_and_lists(self, seed):
        data = _random_reliability_data(seed, values=4)
        domain = [4, 2, 3, 1, 0]  # unusual order, one value never used
        as_lists = [[None if math.isnan(v) else int(v) for v in row] for row in data]
        expected = krippendorff.alpha(
            data, level_of_measurement="ordinal", value_domain=domain
        )
        assert krippendorff_alpha(as_lists, "ordinal", value_domain=domain) == (
            pytest.approx(expected, abs=1e-9)
        )

    def test_matches_package_on_string_labels(self):
        rng = np.random.default_rng(7)
        labels = np.array(["claim", "opinion", "fact", "quote"])
        data = labels[rng.integers(0, 4, size=(4, 30))].astype(object)
        data[rng.random(data.shape) < 0.2] = None
        as_strings = np.where(data == None, "nan", data).astype(str)  # noqa: E711
        expected = krippendorff.alpha(as_strings, level_of_measurement="nominal")
        assert krippendorff_alpha(data.tolist()) == pytest.approx(expected, abs=1e-9)

    def test_sparse_integer_codes_and_floats_take_the_sorting_path(self):
        data = np.array([[0.5, 1e9, 3.0, NAN], [0.5, 1e9, 2.0, 7.25]])
        for level in LEVELS:
            expected = krippendorff.alpha(data, level_of_measurement=level)
            assert krippendorff_alpha(data, level) == pytest.approx(expected, abs=1e-9)


class TestValueCounting:
    """The bit-packed fast path for small integers and its general fallback."""

    @staticmethod
    def _assert_matches_package(data, value_domain=None):
        for level in LEVELS:
            expected = krippendorff.alpha(
                data, level_of_measurement=level, value_domain=value_domain
            )
            ours = krippendorff_alpha(data, level, value_domain=value_domain)
            assert ours == pytest.approx(expected, abs=1e-9), level

    def test_fractions_are_never_truncated_into_integer_slots(self):
        """0.2 and 0.8 share an integer part; truncating would merge them."""
        data = np.array(
            [
                [0.2, 0.8, 1.0, 0.2, 3.0],
                [0.8, 0.8, 1.0, NAN, 3.0],
                [0.2, 0.2, 1, 0.8, 2],
            ]
        )
        self._assert_matches_package(data)
        self._assert_matches_package(data + 2)

    @pytest.mark.parametrize("offset", [-3, 0, 1, 1000])
    def test_shifted_integer_codes(self, offset):
        data = _random_reliability_data(9) + offset
        self._assert_matches_package(data)

    def test_widest_packable_range_and_beyond(self):
        """7 reviewers need 3 bits a count: 20 values plus the missing field fill
        63 bits exactly; 21 values or 8 reviewers (4 bits) take the general
        path, 70 reviewers (7 bits) with 5 values fit again."""
        rng = np.random.default_rng(3)
        for reviewers, values in [(7, 20), (7, 21), (8, 20), (70, 5)]:
            data = rng.integers(0, values, size=(reviewers, 300)).astype(float)
            data[rng.random(data.shape) < 0.2] = NAN
            data[:3, 0] = [0, values - 1, values - 1]  # the full range occurs
            self._assert_matches_package(data)

    def test_integer_arrays_and_numeric_domains(self):
        rng = np.random.default_rng(4)
        data = rng.integers(1, 5, size=(3, 40))
        self._assert_matches_package(data)
        self._assert_matches_package(data.astype(float), value_domain=[6, 4, 3, 2, 1])
        with pytest.raises(ValueError):
            krippendorff_alpha(data, "ordinal", value_domain=[1, 2, 3])
        with pytest.raises(ValueError):
            krippendorff_alpha(data.astype(float) + 0.5, value_domain=[1, 2, 3, 4])

    def test_nothing_coded(self):
        empty = np.full((3, 4), NAN)
        assert krippendorff_alpha(empty) is None
        assert krippendorff_alpha(empty, "ordinal", value_domain=[1, 2]) is None
        assert bootstrap_alpha_ci(empty) is None


class TestBootstrap:
    def _naive(self, data, level, draws, seed, confidence):
        """Resample pairable units and recompute alpha draw by draw."""
        table = np.asarray(data, dtype=float)
        table = table[:, (~np.isnan(table)).sum(axis=0) >= 2]
        picks = np.random.default_rng(seed).integers(
            0, table.shape[1], size=(draws, table.shape[1])
        )
        alphas = [krippendorff_alpha(table[:, row], level) for row in picks]
        alphas = [a for a in alphas if a is not None]
        tail = (1 - confidence) / 2
        return tuple(np.quantile(alphas, [tail, 1 - tail]))

    @pytest.mark.parametrize("level", LEVELS)
    def test_equals_draw_by_draw_recomputation(self, level):
        data = _random_reliability_data(3)
        ours = bootstrap_alpha_ci(data, level, draws=300, seed=11, confidence=0.9)
        naive = self._naive(data, level, draws=300, seed=11, confidence=0.9)
        assert ours == pytest.approx(naive, abs=1e-9)

    def test_seeded_and_brackets_alpha(self):
        data = _random_reliability_data(5)
        first = bootstrap_alpha_ci(data, "nominal", seed=1)
        assert first == bootstrap_alpha_ci(data, "nominal", seed=1)
        assert first != bootstrap_alpha_ci(data, "nominal", seed=2)
        low, high = first
        assert low <= krippendorff_alpha(data, "nominal") <= high

    def test_undefined_alpha_has_no_interval(self):
        assert bootstrap_alpha_ci([[1, 1, 1], [1, 1, 1]], "nominal") is None
        assert bootstrap_alpha_ci([[1, 2, 3]], "interval") is None

    def test_total_agreement_gives_point_interval(self):
        data = [[1, 2, 3, 1, 2, 3], [1, 2, 3, 1, 2, 3]]
        assert bootstrap_alpha_ci(data, "ordinal", draws=200) == (1.0, 1.0)


class TestFleissKappa:
    def test_fleiss_1971_published_example(self):
        """Fleiss (1971) "Measuring nominal scale agreement among many raters",
        p. 379: 30 subjects x 6 psychiatrists, P-bar = .5556, P_e = .2201,
        kappa = .430 (figures asserted in DKPro Agreement's Fleiss1971Test)."""
        table = [[row.count(c) for c in range(1, 6)] for row in FLEISS_1971]
        assert fleiss_kappa(table) == pytest.approx(0.430, abs=5e-4)

    def test_wikipedia_worked_example(self):
        """Wikipedia "Fleiss' kappa" worked example: 10 subjects x 14 raters,
        P-bar = 0.378, P_e = 0.213, kappa = 0.210."""
        table = [
            [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0],
            [2, 2, 8, 1, 1], [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2],
            [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
        ]  # fmt: skip
        assert fleiss_kappa(table) == pytest.approx(0.210, abs=5e-4)

    @pytest.mark.parametrize("seed", range(8))
    def test_matches_statsmodels(self, seed):
        rng = np.random.default_rng(seed)
        raters, units, categories = rng.integers(2, 9), rng.integers(3, 40), 4
        table = np.stack(
            [rng.multinomial(raters, rng.dirichlet(np.ones(categories)))
             for _ in range(units)]
        )  # fmt: skip
        assert fleiss_kappa(table) == pytest.approx(statsmodels_fleiss(table), abs=1e-9)

    def test_undefined_and_invalid(self):
        assert fleiss_kappa(np.zeros((0, 3))) is None
        assert fleiss_kappa([[3, 0], [3, 0]]) is None  # one category in use
        assert fleiss_kappa([[1, 0], [0, 1]]) is None  # one rating per unit
        assert fleiss_kappa([[2, 0], [0, 2]]) == pytest.approx(1.0)
        with pytest.raises(ValueError):
            fleiss_kappa([[2, 1], [1, 1]])


class TestCohenKappa:
    def test_hand_worked(self):
        """p_o = 4/5; marginals a: y 3/5, n 2/5; b: y 2/5, n 3/5;
        p_e = 6/25 + 6/25 = 12/25; kappa = (20/25 - 12/25) / (13/25) = 8/13."""
        a = ["y", "y", "n", "n", "y"]
        b = ["y", "n", "n", "n", "y"]
        assert cohen_kappa(a, b) == pytest.approx(8 / 13)
        assert percent_agreement(a, b) == pytest.approx(0.8)
        assert confusion_matrix(a, b, ["y", "n"]) == [[2, 1], [0, 2]]

    def test_cohen_1960_published_example(self):
        """Cohen (1960: 45) example 2, 200 items: p_o = .70, p_e = .41,
        kappa = .492 (as asserted in DKPro Agreement's Cohen1960Test)."""
        cells = {(1, 1): 88, (1, 2): 14, (1, 3): 18, (2, 1): 10, (2, 2): 40,
                 (2, 3): 10, (3, 1): 2, (3, 2): 6, (3, 3): 12}  # fmt: skip
        a = [x for (x, _), count in cells.items() for _ in range(count)]
        b = [y for (_, y), count in cells.items() for _ in range(count)]
        assert percent_agreement(a, b) == pytest.approx(0.70)
        assert cohen_kappa(a, b) == pytest.approx(0.492, abs=5e-4)

    @pytest.mark.parametrize("seed", range(10))
    def test_matches_sklearn(self, seed):
        rng = np.random.default_rng(seed)
        a = rng.integers(0, 4, size=50)
        b = np.where(rng.random(50) < 0.6, a, rng.integers(0, 4, size=50))
        assert cohen_kappa(a.tolist(), b.tolist()) == pytest.approx(
            cohen_kappa_score(a, b), abs=1e-9
        )
        assert cohen_kappa(a.tolist(), b.tolist(), labels=[0, 1, 2]) == (
            pytest.approx(cohen_kappa_score(a, b, labels=[0, 1, 2]), abs=1e-9)
        )

    def test_coded_pairs_reproduce_cohen_1960(self):
        """The vectorised form on Cohen's (1960: 45) 200 items, categories 0-2:
        the published table back, p_o = .70 and kappa = .492."""
        table = [[88, 14, 18], [10, 40, 10], [2, 6, 12]]
        cells = [(x, y) for x in range(3) for y in range(3) for _ in range(table[x][y])]
        a, b = (np.array(side) for side in zip(*cells, strict=True))
        confusion, kappa, percent = coded_pair_agreement(a, b, 3)
        assert confusion.tolist() == table
        assert percent == pytest.approx(0.70)
        assert kappa == pytest.approx(0.492, abs=5e-4)

    @pytest.mark.parametrize("seed", range(10))
    def test_coded_pairs_match_sklearn_with_unused_categories(self, seed):
        rng = np.random.default_rng(seed)
        a = rng.integers(0, 4, size=300)
        b = np.where(rng.random(300) < 0.6, a, rng.integers(0, 4, size=300))
        confusion, kappa, percent = coded_pair_agreement(a, b, 6)
        assert kappa == pytest.approx(cohen_kappa_score(a, b), abs=1e-9)
        assert percent == pytest.approx(float((a == b).mean()))
        assert confusion.shape == (6, 6) and confusion[4:].sum() == 0
        assert confusion.sum() == 300

    def test_coded_pairs_undefined_cases(self):
        empty = np.array([], dtype=int)
        confusion, kappa, percent = coded_pair_agreement(empty, empty, 2)
        assert confusion.tolist() == [[0, 0], [0, 0]]
        assert kappa is None and percent is None
        assert coded_pair_agreement(np.ones(3), np.ones(3), 2)[1] is None
        with pytest.raises(ValueError):
            coded_pair_agreement(np.ones(3), np.ones(2), 2)

    def test_missing_items_are_skipped(self):
        a = ["y", "y", None, "n", "n", "y", "x"]
        b = ["y", "n", "n", NAN, "n", "y", None]
        assert cohen_kappa(a, b) == pytest.approx(cohen_kappa_score(
            ["y", "y", "n", "y"], ["y", "n", "n", "y"]
        ))  # fmt: skip
        assert percent_agreement(a, b) == pytest.approx(0.75)

    def test_undefined_cases(self):
        assert cohen_kappa([], []) is None
        assert cohen_kappa([None, "a"], ["b", None]) is None
        assert cohen_kappa(["a", "a"], ["a", "a"]) is None  # chance agreement 1
        assert percent_agreement([None], ["a"]) is None
        with pytest.raises(ValueError):
            cohen_kappa(["a"], ["a", "b"])

    def test_pairwise_matrix_uses_units_both_coded(self):
        data = [
            ["a", "b", "a", None, "b"],
            ["a", "b", "b", "a", None],
            [None, None, None, "a", "a"],
        ]
        matrix = pairwise_cohen_matrix(data)
        assert set(matrix) == {(0, 1), (0, 2), (1, 2)}
        assert matrix[(0, 1)] == pytest.approx(
            cohen_kappa_score(["a", "b", "a"], ["a", "b", "b"])
        )
        assert matrix[(1, 2)] is None  # one common unit, both "a"
        assert matrix[(0, 2)] == 0.0  # one common unit, "b" vs "a"


class TestUnitStatus:
    DIMENSIONS = {
        "claim_type": ("statistic", "statistic"),
        "sourcing_quality": (2, 2),
        "cited_source": ("who.int/report", "who.int/report"),
    }

    def _status(self, **overrides):
        arguments = {
            "required_reviewers": 2,
            "reviewers_done": 2,
            "dimensions": self.DIMENSIONS,
            "has_gold": False,
        }
        return unit_status(**(arguments | overrides))

    def test_agreed_when_everyone_marked_it_identically(self):
        assert self._status() == "agreed"

    def test_pending_until_enough_reviewers_are_done(self):
        assert self._status(reviewers_done=1) == "pending"

    def test_gold_decision_wins(self):
        assert self._status(has_gold=True) == "adjudicated"
        assert self._status(has_gold=True, reviewers_done=0) == "adjudicated"

    def test_disputed_when_a_dimension_differs(self):
        differing = self.DIMENSIONS | {"sourcing_quality": (2, 3)}
        assert self._status(dimensions=differing) == "disputed"

    def test_disputed_when_a_done_reviewer_did_not_mark_it(self):
        assert self._status(reviewers_done=3) == "disputed"
        single = {name: values[:1] for name, values in self.DIMENSIONS.items()}
        assert self._status(dimensions=single) == "disputed"

    def test_member_count_without_dimensions(self):
        assert self._status(dimensions={}, member_count=2) == "agreed"
        with pytest.raises(ValueError):
            self._status(dimensions={})
        with pytest.raises(ValueError):
            self._status(dimensions={"a": (1, 1), "b": (1,)})
