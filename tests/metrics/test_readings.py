"""Reading rules: reliable only with the lower bound above 0.8 and enough units."""

import pytest

from annotations.metrics.diagnostics import diagnostics, report_readings
from annotations.metrics.readings import WHY_NO_UNITS, WHY_ONE_CATEGORY, alpha_reading


def read(alpha, ci, units, **kw):
    return alpha_reading(subject="claim type", alpha=alpha, ci=ci, units=units, **kw)


def test_the_issue_case_reads_too_few_not_reliable():
    # α 0.9 with 95% CI 0.417 – 1.000 on 5 units: the old page said RELIABLE.
    reading = read(0.9, [0.417, 1.0], 5)
    assert reading.level == "too_few"
    assert reading.words == "too few units to tell"
    assert reading.band == "reliable"  # the estimate sits in the reliable band
    assert "5 units marked by two or more reviewers" in reading.sentence
    assert "at least 30 needed" in reading.sentence


@pytest.mark.parametrize(
    ("alpha", "ci", "units", "level"),
    [
        (0.9, [0.81, 0.95], 30, "reliable"),  # enough units, bound clears 0.8
        (0.9, [0.81, 0.95], 29, "too_few"),  # one unit short
        (0.9, [0.79, 0.97], 200, "tentative"),  # bound below 0.8
        (0.8, [0.8, 0.85], 200, "reliable"),  # bound exactly 0.8 clears it
        (0.7, [0.6, 0.8], 200, "tentative"),
        (0.66, [0.6, 0.7], 200, "unreliable"),
        (0.9, None, 200, "tentative"),  # no interval: at best tentative
        (None, None, 200, "undefined"),
    ],
)
def test_levels_on_small_and_large_n(alpha, ci, units, level):
    assert read(alpha, ci, units).level == level


def test_the_minimum_is_a_setting():
    assert read(0.9, [0.85, 0.95], 5, min_units=5).level == "reliable"
    assert read(0.9, [0.85, 0.95], 5, min_units=6).level == "too_few"


def test_undefined_says_why():
    none = read(None, None, 0)
    assert (none.level, none.why) == ("undefined", WHY_NO_UNITS)
    one = read(None, None, 12)
    assert one.why == WHY_ONE_CATEGORY
    assert one.sentence == (
        f"Agreement on claim type is undefined: {WHY_ONE_CATEGORY}."
    )
    assert one.as_dict()["words"] == "undefined"


def _payload(*, claim_n, units=4, reasons=None, pairable=4):
    per_label = {code: {"n": n, "alpha": None} for code, n in claim_n.items()}
    figures = {
        "pairable_units": pairable,
        "alpha": 0.5,
        "ci": [0.1, 0.9],
        "fleiss_kappa": None,
        "fleiss_units": 0,
        "pairs": [
            {"reviewer_a": "r1", "reviewer_b": "r2", "n": 0, "cohen_kappa": None}
        ],
        "per_label": per_label,
    }
    return {
        "labels": {"claim_type": figures},
        "counts": {"units": units, "reasons": reasons},
        "detection": {"overlap": {"micro_f1": 0.5}, "exact": {"micro_f1": None}},
    }


def test_diagnostics_each_a_sentence():
    reasons = {"none": 1, "boundary_only": 2, "boundary": 2}
    payload = _payload(claim_n={"fact": 9, "opinion": 1}, reasons=reasons)
    usage = {
        "claim_type": {
            "r1": {"fact": 5},
            "r2": {"fact": 4, "opinion": 1},
            "r3": {"opinion": 3, "forecast": 1},
        }
    }
    found = diagnostics(payload, min_units=30, usage=usage, names={})
    kinds = [d["kind"] for d in found]
    assert kinds == [
        "few_units",
        "boundaries",
        "label_skew",
        "reviewer_usage",
        "reviewer_usage",
    ]
    assert "4 units marked" in found[0]["sentence"]
    # 2 of the 3 units with a disagreement are boundary-only.
    assert "2 of 3 units with a disagreement" in found[1]["sentence"]
    assert "“fact” is 90% of the claim type values" in found[2]["sentence"]
    # r1: fact 5/5 = 100% against the others' 4/9 = 44%.
    assert found[3]["reviewer"] == "r1"
    assert "r1 uses “fact” far more often" in found[3]["sentence"]
    assert "100% of their claim type values against 44%" in found[3]["sentence"]
    # r3: fact 0/4 against 9/10 (the largest gap of r3's labels).
    assert "r3 uses “fact” far less often" in found[4]["sentence"]
    assert "0% of their claim type values against 90%" in found[4]["sentence"]


def test_no_diagnostic_on_balanced_plentiful_data():
    reasons = {"none": 30, "boundary_only": 1, "boundary": 1}
    payload = _payload(
        claim_n={"fact": 20, "opinion": 20}, units=40, reasons=reasons, pairable=40
    )
    usage = {
        "claim_type": {
            "r1": {"fact": 10, "opinion": 10},
            "r2": {"fact": 10, "opinion": 10},
        }
    }
    assert diagnostics(payload, min_units=30, usage=usage, names={}) == []


def test_report_readings_shape():
    readings = report_readings(_payload(claim_n={"fact": 2}), min_units=30)
    claim = readings["labels"]["claim_type"]
    assert claim["alpha"]["level"] == "too_few"
    assert claim["pairs"][0]["why"] == "n too small: no unit was marked by both"
    assert claim["per_label"]["fact"]["level"] == "undefined"
    assert readings["scale"]["reliable"] == 0.8
    assert (
        "exact" not in readings["detection"]["sentence"]
        or "undefined" in (readings["detection"]["sentence"])
    )


def test_counts_sentence():
    from annotations.metrics.diagnostics import counts_sentence

    counts = {
        "units": 4,
        "status": {"agreed": 2, "disputed": 1, "pending": 0, "adjudicated": 1},
        "reasons": {"missed_by": 1, "boundary_only": 1},
    }
    assert counts_sentence(counts) == (
        "Of 4 units, 2 agreed, 1 disputed, 0 pending and 1 adjudicated; "
        "1 missed by a reviewer, 1 differ only in boundaries."
    )
    assert counts_sentence({"units": 0}).startswith("No units yet")
