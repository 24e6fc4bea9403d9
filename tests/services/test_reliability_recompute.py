"""reliability_recompute on the seed corpus with a scripted adjudication."""

import pytest

from annotations.models import ReliabilityScore, SourceAlias
from annotations.selectors.reliability import score_evidence
from annotations.services.reliability import reliability_recompute
from tests.plugins.reliability import (
    A0,
    A2,
    A3,
    A4,
    DISPUTED_PHRASE,
    SCOUTING,
    SOLDIERS,
)

UNKNOWN = "Unknown outlet ({})"


def evidence(score: ReliabilityScore) -> list[dict]:
    """The evidence behind one stored score (stored per article)."""
    return score_evidence(
        session_id=score.report.session_id,
        kind=score.subject_kind,
        subject_key=score.subject_key,
    ).get(score.metric, [])


def scores(report, kind, metric):
    return {
        s.subject_key: s
        for s in ReliabilityScore.objects.filter(
            report=report, subject_kind=kind, metric=metric
        )
    }


def test_outlets_ranked_by_shrunk_sourcing_score_worked_by_hand(scenario):
    report = reliability_recompute(session_id=scenario.session.pk)
    # Level scores: named_on_record 0.8, named_institution 0.6, secondary_media
    # 0.4, anonymous_vague 0.2, unsupported 0.0, primary_document 1.0; the
    # opinion in 004 is not scored. Claims per outlet (gold + agreed units):
    #   000: 0.8 + 0.8 (agreed) + 0.2 + 0.2 + 0.8        = 2.8, n = 5
    #   001: 0.2 + 0.2 + 0.0                             = 0.4, n = 3
    #   002: 0.6 + 0.2 + 0.8 + 1.0 + 0.4                 = 3.0, n = 5
    #   003: 0.6 + 0.6 + 0.6 + 0.8 + 0.6 + 0.2           = 3.4, n = 6
    #   004: 0.8 + 0.2 + 0.6 + 0.6 + 0.2                 = 2.4, n = 5
    # corpus mean m = 12.0 / 24 = 0.5; k = 5; value = (k m + sum) / (k + n):
    #   002: 5.5/10 = 0.55; 003: 5.9/11 = 0.53636; 000: 5.3/10 = 0.53;
    #   004: 4.9/10 = 0.49; Scouting Studys: n = 3 < min_n 5, insufficient.
    expected = [
        (UNKNOWN.format(A2), 0.55),
        (UNKNOWN.format(A3), 5.9 / 11),
        (UNKNOWN.format(A0), 0.53),
        (UNKNOWN.format(A4), 0.49),
        ("Scouting Studys", None),
    ]
    outlets = report.payload["outlets"]
    assert [(o["rank"], o["label"]) for o in outlets] == [
        (rank, name) for rank, (name, _) in enumerate(expected, start=1)
    ]
    assert report.payload["corpus_mean"] == pytest.approx(0.5)
    stored = scores(report, "outlet", "sourcing")
    for name, value in expected:
        if value is None:
            assert stored[name].value is None and stored[name].insufficient
            assert stored[name].n == 3
        else:
            assert stored[name].value == pytest.approx(value)
            assert stored[name].ci_low <= stored[name].value <= stored[name].ci_high


def test_conflicting_soldier_counts_listed_with_who_said_what(scenario):
    report = reliability_recompute(session_id=scenario.session.pk)
    gold = scenario.gold
    conflicts = report.payload["conflicts"]
    # Only the soldiers fact has two values; "the talks are over" is reported
    # identically by 002 and 003. Both values are reported twice, so they are
    # ordered by text: "23" before "58"; reporters in article order.
    assert [c["label"] for c in conflicts] == [SOLDIERS]
    values = conflicts[0]["values"]
    assert [v["value"] for v in values] == ["23", "58"]
    assert [
        [(r["gold_span_id"], r["outlet"], r["cited_source"]) for r in v["reported_by"]]
        for v in values
    ] == [
        [
            (
                gold["Pakistan acknowledged losing 23 troops"].pk,
                UNKNOWN.format(A2),
                "Pakistan",
            ),
            (
                gold["Islamabad confirmed 23 fatalities"].pk,
                UNKNOWN.format(A3),
                "Islamabad",
            ),
        ],
        [
            (
                gold["Afghan officials reported at least 58 soldiers killed"].pk,
                UNKNOWN.format(A2),
                "Afghan officials",
            ),
            (
                gold["claiming to have killed 58 Pakistani soldiers"].pk,
                UNKNOWN.format(A3),
                "Taliban",
            ),
        ],
    ]
    # TruthFinder: 002 and 003 each provide 23, 58 and "the talks are over",
    # all at t0 = 0.9 (tau = ln 10). sigma*(23) = sigma*(58) = 2 ln10 - 0.5 *
    # 2 ln10 = ln10, s = 1/(1 + 10^-0.3); sigma*(talks) = 2 ln10, s = 1/(1 +
    # 10^-0.6). Both trusts = (2 s1 + s2) / 3, equal, so converged after one.
    s1, s2 = 1 / (1 + 10**-0.3), 1 / (1 + 10**-0.6)
    truth = report.payload["truthfinder"]
    assert truth["trust"] == {
        UNKNOWN.format(A2): pytest.approx((2 * s1 + s2) / 3),
        UNKNOWN.format(A3): pytest.approx((2 * s1 + s2) / 3),
    }
    assert truth["iterations"] == 1 and truth["converged"] is True


def test_contradicted_quote_lowers_the_named_official_not_the_outlet(scenario):
    report = reliability_recompute(session_id=scenario.session.pk)
    sources = scores(report, "cited_source", "accuracy")
    outlets = scores(report, "outlet", "accuracy")
    # Mujahid's quote in 000 is contradicted: Beta(1 + 0, 1 + 1), mean 1/3.
    assert sources["zabihullah mujahid"].value == pytest.approx(1 / 3)
    assert sources["zabihullah mujahid"].n == 1
    mujahid_gold = scenario.gold[
        "The ceasefire that has been established has not been violated by us"
    ]
    assert [e["gold_span_id"] for e in evidence(sources["zabihullah mujahid"])] == [
        mujahid_gold.pk
    ]
    # 000's own voice: one supported unattributed claim, Beta(2, 1) = 2/3; the
    # contradicted quote does not count against it.
    own = outlets[UNKNOWN.format(A0)]
    assert own.value == pytest.approx(2 / 3) and own.n == 1
    assert mujahid_gold.pk not in [e["gold_span_id"] for e in evidence(own)]
    # Outlets whose verdicts are all on quoted claims have no accuracy.
    assert outlets[UNKNOWN.format(A2)].value is None
    assert outlets[UNKNOWN.format(A3)].value is None


def test_alias_table_merges_spellings_and_their_evidence(scenario):
    report = reliability_recompute(session_id=scenario.session.pk)
    before = scores(report, "cited_source", "sourcing")
    assert {"khawaja muhammad asif", "khawaja asif", "asif"} <= set(before)
    assert before["khawaja asif"].n == 1
    SourceAlias.objects.create(alias="Khawaja Muhammad Asif", canonical="Khawaja Asif")
    SourceAlias.objects.create(alias="Asif", canonical="Khawaja Asif")
    report = reliability_recompute(session_id=scenario.session.pk)
    after = scores(report, "cited_source", "sourcing")
    assert "khawaja muhammad asif" not in after and "asif" not in after
    merged = after["khawaja asif"]
    assert merged.subject_label == "Khawaja Asif" and merged.n == 3
    agreed = scenario.units[
        "Khawaja Muhammad Asif also confirmed that the negotiations"
    ]
    quoted = [
        scenario.gold["Asif bluntly declared that “the talks are over,”"],
        scenario.gold['Khawaja Asif confirmed to Geo News that "the talks are over"'],
    ]
    assert sorted(e["claim"] for e in evidence(merged)) == sorted(
        [f"unit:{agreed.pk}", *(f"gold:{g.pk}" for g in quoted)]
    )


def test_vague_sources_are_scored_per_article_never_pooled(scenario):
    report = reliability_recompute(session_id=scenario.session.pk)
    sources = scores(report, "cited_source", "sourcing")
    assert sources[f"afghan officials@{SCOUTING}"].n == 1
    assert sources[f"afghan officials@{A2}"].n == 1
    assert "afghan officials" not in sources


def test_disputed_and_pending_units_are_excluded_and_counted(scenario):
    report = reliability_recompute(session_id=scenario.session.pk)
    assert report.excluded_count == 3
    assert report.payload["excluded"]["by_status"] == {
        "disputed": 1,
        "pending": 1,
        "rejected": 1,
    }
    assert report.payload["claims"] == {
        "total": 25,
        "from_gold": 23,
        "from_consensus": 2,
    }
    assert scores(report, "outlet", "sourcing")["Scouting Studys"].n == 3
    # Adjudicating the disputed unit brings its claim in (unsupported, 0.0).
    spans = list(scenario.units[DISPUTED_PHRASE].spans.order_by("pk"))
    scenario.decide(DISPUTED_PHRASE, decision="accepted", accept_span_id=spans[0].pk)
    report = reliability_recompute(session_id=scenario.session.pk)
    assert report.excluded_count == 2
    assert "disputed" not in report.payload["excluded"]["by_status"]
    assert scores(report, "outlet", "sourcing")["Scouting Studys"].n == 4


def test_recompute_twice_keeps_the_same_rows_and_the_second_is_a_noop(scenario):
    first = reliability_recompute(session_id=scenario.session.pk)
    rows = list(
        ReliabilityScore.objects.filter(report=first)
        .order_by("pk")
        .values_list("pk", "subject_kind", "subject_key", "metric", "value", "n")
    )
    assert first.stale is False and first.duration_ms > 0
    second = reliability_recompute(session_id=scenario.session.pk)
    assert second.pk == first.pk
    assert second.computed_at == first.computed_at
    assert second.fingerprint == first.fingerprint
    forced = reliability_recompute(session_id=scenario.session.pk, force=True)
    assert forced.computed_at > first.computed_at
    assert forced.payload["rows"] == {"created": 0, "updated": 0, "deleted": 0}
    assert rows == list(
        ReliabilityScore.objects.filter(report=first)
        .order_by("pk")
        .values_list("pk", "subject_kind", "subject_key", "metric", "value", "n")
    )


def test_a_change_marks_stale_and_the_next_recompute_deletes_vanished_subjects(
    scenario,
):
    report = reliability_recompute(session_id=scenario.session.pk)
    assert "eurasia review" in scores(report, "cited_source", "sourcing")
    # gold_decide marks the report stale (services.recompute.articles_changed).
    scenario.decide(
        "there have been eight Joint Coordination Committee sessions",
        decision="rejected",
    )
    report.refresh_from_db()
    assert report.stale is True
    report = reliability_recompute(session_id=scenario.session.pk)
    assert report.stale is False
    assert "eurasia review" not in scores(report, "cited_source", "sourcing")
    assert report.payload["rows"]["deleted"] == 2  # its sourcing and accuracy rows


def test_reviewers_agreement_with_gold_and_with_each_other(scenario):
    report = reliability_recompute(session_id=scenario.session.pk)
    gold = scores(report, "reviewer", "gold_sourcing_quality")
    peers = scores(report, "reviewer", "peer_sourcing_quality")
    # 23 non-rejected gold units; reviewer3 said "unsupported" on the five of
    # article 002, everyone else matched the accepted (reviewer1) version.
    assert (gold["reviewer1"].value, gold["reviewer1"].n) == (1.0, 23)
    assert gold["reviewer3"].value == pytest.approx(18 / 23)
    assert gold["reviewer3"].n == 23
    # Units reviewer3 is in: 23 gold + 2 agreed + 1 rejected = 26, two
    # comparisons each = 52; the five 002 units differ twice each: 42/52.
    assert peers["reviewer3"].value == pytest.approx(42 / 52)
    assert peers["reviewer3"].n == 52
    misses = [e for e in evidence(gold["reviewer3"]) if not e["match"]]
    assert {e["gold_span_id"] for e in misses} == {
        g.pk for g in scenario.gold.values() if g.article.external_id == A2
    }
