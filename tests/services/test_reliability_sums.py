"""Per-article reliability shares, summed, give the whole-corpus scores.

The whole-corpus side is `metrics.reliability.score_outlets` / `score_sources`
and `metrics.annotators` over every claim and label at once (the functions
the hand-worked tests check); the other side splits the same inputs by
article (`article_parts`), sums the shares (`SessionSums`) and scores the sums.
No database: the inputs are built in memory.
"""

from __future__ import annotations

import random
from collections import Counter

import pytest

from annotations.metrics import annotators as am
from annotations.metrics import reliability as rm
from annotations.metrics.reliability_sums import DIMENSIONS, SessionSums
from annotations.metrics.sources import normalise_aliases
from annotations.services.reliability_inputs import ClaimRow, Inputs
from annotations.services.reliability_members import MemberLabel
from annotations.services.reliability_parts import article_parts
from annotations.services.reliability_scores import reliability_compute

RULES = rm.SchemeRules(
    level_scores=rm.sourcing_level_scores(range(1, 7)),
    unscored_claim_types=frozenset({"opinion_not_claim"}),
    unsupported_rank=6,
)
PARAMS = {"prior_strength": 5.0, "min_n": 2, "draws": 300, "seed": 0}
PARAMS |= {"confidence": 0.95}
SOURCES = ["", "", "Khawaja Asif", "Defence Minister Asif", "officials", "Taliban"]
SOURCES += ["diplomatic sources", "Zabihullah Mujahid", "UNAMA", "some analysts"]
ALIASES = {"Defence Minister Asif": "Khawaja Asif"}
TYPES = ["quantity", "event_action", "quoted_statement", "opinion_not_claim"]
VERDICTS = [None, None, "supported", "contradicted", "unverifiable"]
OUTLETS = ["Dawn", "Geo", "Tolo", "Unknown outlet (a7)"]
REVIEWERS = ["ana", "bo", "cy"]


def random_inputs(rng: random.Random, articles: int = 9) -> Inputs:
    claims, gold_members, unit_members = [], [], []
    keys = {aid: f"a{aid:02d}" for aid in range(1, articles + 1)}
    outlets = {aid: rng.choice(OUTLETS) for aid in keys}
    span = iter(range(1, 10_000))
    for aid in keys:
        for n in range(rng.randint(0, 8)):
            cited = rng.choice(SOURCES)
            facts = [(rng.randint(1, 3), str(rng.choice([23, 58])))] * (
                rng.random() < 0.3
            )
            claim = rm.Claim(
                id=f"gold:{aid}-{n}",
                article_id=aid,
                outlet=outlets[aid],
                cited_source=cited,
                claim_type=rng.choice(TYPES),
                sourcing_rank=rng.randint(1, 6),
                verdict=rng.choice(VERDICTS),
                value=facts[0][1] if facts else None,
            )
            claims.append(
                ClaimRow(
                    claim=claim,
                    origin=rng.choice(["gold", "consensus"]),
                    gold_span_id=None,
                    unit_id=None,
                    unit_key=f"{aid}:{n}",
                    span_ids=[],
                    article_id=aid,
                    article_external_id=keys[aid],
                    start=n * 10,
                    end=n * 10 + 5,
                    quote="q",
                    claim_type=claim.claim_type,
                    sourcing_quality=str(claim.sourcing_rank),
                    cited_source=cited,
                    verdict=claim.verdict or "",
                    facts=facts,
                )
            )
            members = [
                MemberLabel(
                    span_id=next(span),
                    reviewer=reviewer,
                    article_id=aid,
                    labels={d: rng.choice("xy") for d in DIMENSIONS},
                )
                for reviewer in rng.sample(REVIEWERS, rng.randint(1, 3))
            ]
            gold = {d: rng.choice("xy") for d in DIMENSIONS}
            gold_members.append((n, f"{aid}:{n}", gold, members))
            if len(members) >= 2:
                unit_members.append((n, members))
    return Inputs(
        claims=claims,
        excluded={aid: Counter(pending=rng.randint(0, 2)) for aid in keys},
        facts={1: "killed", 2: "talks", 3: "wounded"},
        alias_table=normalise_aliases(ALIASES),
        rules=RULES,
        warnings=[],
        gold_members=gold_members,
        unit_members=unit_members,
        article_keys=keys,
    )


def estimate_tuple(estimate):
    if estimate is None:
        return None
    return (estimate["value"], estimate["ci_low"], estimate["ci_high"], estimate["n"])


def close(a, b) -> bool:
    if a is None or b is None:
        return a is b
    return all(
        x == pytest.approx(y, abs=1e-9) if isinstance(x, float) else x == y
        for x, y in zip(a, b, strict=True)
    )


@pytest.mark.parametrize("seed", range(12))
def test_summed_article_shares_score_like_the_whole_corpus(seed):
    inputs = random_inputs(random.Random(seed))
    payload, rows = reliability_compute(inputs, PARAMS)
    claims = [row.claim for row in inputs.claims]
    mean = rm.corpus_mean(claims, RULES)
    assert payload["corpus_mean"] == pytest.approx(mean, abs=1e-12)
    options = dict(rules=RULES, corpus_mean=0.5 if mean is None else mean, **PARAMS)
    outlets = rm.score_outlets(claims, **options)
    sources = rm.score_sources(claims, ALIASES, **options)
    stored = {(r["subject_kind"], r["subject_key"], r["metric"]): r for r in rows}
    for label, score in outlets.items():
        row = stored["outlet", label, "sourcing"]
        expected = score.sourcing
        got = (row["value"], row["ci_low"], row["ci_high"], row["n"])
        assert close(got, (expected.value, expected.low, expected.high, expected.n))
    named = {s["key"]: s for s in payload["cited_sources"]}
    assert len(named) == len(sources)
    for key, score in sources.items():
        stored_key = f"{key.name}@a{key.article_id:02d}" if key.vague else key.name
        summary = named[stored_key]
        expected = score.sourcing
        assert close(
            estimate_tuple(summary["sourcing"]),
            (expected.value, expected.low, expected.high, expected.n),
        )
        assert (summary["supported"], summary["contradicted"], summary["n"]) == (
            score.supported,
            score.contradicted,
            score.n,
        )
    ranked = [s.name for s in rm.rank_subjects(outlets)]
    assert [o["key"] for o in payload["outlets"]] == ranked


@pytest.mark.parametrize("seed", range(6))
def test_summed_reviewer_counts_equal_the_whole_corpus_agreement(seed):
    inputs = random_inputs(random.Random(100 + seed))
    payload, _ = reliability_compute(inputs, PARAMS)
    pairs = [
        am.GoldLabel(m.reviewer, d, m.labels[d], gold[d])
        for _, _, gold, members in inputs.gold_members
        for m in members
        for d in DIMENSIONS
    ]
    with_gold = am.annotator_agreement_with_gold(pairs)
    with_peers, by_pair = am.peer_agreement(
        (members for _, members in inputs.unit_members), DIMENSIONS
    )
    for entry in payload["annotators"]:
        for dim in DIMENSIONS:
            for part, expected in (("gold", with_gold), ("peers", with_peers)):
                got = entry[part][dim]
                want = expected.get((entry["reviewer"], dim))
                assert (got and (got["matches"], got["n"], got["ci_low"])) == (
                    want and (want.matches, want.n, want.low)
                )
    table = payload["annotator_pairs"]
    assert {
        (k, d): (v["matches"], v["n"]) for k, ds in table.items() for d, v in ds.items()
    } == {(f"{a}|{b}", d): (p.matches, p.n) for (a, b, d), p in by_pair.items()}


def test_adding_then_subtracting_articles_leaves_the_sum_of_the_rest():
    inputs = random_inputs(random.Random(7), articles=12)
    outlets = {aid: f"outlet {aid % 3}" for aid in inputs.article_keys}
    parts = article_parts(inputs, outlets)
    everything, rest = SessionSums(), SessionSums()
    for part in parts.values():
        everything.add(part.stats)
    leaving = set(random.Random(8).sample(sorted(parts), 5))
    for aid, part in parts.items():
        if aid in leaving:
            everything.add(part.stats, -1)
        else:
            rest.add(part.stats)
    assert everything == rest
    for part in parts.values():
        if part.article_id not in leaving:
            rest.add(part.stats, -1)
    assert rest == SessionSums()
