"""The recompute after a decision, diffed against the rows it remembers, stores
exactly what a from-scratch computation stores."""

import random
from collections import Counter

from django.db import connection
from django.test.utils import CaptureQueriesContext

from annotations.models import (
    ReliabilityArticle,
    ReliabilityReport,
    ReliabilityScore,
    ReliabilitySubjectArticle,
    SourceAlias,
    SpanAnnotation,
)
from annotations.selectors.reliability import score_evidence
from annotations.services import reliability as service
from annotations.services import reliability_refresh as refresh
from annotations.services.reliability import SCORE_FIELDS, reliability_recompute
from annotations.services.spans import annotation_update
from tests.plugins.reliability import DISPUTED_PHRASE


def stored_rows(session_id: int) -> dict[tuple, tuple]:
    return {
        (s.subject_kind, s.subject_key, s.metric): tuple(
            getattr(s, name) for name in SCORE_FIELDS
        )
        for s in ReliabilityScore.objects.filter(report__session_id=session_id)
    }


def from_scratch(session_id: int) -> dict[tuple, tuple]:
    """A new report computed with nothing remembered."""
    service._stored_rows.clear()
    ReliabilityReport.objects.filter(session_id=session_id).delete()
    reliability_recompute(session_id=session_id)
    return stored_rows(session_id)


def random_decision(scenario, rng: random.Random) -> None:
    phrase = rng.choice(sorted(scenario.units))
    unit = scenario.units[phrase]
    if rng.random() < 0.25:
        scenario.decide(phrase, decision="rejected")
        return
    member = rng.choice(sorted(unit.spans.all(), key=lambda span: span.pk))
    scenario.decide(
        phrase,
        decision="accepted",
        accept_span_id=member.pk,
        verdict=rng.choice(["supported", "contradicted", ""]),
    )


def test_rows_after_random_decisions_equal_a_from_scratch_run(
    scenario, django_capture_on_commit_callbacks
):
    session_id = scenario.session.pk
    rng = random.Random(16)
    with django_capture_on_commit_callbacks(execute=True):
        reliability_recompute(session_id=session_id)
    diffed = 0
    for _ in range(6):
        random_decision(scenario, rng)
        report = ReliabilityReport.objects.get(session_id=session_id)
        # The rows of the last run are remembered under its fingerprint ...
        assert service._stored_rows[report.pk][0] == report.fingerprint
        with django_capture_on_commit_callbacks(execute=True):
            incremental = reliability_recompute(session_id=session_id)
        # ... so this run did not read them back, and updated what changed.
        counts = incremental.payload["rows"]
        diffed += counts["updated"] + counts["created"] + counts["deleted"]
        rows = stored_rows(session_id)
        with django_capture_on_commit_callbacks(execute=True):
            assert rows == from_scratch(session_id)
    assert diffed > 0  # the decisions changed scores


def test_a_report_changed_elsewhere_is_read_back_not_trusted(
    scenario, django_capture_on_commit_callbacks
):
    session_id = scenario.session.pk
    with django_capture_on_commit_callbacks(execute=True):
        report = reliability_recompute(session_id=session_id)
    row = ReliabilityScore.objects.filter(report=report).order_by("pk").first()
    # Another process stored a different run: the fingerprint no longer matches.
    ReliabilityScore.objects.filter(pk=row.pk).update(n=row.n + 7)
    ReliabilityReport.objects.filter(pk=report.pk).update(fingerprint="elsewhere")
    with django_capture_on_commit_callbacks(execute=True):
        again = reliability_recompute(session_id=session_id, force=True)
    assert again.payload["rows"]["updated"] == 1
    assert ReliabilityScore.objects.get(pk=row.pk).n == row.n


# --- Per-article shares: re-read what changed, sum the rest ------------------


def full_state(session_id: int) -> tuple:
    """Rows, payload (without the run's own counters) and every evidence list."""
    rows = stored_rows(session_id)
    payload = ReliabilityReport.objects.get(session_id=session_id).payload
    payload = {k: v for k, v in payload.items() if k not in ("rows", "articles")}
    evidence = {
        (kind, key): score_evidence(session_id=session_id, kind=kind, subject_key=key)
        for kind, key, _ in rows
    }
    return rows, payload, evidence


def from_scratch_state(session_id: int) -> tuple:
    """Everything a recompute stored, computed with nothing stored or remembered."""
    service._stored_rows.clear()
    refresh._sums_memo.clear()
    ReliabilityReport.objects.filter(session_id=session_id).delete()
    for model in (ReliabilityArticle, ReliabilitySubjectArticle):
        model.objects.filter(session_id=session_id).delete()
    reliability_recompute(session_id=session_id)
    return full_state(session_id)


def random_span_edit(scenario, rng: random.Random) -> None:
    span = rng.choice(
        list(SpanAnnotation.objects.filter(session=scenario.session).order_by("pk"))
    )
    change = rng.choice(["claim_type", "cited_source"])
    value = (
        rng.choice(["quantity", "event_action", "quoted_statement"])
        if change == "claim_type"
        else rng.choice(["Khawaja Asif", "officials", "Taliban", ""])
    )
    annotation_update(
        span_id=span.pk,
        actor=span.reviewer,
        expected_version=span.version,
        **{change: value},
    )


def random_edit(scenario, rng: random.Random) -> str:
    kind = rng.choice(["decision", "decision", "span", "span", "alias"])
    if kind == "decision":
        random_decision(scenario, rng)
    elif kind == "span":
        random_span_edit(scenario, rng)
    else:
        alias = rng.choice(["Asif", "Islamabad", "Local witnesses"])
        SourceAlias.objects.update_or_create(
            alias=alias, defaults={"canonical": rng.choice(["Khawaja Asif", "X"])}
        )
    return kind


def test_shares_after_random_edits_equal_a_from_scratch_run(
    scenario, django_capture_on_commit_callbacks
):
    """Decisions, span edits and alias changes in random order; after each,
    the incremental run (with or without this process's remembered sums)
    stores the rows, payload and evidence of a run from nothing."""
    session_id = scenario.session.pk
    rng = random.Random(1616)
    with django_capture_on_commit_callbacks(execute=True):
        reliability_recompute(session_id=session_id)
    kinds = Counter()
    for step in range(10):
        kinds[random_edit(scenario, rng)] += 1
        if step % 3 == 2:
            refresh._sums_memo.clear()  # a fresh worker: sums every stored share
        with django_capture_on_commit_callbacks(execute=True):
            reliability_recompute(session_id=session_id)
        incremental = full_state(session_id)
        with django_capture_on_commit_callbacks(execute=True):
            assert incremental == from_scratch_state(session_id)
    assert set(kinds) == {"decision", "span", "alias"}


def test_one_decision_re_reads_one_article(
    scenario, django_capture_on_commit_callbacks
):
    session_id = scenario.session.pk
    with django_capture_on_commit_callbacks(execute=True):
        first = reliability_recompute(session_id=session_id)
    assert first.payload["articles"] == {"total": 5, "read": 5}
    scenario.decide(
        DISPUTED_PHRASE,
        decision="accepted",
        verdict="supported",
        accept_span_id=scenario.units[DISPUTED_PHRASE].spans.first().pk,
    )
    with django_capture_on_commit_callbacks(execute=True):
        again = reliability_recompute(session_id=session_id)
    assert again.payload["articles"] == {"total": 5, "read": 1}
    assert again.fingerprint != first.fingerprint


def test_the_no_op_reads_no_span_unit_or_gold_row(
    scenario, django_capture_on_commit_callbacks
):
    session_id = scenario.session.pk
    with django_capture_on_commit_callbacks(execute=True):
        reliability_recompute(session_id=session_id)
    with CaptureQueriesContext(connection) as queries:
        reliability_recompute(session_id=session_id)
    read = " ".join(q["sql"] for q in queries.captured_queries)
    assert "annotations_reliabilityreport" in read  # it did look
    for table in ("spanannotation", "agreementunit_spans", "goldspan_source_spans"):
        assert f'"annotations_{table}"' not in read


def test_small_chunks_store_what_one_chunk_stores(
    scenario, monkeypatch, django_capture_on_commit_callbacks
):
    session_id = scenario.session.pk
    with django_capture_on_commit_callbacks(execute=True):
        whole = from_scratch_state(session_id)
    monkeypatch.setattr(refresh, "CHUNK", 2)
    with django_capture_on_commit_callbacks(execute=True):
        assert from_scratch_state(session_id) == whole
