"""The reliability_report management command."""

import io

import pytest
from django.core.management import CommandError, call_command

from tests.plugins.reliability import A0, A2, A3, A4


def test_inline_report_prints_ranked_outlets_conflicts_trust_and_exclusions(scenario):
    out = io.StringIO()
    call_command("reliability_report", str(scenario.session.pk), "--inline", stdout=out)
    text = out.getvalue()
    outlets = text.split("Outlets by sourcing score")[1].split("Cited sources")[0]
    expected = [
        f"Unknown outlet ({A2})",
        f"Unknown outlet ({A3})",
        f"Unknown outlet ({A0})",
        f"Unknown outlet ({A4})",
        "Scouting Studys",
    ]
    lines = outlets.strip().splitlines()[1:]
    assert [line.split()[0] for line in lines] == ["1", "2", "3", "4", "5"]
    assert [name for line in lines for name in expected if name in line] == expected
    assert "0.550" in lines[0] and "n=5" in lines[0]
    assert "insufficient evidence" in lines[4] and "n=3" in lines[4]
    conflicts = text.split("Conflicting facts")[1].split("TruthFinder")[0]
    assert "'23':" in conflicts and "citing Pakistan" in conflicts
    assert "'58':" in conflicts and "citing Taliban" in conflicts
    assert "0.711" in text.split("TruthFinder trust")[1]
    assert "Excluded: 3 units (disputed 1, pending 1, rejected 1)" in text
    # Without --inline the stored report is printed as it is.
    again = io.StringIO()
    call_command("reliability_report", str(scenario.session.pk), stdout=again)
    assert again.getvalue() == text


def test_without_a_report_or_session_the_command_says_so(scenario):
    with pytest.raises(CommandError, match="no reliability report yet"):
        call_command("reliability_report", str(scenario.session.pk))
    with pytest.raises(CommandError, match="No session 999999"):
        call_command("reliability_report", "999999", "--inline")
