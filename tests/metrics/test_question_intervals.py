"""Bootstrap interval of set-valued alpha and option shares, checked by brute force
and by hand."""

import numpy as np
import pytest

from annotations.metrics.article_questions import (
    alpha_with_distance,
    answers_agree,
    bootstrap_set_alpha_ci,
    masi_distance,
    option_shares,
)

E, ES, ORG, X = (frozenset(s) for s in ({"e"}, {"e", "s"}, {"o"}, {"x"}))
# Reviewers x articles; the third reviewer skipped article 2.
DATA = [[E, ES, ORG, E], [E, E, X, ES], [E, None, ORG, ES]]


def test_vectorised_bootstrap_matches_resampling_unit_by_unit():
    draws, seed = 300, 7
    low, high = bootstrap_set_alpha_ci(DATA, masi_distance, draws=draws, seed=seed)
    # The same draws, each alpha recomputed from the resampled articles.
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, 4, size=(draws, 4))
    alphas = []
    for row in picks:
        sample = [[reviewer[i] for i in row] for reviewer in DATA]
        value = alpha_with_distance(sample, masi_distance)
        if value is not None:
            alphas.append(value)
    expected = np.percentile(alphas, [2.5, 97.5])
    assert (low, high) == pytest.approx(tuple(expected))
    assert low <= alpha_with_distance(DATA, masi_distance) <= high


def test_no_interval_when_alpha_is_undefined():
    # Every answer the same: no variation, D_e = 0.
    assert bootstrap_set_alpha_ci([[E, E], [E, E]], draws=50) is None
    # One reviewer per article: nothing pairable.
    assert bootstrap_set_alpha_ci([[E, None], [None, ES]], draws=50) is None


def test_multi_select_answers_agree_as_sets():
    assert answers_agree("multi", [["e", "s"], ["s", "e"]])
    assert not answers_agree("multi", [["e"], ["e", "s"]])
    assert not answers_agree("boolean", [True, False])


def test_option_shares_with_wilson_intervals_worked_by_hand():
    shares = option_shares("multi", ["e", "s"], [["e"], ["e", "s"]])
    assert shares["n"] == 2
    assert shares["options"]["e"]["share"] == 1.0
    # Wilson, k = 1, n = 2, z = 1.95996: centre 0.5, half 0.67105 * 0.60423.
    assert shares["options"]["s"]["ci_low"] == pytest.approx(0.0945, abs=1e-4)
    assert shares["options"]["s"]["ci_high"] == pytest.approx(0.9055, abs=1e-4)
    yes_no = option_shares("boolean", ["yes", "no"], [True, True, False])
    assert yes_no["options"]["yes"]["count"] == 2
    assert option_shares("nominal", ["a"], [])["options"]["a"]["share"] is None
