"""The agreement_report command prints the stored or inline tables."""

import pytest
from django.core.management import CommandError, call_command

from annotations.services.agreement import agreement_recompute
from annotations.services.spans import annotation_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def marked(team_session, emoji_article, reviewer_a, reviewer_b, reviewer_c):
    for user, claim in (
        (reviewer_a, "quoted_statement"),
        (reviewer_b, "quoted_statement"),
        (reviewer_c, "quoted_statement"),
    ):
        for phrase in ("the talks are over", "Tarar agreed"):
            start = emoji_article.text.index(phrase)
            annotation_create(
                session_id=team_session.pk,
                article_id=emoji_article.pk,
                reviewer=user,
                start=start,
                end=start + len(phrase),
                quote=phrase,
                claim_type=claim if phrase != "Tarar agreed" else "event_action",
                sourcing_quality="named_on_record",
            )
    return team_session


def test_inline_report_prints_alpha_reading_f1_and_kappa_matrix(marked, capsys):
    call_command("agreement_report", str(marked.pk), "--inline", "--draws", "50")
    out = capsys.readouterr().out
    # Unanimous labels on two units: alpha = 1, reliable; exact F1 = 1.
    assert "computed inline" in out
    claim_line = next(
        line for line in out.splitlines() if line.startswith("claim_type")
    )
    assert "1.000" in claim_line and "reliable (>= 0.800)" in claim_line
    exact_line = next(line for line in out.splitlines() if line.startswith("exact"))
    assert exact_line.split()[1:4] == ["1.000", "1.000", "1.000"]
    assert "Cohen's kappa matrix (claim_type)" in out
    assert "units 2" in out


def test_stored_report_needs_a_computed_report(marked, capsys):
    with pytest.raises(CommandError, match="No stored report"):
        call_command("agreement_report", str(marked.pk))
    agreement_recompute(session_id=marked.pk, bootstrap_draws=50)
    call_command("agreement_report", str(marked.pk), "--stored")
    out = capsys.readouterr().out
    assert "stored" in out and "STALE" not in out
    assert "pending  agreed  disputed  adjudicated" in out


def test_unknown_session_or_article_is_a_clear_error(marked):
    with pytest.raises(CommandError, match="No session"):
        call_command("agreement_report", "999999")
    with pytest.raises(CommandError, match="not in session"):
        call_command("agreement_report", str(marked.pk), "--article", "999999")
