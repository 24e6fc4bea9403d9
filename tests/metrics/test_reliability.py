"""Reliability math checked on small inputs worked by hand."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from annotations.metrics.annotators import (
    GoldLabel,
    annotator_agreement_with_gold,
    peer_agreement,
    wilson_interval,
)
from annotations.metrics.consistency import Fact, fact_conflicts, truthfinder, value_key
from annotations.metrics.reliability import (
    Claim,
    SchemeRules,
    ScoreEstimate,
    accuracy_score,
    accuracy_targets,
    beta_cdf,
    beta_quantile,
    corpus_mean,
    rank_subjects,
    score_outlets,
    score_sources,
    sourcing_level_scores,
    sourcing_score,
)
from annotations.metrics.sources import (
    SourceKey,
    is_vague_source,
    normalise_aliases,
    normalise_source,
    source_key,
)

# Even spacing of the six ranks: 1 - (rank - 1) / 5.
PRIMARY, ON_RECORD, INSTITUTION, MEDIA, VAGUE, UNSUPPORTED = range(1, 7)
# What the default scheme says (the service reads it from the scheme's rows).
RULES = SchemeRules(
    level_scores=sourcing_level_scores(range(1, 7)),
    unscored_claim_types=frozenset({"opinion_not_claim"}),
    unsupported_rank=UNSUPPORTED,
)


def claim(
    claim_id,
    *,
    outlet="Dawn",
    article="a1",
    cited="",
    rank=ON_RECORD,
    claim_type="factual_claim",
    verdict=None,
    value=None,
):
    return Claim(
        id=claim_id,
        article_id=article,
        outlet=outlet,
        cited_source=cited,
        claim_type=claim_type,
        sourcing_rank=rank,
        verdict=verdict,
        value=value,
    )


# --- Source names -------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Khawaja  M. Asif!! ", "khawaja m asif"),
        ("Pakistan's Foreign Office", "pakistans foreign office"),
        ("U.S. officials", "us officials"),
        (
            "Inter-Services Public Relations (ISPR)",
            "inter services public relations ispr",
        ),
        ("Ministère de l’Intérieur", "ministère de lintérieur"),
        # Arabic comma becomes a space; the kasra (a combining mark) stays.
        ("وزارتِ خارجہ،", "وزارتِ خارجہ"),
        # The zero-width non-joiner inside a Persian word is dropped, not spaced.
        ("وزیر\u200cخارجه", "وزیرخارجه"),
        ("ΥΠΟΥΡΓΕΊΟ Εξωτερικών", "υπουργείο εξωτερικών"),
        ("https://www.dawn.com/news/123", "dawncom news 123"),
        ("", ""),
    ],
)
def test_normalise_source_folds_case_and_punctuation_in_any_script(raw, expected):
    assert normalise_source(raw) == expected


def test_normalise_source_returns_the_canonical_name_of_an_alias():
    aliases = {"khawaja muhammad asif": "Khawaja Asif"}
    assert normalise_source("Khawaja Muhammad  Asif.", aliases) == "Khawaja Asif"
    assert normalise_source("Imran Khan", aliases) == "imran khan"


def test_normalise_aliases_accepts_keys_in_any_form():
    assert normalise_aliases({"Defence Minister Khawaja-Asif": "Khawaja Asif"}) == {
        "defence minister khawaja asif": "Khawaja Asif",
        "khawaja asif": "Khawaja Asif",
    }


@pytest.mark.parametrize(
    "text",
    [
        "diplomatic sources",
        "sources",
        "analysts",
        "officials",
        "observers",
        "experts",
        "reports",
        "some",
        "critics",
        "Afghan officials",
        "Pakistani officials",
        "security sources",
        "a senior official",
        "officials familiar with the matter",
        "sources close to the government",
        "U.S. officials",
        "two police officials",
        "according to sources",
        "residents of Bajaur",
        "local media",
        "sources said",
    ],
)
def test_anonymous_attributions_are_vague(text):
    assert is_vague_source(normalise_source(text))


@pytest.mark.parametrize(
    "text",
    [
        "Khawaja Asif",
        "ISPR",
        "Foreign Office spokesperson",
        "ISI officials",
        "Reuters",
        "official",
        "a spokesman for the ISPR",
        "State Bank of Pakistan",
        "",
        "Dawn",
    ],
)
def test_named_attributions_are_not_vague(text):
    # An unknown modifier ("isi") is taken as a name; a bare singular head
    # ("official") is not a vague attribution by itself.
    assert not is_vague_source(normalise_source(text))


def test_vague_sources_are_keyed_per_article_named_ones_across_articles():
    assert source_key("Diplomatic sources", "a1") == SourceKey(
        "diplomatic sources", "a1"
    )
    assert source_key("diplomatic sources", "a1") != source_key(
        "diplomatic sources", "a2"
    )
    assert source_key("Khawaja Asif", "a1") == source_key("khawaja asif.", "a2")
    assert source_key("Khawaja Asif", "a1") == SourceKey("khawaja asif")
    assert source_key("", "a1") is None
    assert source_key("  ... ", "a1") is None
    assert source_key(None, "a1") is None


def test_an_alias_hit_is_keyed_by_its_canonical_name():
    key = source_key("Khawaja M Asif", "a1", {"khawaja m asif": "Khawaja Asif"})
    assert key == SourceKey("khawaja asif")
    assert key.label == "Khawaja Asif"
    assert not key.vague


# --- Level scores and the sourcing score --------------------------------------


def test_level_scores_are_evenly_spaced_from_best_to_worst():
    # Six ranks, five gaps: 1 - i/5 for i = 0..5.
    assert sourcing_level_scores(range(1, 7)) == pytest.approx(
        {1: 1.0, 2: 0.8, 3: 0.6, 4: 0.4, 5: 0.2, 6: 0.0}
    )
    assert sourcing_level_scores([3, 1, 2, 2]) == pytest.approx(
        {1: 1.0, 2: 0.5, 3: 0.0}
    )


def test_level_weights_are_rescaled_so_the_ends_stay_one_and_zero():
    # (w - 0) / (10 - 0): 10 -> 1, 9 -> .9, 5 -> .5, 4 -> .4, 1 -> .1, 0 -> 0.
    weights = {1: 10, 2: 9, 3: 5, 4: 4, 5: 1, 6: 0}
    assert sourcing_level_scores(range(1, 7), weights) == pytest.approx(
        {1: 1.0, 2: 0.9, 3: 0.5, 4: 0.4, 5: 0.1, 6: 0.0}
    )


@pytest.mark.parametrize(
    ("ranks", "weights"),
    [
        ([1], None),
        ([1, 2], {1: 1.0}),
        ([1, 2], {1: 0.0, 2: 1.0}),
        ([1, 2], {1: 1, 2: 1}),
    ],
)
def test_level_scores_reject_unusable_schemes(ranks, weights):
    with pytest.raises(ValueError):
        sourcing_level_scores(ranks, weights)


def test_sourcing_score_shrinks_towards_the_corpus_mean():
    # sum = 1 + 1 + .6 + .4 + 0 = 3.0, n = 5; (5 * .5 + 3.0) / (5 + 5) = .55
    estimate = sourcing_score([1.0, 1.0, 0.6, 0.4, 0.0], corpus_mean=0.5)
    assert estimate.value == pytest.approx(0.55)
    assert estimate.n == 5 and not estimate.insufficient
    # Every resample is shrunk too: between (2.5 + 0) / 10 and (2.5 + 5) / 10.
    assert 0.25 <= estimate.low <= estimate.value <= estimate.high <= 0.75


def test_sourcing_score_below_min_n_is_insufficient_evidence():
    assert sourcing_score([1.0] * 4, corpus_mean=0.5) == ScoreEstimate(
        None, None, None, 4, True
    )
    assert sourcing_score([], corpus_mean=0.5, min_n=0) == ScoreEstimate(
        None, None, None, 0, True
    )


def test_sourcing_interval_of_identical_claims_is_a_point():
    # 40 claims of .8: (5 * .5 + 32) / 45 = 34.5 / 45 = .76667 in every resample.
    estimate = sourcing_score([0.8] * 40, corpus_mean=0.5)
    assert estimate.low == pytest.approx(34.5 / 45)
    assert estimate.high == pytest.approx(34.5 / 45)


def test_sourcing_interval_matches_the_normal_approximation_on_a_large_sample():
    # 20 ones and 20 zeros: value (2.5 + 20) / 45 = .5; the bootstrap sd of the
    # mean is sqrt(.25 / 40) = .0790569, shrunk by 40/45 to .0702728, and
    # 1.96 * .0702728 = .13773, so roughly [.3623, .6377].
    estimate = sourcing_score([1.0] * 20 + [0.0] * 20, corpus_mean=0.5, draws=20_000)
    assert estimate.value == pytest.approx(0.5)
    assert estimate.low == pytest.approx(0.3623, abs=0.015)
    assert estimate.high == pytest.approx(0.6377, abs=0.015)


def test_same_seed_gives_the_same_interval():
    scores = [1.0, 0.8, 0.8, 0.6, 0.2, 0.0, 1.0]
    first = sourcing_score(scores, corpus_mean=0.5, seed=7)
    assert sourcing_score(scores, corpus_mean=0.5, seed=7) == first


def test_one_excellent_claim_does_not_outrank_forty_good_ones():
    claims = [claim("x1", outlet="Lucky", rank=PRIMARY)] + [
        claim(f"s{i}", outlet="Steady", rank=ON_RECORD) for i in range(40)
    ]
    # Lucky: (5 * .5 + 1.0) / (5 + 1) = 3.5 / 6 = .58333
    # Steady: (5 * .5 + 40 * .8) / (5 + 40) = 34.5 / 45 = .76667
    scores = score_outlets(claims, rules=RULES, corpus_mean=0.5, min_n=1)
    assert scores["Lucky"].sourcing.value == pytest.approx(3.5 / 6)
    assert scores["Steady"].sourcing.value == pytest.approx(34.5 / 45)
    assert [s.name for s in rank_subjects(scores)] == ["Steady", "Lucky"]
    # With the default min_n = 5 the lone claim is insufficient and ranks last.
    scores = score_outlets(claims, rules=RULES, corpus_mean=0.5)
    assert scores["Lucky"].sourcing.insufficient
    assert [s.name for s in rank_subjects(scores)] == ["Steady", "Lucky"]


def test_default_corpus_mean_is_the_mean_of_all_scored_claims():
    # Scores 1, .8, .6 (ranks 1-3) -> corpus mean .8; outlet A (1 and .8):
    # (5 * .8 + 1.8) / (5 + 2) = 5.8 / 7; outlet B (.6): (4 + .6) / 6 = 4.6 / 6.
    claims = [
        claim(1, outlet="A", rank=PRIMARY),
        claim(2, outlet="A", rank=ON_RECORD),
        claim(3, outlet="B", rank=INSTITUTION),
    ]
    scores = score_outlets(claims, rules=RULES, min_n=1)
    assert scores["A"].sourcing.value == pytest.approx(5.8 / 7)
    assert scores["B"].sourcing.value == pytest.approx(4.6 / 6)


def test_opinions_carry_no_sourcing_score_or_verdict():
    claims = [
        claim(1, rank=PRIMARY),
        claim(2, rank=UNSUPPORTED, claim_type="opinion_not_claim", verdict="supported"),
    ]
    dawn = score_outlets(claims, rules=RULES, corpus_mean=0.5, min_n=1)["Dawn"]
    assert dawn.evidence == (1,)
    assert dawn.sourcing.value == pytest.approx((2.5 + 1.0) / 6)
    assert dawn.accuracy is None
    assert accuracy_targets(claims[1], RULES) == (False, False)


def test_scheme_rules_come_from_the_caller_not_from_built_in_codes():
    opinion = claim(
        1, rank=UNSUPPORTED, claim_type="opinion_not_claim", verdict="supported"
    )
    commentary = claim(2, rank=PRIMARY, claim_type="commentary", verdict="supported")
    plain = SchemeRules(level_scores=RULES.level_scores)
    # Without rules naming it, "opinion_not_claim" is a claim like any other.
    dawn = score_outlets([opinion, commentary], rules=plain, min_n=1)["Dawn"]
    assert dawn.evidence == (1, 2) and dawn.supported == 2
    assert accuracy_targets(opinion, plain) == (False, True)
    other = SchemeRules(RULES.level_scores, frozenset({"commentary"}), VAGUE)
    dawn = score_outlets([opinion, commentary], rules=other, min_n=1)["Dawn"]
    assert dawn.evidence == (1,) and dawn.sourcing_evidence == (1,)
    # A cited claim blames the outlet too only at the scheme's unsupported rank.
    cited = claim(3, cited="Khawaja Asif", rank=UNSUPPORTED)
    assert accuracy_targets(cited, RULES) == (True, True)
    assert accuracy_targets(cited, other) == (True, False)
    assert accuracy_targets(claim(4, cited="Asif", rank=VAGUE), other) == (True, True)


def test_corpus_mean_of_scored_claims_only():
    claims = [
        claim(1, rank=PRIMARY),
        claim(2, rank=VAGUE),
        claim(3, rank=PRIMARY, claim_type="opinion_not_claim"),
    ]
    assert corpus_mean(claims, RULES) == pytest.approx((1.0 + 0.2) / 2)
    assert corpus_mean(claims[2:], RULES) is None
    assert corpus_mean([], RULES) is None


def test_subject_scores_say_which_claims_each_estimate_used():
    claims = [
        claim(1, rank=PRIMARY, verdict="contradicted"),
        claim(2, rank=ON_RECORD, cited="Asif", verdict="supported"),
        claim(3, rank=VAGUE, verdict="unverifiable"),
    ]
    dawn = score_outlets(claims, rules=RULES, min_n=1)["Dawn"]
    assert dawn.evidence == dawn.sourcing_evidence == (1, 2, 3)
    assert dawn.accuracy_evidence == (1,)  # 2 blames Asif, 3 is no verdict


def test_unknown_sourcing_rank_is_an_error():
    with pytest.raises(ValueError, match="unknown sourcing rank"):
        score_outlets([claim(1, rank=9)], rules=RULES)


# --- Beta quantiles and accuracy ----------------------------------------------


@pytest.mark.parametrize("x", [0.01, 0.2, 0.5, 0.73, 0.999])
def test_beta_cdf_matches_closed_forms(x):
    assert beta_cdf(x, 1, 1) == pytest.approx(x, abs=1e-12)
    assert beta_cdf(x, 2, 1) == pytest.approx(x**2, abs=1e-12)
    assert beta_cdf(x, 1, 2) == pytest.approx(1 - (1 - x) ** 2, abs=1e-12)
    # Beta(2, 2): 6x(1-x) integrates to 3x^2 - 2x^3.
    assert beta_cdf(x, 2, 2) == pytest.approx(3 * x**2 - 2 * x**3, abs=1e-12)


@pytest.mark.parametrize(("a", "b"), [(3, 4), (30, 12), (101, 3), (7, 250)])
@pytest.mark.parametrize("x", [0.05, 0.4, 0.7, 0.95])
def test_beta_cdf_of_integer_shapes_is_a_binomial_tail(a, b, x):
    # For integers, I_x(a, b) = P(Binomial(a + b - 1, x) >= a).
    trials = a + b - 1
    tail = sum(
        math.comb(trials, k) * x**k * (1 - x) ** (trials - k)
        for k in range(a, trials + 1)
    )
    assert beta_cdf(x, a, b) == pytest.approx(tail, abs=1e-12)


@pytest.mark.parametrize("p", [0.001, 0.025, 0.1, 0.5, 0.9, 0.975, 0.999])
def test_beta_quantile_inverts_closed_forms_to_1e_10(p):
    assert abs(beta_quantile(p, 1, 1) - p) < 1e-10  # uniform
    assert abs(beta_quantile(p, 2, 1) - math.sqrt(p)) < 1e-10  # CDF x^2
    assert abs(beta_quantile(p, 1, 2) - (1 - math.sqrt(1 - p))) < 1e-10
    for n in (0, 1, 5, 20, 200):
        # Beta(1 + n, 1): CDF x^(n + 1), so q = p^(1 / (n + 1)); and its mirror.
        assert abs(beta_quantile(p, 1 + n, 1) - p ** (1 / (n + 1))) < 1e-10
        mirror = 1 - (1 - p) ** (1 / (n + 1))
        assert abs(beta_quantile(p, 1, 1 + n) - mirror) < 1e-10


@given(
    p=st.floats(1e-9, 1 - 1e-9),
    a=st.floats(1, 5000),
    b=st.floats(1, 5000),
)
def test_beta_quantile_is_the_inverse_of_the_cdf(p, a, b):
    # Posterior shapes are >= 1; below 1 the density is unbounded at an end and
    # no float x pins the CDF down to 1e-9 there.
    assert beta_cdf(beta_quantile(p, a, b), a, b) == pytest.approx(p, abs=1e-9)


def test_beta_cdf_symmetry():
    # I_x(a, b) = 1 - I_{1-x}(b, a)
    assert beta_cdf(0.3, 2.5, 7.25) == pytest.approx(1 - beta_cdf(0.7, 7.25, 2.5))


def test_accuracy_score_is_the_beta_posterior():
    # No verdicts: Beta(1, 1), mean 1/2, interval [.025, .975].
    none = accuracy_score(0, 0)
    assert none.value == 0.5 and none.n == 0
    assert none.low == pytest.approx(0.025, abs=1e-10)
    assert none.high == pytest.approx(0.975, abs=1e-10)
    # One supported: Beta(2, 1), mean 2/3, quantiles sqrt(.025) and sqrt(.975).
    one = accuracy_score(1, 0)
    assert one.value == pytest.approx(2 / 3)
    assert one.low == pytest.approx(math.sqrt(0.025), abs=1e-10)  # .158114
    assert one.high == pytest.approx(math.sqrt(0.975), abs=1e-10)  # .987421
    # One contradicted: Beta(1, 2), mean 1/3, quantiles 1 - sqrt(1 - p).
    bad = accuracy_score(0, 1)
    assert bad.value == pytest.approx(1 / 3)
    assert bad.low == pytest.approx(1 - math.sqrt(0.975), abs=1e-10)
    assert bad.high == pytest.approx(1 - math.sqrt(0.025), abs=1e-10)
    # Nine supported: Beta(10, 1), mean 10/11, 90% interval .05^.1 and .95^.1.
    nine = accuracy_score(9, 0, confidence=0.9)
    assert nine.value == pytest.approx(10 / 11)
    assert nine.low == pytest.approx(0.05**0.1, abs=1e-10)  # .741134
    assert nine.high == pytest.approx(0.95**0.1, abs=1e-10)  # .994884


# --- Attribution ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("cited", "rank", "expected"),
    [
        ("Khawaja Asif", ON_RECORD, (True, False)),  # quoted: the source answers
        ("", ON_RECORD, (False, True)),  # own voice
        ("", UNSUPPORTED, (False, True)),
        ("officials", UNSUPPORTED, (True, True)),  # cited but rated unsupported
        (" - ", VAGUE, (False, True)),  # punctuation only: nothing cited
    ],
)
def test_accuracy_targets(cited, rank, expected):
    assert accuracy_targets(claim(1, cited=cited, rank=rank), RULES) == expected


def test_contradicted_accurate_quote_counts_against_the_official_not_the_outlet():
    claims = [
        claim(
            1,
            cited="Khawaja Asif",
            claim_type="quoted_statement",
            verdict="contradicted",
        ),
        claim(2, rank=UNSUPPORTED, verdict="supported"),
        claim(3, cited="Khawaja Asif", verdict="unverifiable"),
    ]
    outlet = score_outlets(claims, rules=RULES, corpus_mean=0.5, min_n=1)["Dawn"]
    # Only claim 2 is in Dawn's voice: Beta(1 + 1, 1 + 0), mean 2/3.
    assert (outlet.supported, outlet.contradicted) == (1, 0)
    assert outlet.accuracy.value == pytest.approx(2 / 3)
    # Dawn's sourcing still covers all three claims.
    assert outlet.evidence == (1, 2, 3) and outlet.sourcing.n == 3
    asif = score_sources(claims, rules=RULES, min_n=1)[SourceKey("khawaja asif")]
    # Claim 1 is contradicted, claim 3 unverifiable (ignored): Beta(1, 2), mean 1/3.
    assert (asif.supported, asif.contradicted) == (0, 1)
    assert asif.accuracy.value == pytest.approx(1 / 3)
    assert asif.evidence == (1, 3)


def test_alias_table_merges_the_evidence_of_every_spelling():
    claims = [
        claim(
            1, outlet="Dawn", article="a1", cited="Khawaja Asif", verdict="supported"
        ),
        claim(
            2,
            outlet="Geo",
            article="a2",
            cited="Khawaja Muhammad Asif",
            verdict="supported",
        ),
        claim(
            3,
            outlet="Express",
            article="a3",
            cited="Defence Minister Khawaja Asif",
            verdict="contradicted",
        ),
    ]
    aliases = {
        "Khawaja Muhammad Asif": "Khawaja Asif",
        "Defence Minister Khawaja Asif": "Khawaja Asif",
    }
    merged = score_sources(claims, aliases, rules=RULES, min_n=1)
    assert list(merged) == [SourceKey("khawaja asif")]
    asif = merged[SourceKey("khawaja asif")]
    assert asif.name == "Khawaja Asif"
    assert asif.evidence == (1, 2, 3) and asif.n == 3
    # 2 supported, 1 contradicted: Beta(3, 2), mean 3/5.
    assert asif.accuracy.value == pytest.approx(0.6)
    unmerged = score_sources(claims, rules=RULES, min_n=1)  # without the table
    assert len(unmerged) == 3


def test_vague_sources_in_two_articles_are_two_subjects():
    claims = [
        claim(1, outlet="Dawn", article="a1", cited="Officials", verdict="supported"),
        claim(2, outlet="Dawn", article="a1", cited="officials."),
        claim(3, outlet="Geo", article="a2", cited="officials", verdict="contradicted"),
    ]
    scores = score_sources(claims, rules=RULES, min_n=1)
    assert set(scores) == {SourceKey("officials", "a1"), SourceKey("officials", "a2")}
    assert scores[SourceKey("officials", "a1")].evidence == (1, 2)
    assert scores[SourceKey("officials", "a2")].evidence == (3,)


def test_rank_subjects_puts_insufficient_last_and_breaks_ties_by_name():
    claims = (
        [claim(f"b{i}", outlet="Beta", rank=ON_RECORD) for i in range(5)]
        + [claim(f"a{i}", outlet="Alpha", rank=ON_RECORD) for i in range(5)]
        + [claim(f"c{i}", outlet="Gamma", rank=PRIMARY) for i in range(5)]
        + [claim("z", outlet="Aardvark", rank=PRIMARY, verdict="contradicted")]
    )
    scores = score_outlets(claims, rules=RULES, corpus_mean=0.5)
    assert [s.name for s in rank_subjects(scores)] == [
        "Gamma",
        "Alpha",
        "Beta",
        "Aardvark",
    ]
    # By accuracy only Aardvark has a verdict; the rest tie on None, by name.
    assert [s.name for s in rank_subjects(scores, by="accuracy")] == [
        "Aardvark",
        "Alpha",
        "Beta",
        "Gamma",
    ]


def test_score_outlets_is_deterministic():
    claims = [claim(i, rank=(i % 6) + 1) for i in range(12)]
    once = score_outlets(claims, rules=RULES, seed=3)
    assert once == score_outlets(claims, rules=RULES, seed=3)


# --- Cross-article consistency ------------------------------------------------


def test_value_key_compares_numbers_when_there_are_numbers():
    assert (
        value_key("23 killed")
        == value_key("23 people were killed")
        == ("number", (23.0,))
    )
    assert value_key("1,200 displaced") == value_key("1200 people displaced")
    assert value_key("٢٣ killed") == value_key("23 dead")  # Arabic-Indic digits
    assert value_key("23") != value_key("twenty-three")  # words are not parsed
    assert value_key("Islamabad.") == value_key("islamabad") == ("text", "islamabad")


def casualty_facts():
    return [
        Fact(
            "casualties",
            (
                claim(
                    "c1", outlet="Dawn", article="a1", cited="police", value="23 killed"
                ),
                claim("c2", outlet="Geo", article="a2", value="23 people were killed"),
                claim(
                    "c3",
                    outlet="Express",
                    article="a3",
                    cited="Rescue 1122",
                    value="25 dead",
                ),
                claim("c4", outlet="Geo", article="a4", value=None),
            ),
        ),
        Fact(
            "venue",
            (
                claim("v1", outlet="Dawn", article="a1", value="Islamabad"),
                claim("v2", outlet="Express", article="a3", value="islamabad."),
            ),
        ),
    ]


def test_fact_conflicts_lists_each_value_and_who_said_it():
    # casualties: {23: c1 (Dawn, police), c2 (Geo)} vs {25: c3 (Express, Rescue
    # 1122)}; c4 has no value.  venue: both say Islamabad, so no conflict.
    [conflict] = fact_conflicts(casualty_facts())
    assert conflict.fact_id == "casualties"
    assert [v.value for v in conflict.values] == ["23 killed", "25 dead"]
    said_23, said_25 = conflict.values
    assert [
        (a.claim_id, a.outlet, a.article_id, a.cited_source)
        for a in said_23.reported_by
    ] == [("c1", "Dawn", "a1", "police"), ("c2", "Geo", "a2", "")]
    assert [
        (a.claim_id, a.outlet, a.article_id, a.cited_source)
        for a in said_25.reported_by
    ] == [("c3", "Express", "a3", "Rescue 1122")]


def agreeing_facts():
    # A and B agree on three facts; C gives a different value for each.
    return [
        Fact(
            f"f{i}",
            (
                claim(f"{i}a", outlet="A", value=f"{i}"),
                claim(f"{i}b", outlet="B", value=f"{i}"),
                claim(f"{i}c", outlet="C", value=f"{i + 100}"),
            ),
        )
        for i in range(3)
    ]


def test_truthfinder_first_iteration_by_hand():
    # tau = -ln(1 - .9) = ln 10 for every outlet.  Per fact: sigma(x) = 2 ln 10
    # (A, B), sigma(y) = ln 10 (C).  With rho = .5 and implication -1:
    # sigma*(x) = 2 ln 10 - .5 ln 10 = 1.5 ln 10, sigma*(y) = ln 10 - ln 10 = 0.
    # s(x) = 1 / (1 + e^(-.3 * 1.5 ln 10)) = 1 / (1 + 10^-.45) = .738109,
    # s(y) = 1 / (1 + e^0) = .5.  t(A) = t(B) = .738109, t(C) = .5.
    result = truthfinder(agreeing_facts(), iterations=1)
    majority = 1 / (1 + 10**-0.45)
    assert result.trust == pytest.approx({"A": majority, "B": majority, "C": 0.5})
    assert result.confidence["f0"] == pytest.approx({"0": majority, "100": 0.5})
    assert result.iterations == 1 and not result.converged


def test_truthfinder_dissenter_has_the_lowest_trust():
    result = truthfinder(agreeing_facts())
    assert result.trust["C"] < result.trust["A"] == pytest.approx(result.trust["B"])
    assert result.winners == {"f0": "0", "f1": "1", "f2": "2"}
    assert result.converged and result.iterations <= 20


def test_truthfinder_single_uncontested_source_by_hand():
    # One outlet, one value: sigma* = ln 10, s = 1 / (1 + 10^-.3) = .666139; a
    # one-outlet trust vector cannot change direction, so it converges at once.
    facts = [Fact("f", (claim(1, outlet="A", value="7"),))]
    result = truthfinder(facts)
    assert result.trust == {"A": pytest.approx(1 / (1 + 10**-0.3))}
    assert result.converged and result.iterations == 1


def test_truthfinder_counts_a_value_repeated_by_one_outlet_once():
    repeated = agreeing_facts()
    repeated[0] = Fact(
        "f0",
        repeated[0].claims
        + (claim("0c-again", outlet="C", article="a9", value="100"),),
    )
    assert truthfinder(repeated) == truthfinder(agreeing_facts())


def test_truthfinder_without_values_is_empty():
    assert truthfinder([Fact("f", (claim(1),))]).trust == {}


# --- Annotators against gold --------------------------------------------------


def test_agreement_with_gold_uses_the_wilson_interval():
    pairs = [GoldLabel("r1", "claim_type", "factual_claim", "factual_claim")] * 8 + [
        GoldLabel("r1", "claim_type", "opinion_not_claim", "factual_claim")
    ] * 2
    pairs += [GoldLabel("r2", "sourcing_quality", "unsupported", "unsupported")] * 10
    result = annotator_agreement_with_gold(pairs)
    r1 = result["r1", "claim_type"]
    assert (r1.matches, r1.n, r1.rate) == (8, 10, 0.8)
    # z = 1.959964, z^2/n = .3841459; centre = (.8 + .1920729) / 1.3841459 =
    # .716738; half = 1.959964 / 1.3841459 * sqrt(.016 + .0096036) = .226575.
    assert r1.low == pytest.approx(0.490162, abs=1e-6)
    assert r1.high == pytest.approx(0.943318, abs=1e-6)
    # All right: upper bound 1, lower bound n / (n + z^2) = 10 / 13.841459.
    r2 = result["r2", "sourcing_quality"]
    assert r2.rate == 1.0 and r2.high == pytest.approx(1.0)
    assert r2.low == pytest.approx(10 / (10 + 1.959964**2), abs=1e-6)


def test_peer_agreement_counts_every_ordered_pair_of_other_reviewers():
    @dataclass
    class Member:
        reviewer: str
        labels: dict

    units = [
        [Member("r1", {"claim_type": "a"}), Member("r2", {"claim_type": "a"})]
        + [Member("r3", {"claim_type": "b"})],
        [Member("r1", {"claim_type": "x"}), Member("r2", {"claim_type": "y"})],
        # A reviewer is never compared with themselves.
        [Member("r4", {"claim_type": "a"}), Member("r4", {"claim_type": "b"})],
    ]
    reviewers, pairs = peer_agreement(units, ["claim_type"])
    # r1: = r2, != r3 (unit 1), != r2 (unit 2); r3: != r1, != r2.
    r1 = reviewers["r1", "claim_type"]
    assert (r1.matches, r1.n) == (1, 3)
    assert (r1.low, r1.high) == wilson_interval(1, 3)
    r2 = reviewers["r2", "claim_type"]
    assert (r2.matches, r2.n) == (1, 3)
    assert reviewers["r3", "claim_type"].rate == 0.0
    assert ("r4", "claim_type") not in reviewers
    assert {key: (p.matches, p.n) for key, p in pairs.items()} == {
        ("r1", "r2", "claim_type"): (1, 2),
        ("r1", "r3", "claim_type"): (0, 1),
        ("r2", "r3", "claim_type"): (0, 1),
    }


def test_wilson_interval_is_undefined_without_labels():
    assert wilson_interval(0, 0) == (None, None)
