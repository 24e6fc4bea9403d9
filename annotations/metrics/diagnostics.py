"""A report's readings and diagnostics: one plain sentence per figure (pure).

Takes the stored agreement payload (plain JSON) and per-reviewer label
counts, and says how far each figure can be trusted (`metrics.readings`) and
what might be behind it: one category dominating, a reviewer who uses a label
far more or less than the others, disagreement mostly on boundaries, few units.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from annotations.metrics.readings import (
    DEFAULT_MIN_UNITS,
    RELIABLE,
    TENTATIVE,
    WORDS,
    alpha_reading,
    units_words,
)

SKEW_SHARE = 0.8  # one category this share of all values: label skew
SKEW_MIN_VALUES = 5
USAGE_GAP = 0.3  # a reviewer's share of a label this far from the others'
USAGE_MIN_VALUES = 3
LABEL_DIMENSIONS = ("claim_type", "sourcing_quality")

Usage = Mapping[str, Mapping[str, Mapping[str, int]]]  # dimension→reviewer→code→n
Names = Mapping[str, Mapping[str, str]]  # dimension → code → display name


def _subject(dimension: str) -> str:
    return dimension.replace("_", " ")


def _name(names: Names, dimension: str, code: str) -> str:
    return names.get(dimension, {}).get(code) or code.replace("_", " ")


def _percent(share: float) -> str:
    return f"{round(share * 100)}%"


def dimension_readings(
    dimension: str, figures: dict[str, Any], *, min_units: int, names: Names
) -> dict[str, Any]:
    """Readings of one dimension's alpha, Fleiss' kappa, pairs and per-label alphas."""
    subject = _subject(dimension)
    units = figures["pairable_units"]
    result: dict[str, Any] = {
        "alpha": alpha_reading(
            subject=subject,
            alpha=figures["alpha"],
            ci=figures["ci"],
            units=units,
            min_units=min_units,
        ).as_dict(),
        "fleiss_kappa": alpha_reading(
            subject=f"{subject} (every reviewer, Fleiss' κ)",
            alpha=figures["fleiss_kappa"],
            ci=None,
            units=figures["fleiss_units"],
            min_units=min_units,
            symbol="κ",
        ).as_dict(),
        "pairs": [
            {
                "reviewer_a": pair["reviewer_a"],
                "reviewer_b": pair["reviewer_b"],
                **alpha_reading(
                    subject=f"{subject} ({pair['reviewer_a']} and "
                    f"{pair['reviewer_b']}, Cohen's κ)",
                    alpha=pair["cohen_kappa"],
                    ci=None,
                    units=pair["n"],
                    min_units=min_units,
                    symbol="κ",
                    why="n too small: no unit was marked by both"
                    if pair["n"] == 0
                    else None,
                ).as_dict(),
            }
            for pair in figures["pairs"]
        ],
    }
    if "per_label" in figures:
        result["per_label"] = {
            code: alpha_reading(
                subject=f"{subject} “{_name(names, dimension, code)}” (yes or no)",
                alpha=item["alpha"],
                ci=None,
                units=units,
                min_units=min_units,
            ).as_dict()
            for code, item in figures["per_label"].items()
        }
    return result


def detection_sentence(detection: dict[str, Any]) -> str:
    """One sentence on span detection F1 (overlap and exact offsets)."""
    overlap = detection.get("overlap", {}).get("micro_f1")
    exact = detection.get("exact", {}).get("micro_f1")
    if overlap is None:
        return (
            "Span detection F1 is undefined: n too small, it needs two reviewers "
            "who marked or finished the same article."
        )
    exact_words = "undefined" if exact is None else f"{exact:.3f}"
    return (
        f"Reviewers mark the same claims with an F1 of {overlap:.3f} when "
        f"overlapping spans count as a match, {exact_words} when only identical "
        "offsets do."
    )


def counts_sentence(counts: dict[str, Any]) -> str:
    """One sentence on the units: how many disputed, and on what."""
    units = counts.get("units", 0)
    if not units:
        return "No units yet: nothing has been marked by a reviewer."
    status = counts.get("status", {})
    sentence = (
        f"Of {units_words(units)}, {status.get('agreed', 0)} agreed, "
        f"{status.get('disputed', 0)} disputed, {status.get('pending', 0)} pending "
        f"and {status.get('adjudicated', 0)} adjudicated"
    )
    reasons = counts.get("reasons")
    if reasons:
        sentence += (
            f"; {reasons['missed_by']} missed by a reviewer, "
            f"{reasons['boundary_only']} differ only in boundaries"
        )
    return sentence + "."


def diagnostics(
    payload: dict[str, Any], *, min_units: int, usage: Usage, names: Names
) -> list[dict[str, Any]]:
    """Sentences on what may be behind the figures, most general first."""
    found = _few_units(payload, min_units)
    found += _boundaries(payload)
    for dimension in LABEL_DIMENSIONS:
        found += _skew(payload, dimension, names)
        found += _usage(usage.get(dimension, {}), dimension, names)
    return found


def _few_units(payload: dict[str, Any], min_units: int) -> list[dict[str, Any]]:
    units = max(
        (figures["pairable_units"] for figures in payload["labels"].values()),
        default=0,
    )
    if units >= min_units:
        return []
    return [
        {
            "kind": "few_units",
            "sentence": f"Few units: {units_words(units)} marked by two or more "
            f"reviewers, and a firm reading needs at least {min_units}; "
            "treat every figure here as provisional.",
        }
    ]


def _boundaries(payload: dict[str, Any]) -> list[dict[str, Any]]:
    reasons = payload["counts"].get("reasons")
    if not reasons:
        return []
    disagreeing = payload["counts"]["units"] - reasons["none"]
    only = reasons["boundary_only"]
    if disagreeing == 0 or only * 2 <= disagreeing:
        return []
    return [
        {
            "kind": "boundaries",
            "sentence": f"Disagreement is mostly on boundaries: {only} of "
            f"{units_words(disagreeing)} with a disagreement differ only in where "
            "the claim starts or ends, not in what it is.",
        }
    ]


def _skew(payload: dict[str, Any], dimension: str, names: Names) -> list[dict]:
    per_label = payload["labels"].get(dimension, {}).get("per_label", {})
    total = sum(item["n"] for item in per_label.values())
    if total < SKEW_MIN_VALUES:
        return []
    code, item = max(per_label.items(), key=lambda entry: (entry[1]["n"], entry[0]))
    share = item["n"] / total
    if share < SKEW_SHARE:
        return []
    return [
        {
            "kind": "label_skew",
            "dimension": dimension,
            "label": code,
            "sentence": f"Label skew: “{_name(names, dimension, code)}” is "
            f"{_percent(share)} of the {_subject(dimension)} values; with one "
            "category dominating, α swings widely on the few other values.",
        }
    ]


def _usage(
    by_reviewer: Mapping[str, Mapping[str, int]], dimension: str, names: Names
) -> list[dict[str, Any]]:
    """Per reviewer, the label whose share differs most from the others' share."""
    found = []
    for reviewer in sorted(by_reviewer):
        own = by_reviewer[reviewer]
        own_total = sum(own.values())
        others: dict[str, int] = {}
        for name, counts in by_reviewer.items():
            if name != reviewer:
                for code, count in counts.items():
                    others[code] = others.get(code, 0) + count
        others_total = sum(others.values())
        if own_total < USAGE_MIN_VALUES or others_total < USAGE_MIN_VALUES:
            continue
        gaps = [
            (own.get(code, 0) / own_total - others.get(code, 0) / others_total, code)
            for code in sorted(set(own) | set(others))
        ]
        gap, code = max(gaps, key=lambda item: (abs(item[0]), item[1]))
        if abs(gap) < USAGE_GAP:
            continue
        mine = own.get(code, 0) / own_total
        theirs = others.get(code, 0) / others_total
        found.append(
            {
                "kind": "reviewer_usage",
                "dimension": dimension,
                "reviewer": reviewer,
                "label": code,
                "sentence": f"{reviewer} uses “{_name(names, dimension, code)}” far "
                f"{'more' if gap > 0 else 'less'} often than the others: "
                f"{_percent(mine)} of their {_subject(dimension)} values against "
                f"{_percent(theirs)}.",
            }
        )
    return found


def report_readings(
    payload: dict[str, Any],
    *,
    min_units: int = DEFAULT_MIN_UNITS,
    usage: Usage | None = None,
    names: Names | None = None,
) -> dict[str, Any]:
    """Everything the dashboard says about a report, beside its figures."""
    names = names or {}
    return {
        "scale": {"reliable": RELIABLE, "tentative": TENTATIVE, "words": WORDS},
        "min_units": min_units,
        "labels": {
            dimension: dimension_readings(
                dimension, figures, min_units=min_units, names=names
            )
            for dimension, figures in payload["labels"].items()
        },
        "detection": {"sentence": detection_sentence(payload["detection"])},
        "counts": {"sentence": counts_sentence(payload["counts"])},
        "diagnostics": diagnostics(
            payload, min_units=min_units, usage=usage or {}, names=names
        ),
    }
