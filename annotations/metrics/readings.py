"""How far a figure can be trusted: the reading rules and their sentences (pure).

One scale for every coefficient (Krippendorff 2004, p. 241): at or above
0.800 reliable, from 0.667 tentative conclusions only, below that not
reliable. An alpha *reads* "reliable" only when the lower bound of its 95%
interval clears 0.800 and enough units are pairable (the session's
``reading_min_units``, 30 by default, after INCEpTION's diagnostics); a
figure without an interval is at best "tentative". Too few pairable units
read "too few units to tell", whatever the estimate. An undefined figure
reads "undefined" and says why.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

RELIABLE = 0.800
TENTATIVE = 0.667
DEFAULT_MIN_UNITS = 30

WORDS = {
    "reliable": "reliable",
    "tentative": "tentative",
    "unreliable": "not reliable",
    "too_few": "too few units to tell",
    "undefined": "undefined",
}
WHY_NO_UNITS = "n too small: no unit was marked by two or more reviewers"
WHY_ONE_CATEGORY = "only one category was used, so there is no variation to measure"


@dataclass(frozen=True)
class Reading:
    """A figure's reading: its level, the level in words, a sentence and why."""

    level: str  # a key of WORDS
    band: str  # where the estimate falls on the scale (or "undefined")
    sentence: str
    why: str | None = None  # for "undefined": why the figure has no value

    @property
    def words(self) -> str:
        return WORDS[self.level]

    def as_dict(self) -> dict:
        return {**asdict(self), "words": self.words}


def band(value: float | None) -> str:
    """Where an estimate falls on the scale: reliable, tentative, unreliable."""
    if value is None:
        return "undefined"
    if value >= RELIABLE:
        return "reliable"
    if value >= TENTATIVE:
        return "tentative"
    return "unreliable"


def undefined_why(*, units: int) -> str:
    """Why a coefficient is undefined: nothing to pair, or no variation."""
    return WHY_NO_UNITS if units == 0 else WHY_ONE_CATEGORY


def fmt(value: float) -> str:
    return f"{value:.3f}"


def units_words(units: int) -> str:
    return f"{units} unit" if units == 1 else f"{units} units"


def alpha_reading(
    *,
    subject: str,
    alpha: float | None,
    ci: tuple[float | None, float | None] | list | None,
    units: int,
    min_units: int = DEFAULT_MIN_UNITS,
    symbol: str = "α",
    why: str | None = None,
) -> Reading:
    """The reading of one coefficient over ``units`` pairable units.

    ``subject`` completes "Reviewers agree on ..."; ``ci`` is the 95%
    interval or None (then the reading is at best tentative); ``why``
    overrides the derived reason of an undefined figure.
    """
    if alpha is None:
        reason = why or undefined_why(units=units)
        return Reading(
            "undefined",
            "undefined",
            f"Agreement on {subject} is undefined: {reason}.",
            reason,
        )
    value = f"{symbol} = {fmt(alpha)}"
    low = ci[0] if ci else None
    if units < min_units:
        return Reading(
            "too_few",
            band(alpha),
            f"Too few units to tell how well reviewers agree on {subject}: "
            f"{units_words(units)} marked by two or more reviewers, at least "
            f"{min_units} needed ({value} so far).",
        )
    if alpha < TENTATIVE:
        return Reading(
            "unreliable",
            band(alpha),
            f"Reviewers do not agree on {subject} well enough to rely on: "
            f"{value} is below {TENTATIVE}.",
        )
    if low is not None and low >= RELIABLE:
        return Reading(
            "reliable",
            band(alpha),
            f"Reviewers agree on {subject} reliably: {value}, and even the low "
            f"end of its 95% interval ({fmt(low)}) clears {RELIABLE:.3f}.",
        )
    if low is None:
        detail = "no interval is computed for this figure, so it stays tentative"
    else:
        detail = f"its 95% interval reaches down to {fmt(low)}, below {RELIABLE:.3f}"
    return Reading(
        "tentative",
        band(alpha),
        f"Reviewers agree on {subject} only tentatively: {value}, but {detail}; "
        "draw tentative conclusions only.",
    )
