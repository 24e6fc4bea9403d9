"""The recompute after a decision, diffed against the rows it remembers, stores
exactly what a from-scratch computation stores."""

import random

from annotations.models import ReliabilityReport, ReliabilityScore
from annotations.services import reliability as service
from annotations.services.reliability import SCORE_FIELDS, reliability_recompute


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
