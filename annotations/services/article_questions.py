"""Article questions of a label scheme: the shipped defaults and the value rules.

A question is `nominal` (one option code), `ordinal` (one point of its ordered
options, worst first), `multi` (a list of distinct option codes; `[]` is an
answer: none of them) or `boolean` (JSON true/false; its options are the
fixed yes/no below, shown in that order).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from annotations.models import ArticleQuestion, LabelScheme

QUESTION_TYPES = tuple(ArticleQuestion.Type.values)
BOOLEAN_OPTIONS = ArticleQuestion.shown_options("boolean", [])
MAX_OPTIONS = 30

_LIKERT_AGREE = [
    {"code": "not_at_all", "label": "Not at all"},
    {"code": "slightly", "label": "Slightly"},
    {"code": "somewhat", "label": "Somewhat"},
    {"code": "mostly", "label": "Mostly"},
    {"code": "completely", "label": "Completely"},
]

# (code, prompt, type, options, help) after the Credibility Coalition's
# indicators (Zhang et al. 2018, "A Structured Response to Misinformation").
DEFAULT_ARTICLE_QUESTIONS = [
    (
        "title_representativeness",
        "Does the title represent the article's content?",
        "ordinal",
        _LIKERT_AGREE,
        "How well the headline matches what the body actually reports.",
    ),
    (
        "clickbait_headline",
        "Is the headline clickbait? If so, of which genre?",
        "nominal",
        [
            {"code": "no", "label": "No"},
            {"code": "curiosity_gap", "label": "Yes: curiosity gap"},
            {"code": "exaggeration", "label": "Yes: exaggeration"},
            {"code": "listicle", "label": "Yes: listicle"},
            {"code": "question", "label": "Yes: teasing question"},
            {"code": "other", "label": "Yes: other"},
        ],
        "Clickbait withholds or inflates information to make readers click.",
    ),
    (
        "emotional_tone",
        "How emotionally charged is the tone?",
        "ordinal",
        [
            {"code": "neutral", "label": "Neutral"},
            {"code": "slightly", "label": "Slightly charged"},
            {"code": "somewhat", "label": "Somewhat charged"},
            {"code": "very", "label": "Very charged"},
            {"code": "extremely", "label": "Extremely charged"},
        ],
        "Loaded words, exclamations and appeals to fear or anger.",
    ),
    (
        "source_types",
        "Which kinds of sources does the article cite?",
        "multi",
        [
            {"code": "none", "label": "None"},
            {"code": "experts", "label": "Experts"},
            {"code": "studies", "label": "Studies / data"},
            {"code": "organisations", "label": "Organisations"},
            {"code": "other", "label": "Other"},
        ],
        "Tick every kind cited at least once; 'None' alone when nothing is cited.",
    ),
    (
        "confidence_calibration",
        "Is the confidence of the claims calibrated to the evidence?",
        "ordinal",
        _LIKERT_AGREE,
        "Hedged where evidence is thin, firm where it is strong.",
    ),
    (
        "non_original_attributed",
        "Is non-original content (quotes, data, images) attributed?",
        "boolean",
        [],
        "Yes when everything taken from elsewhere names where it came from.",
    ),
]


def question_options_check(*, type: str, options: Any) -> None:
    """ValidationError naming `options` unless they suit the question type."""
    if type not in QUESTION_TYPES:
        raise ValidationError({"type": f"Must be one of {', '.join(QUESTION_TYPES)}."})
    if type == "boolean":
        if options not in ([], None, BOOLEAN_OPTIONS):
            raise ValidationError(
                {"options": "A boolean question has the fixed options yes/no: []."}
            )
        return
    if not isinstance(options, list) or not 2 <= len(options) <= MAX_OPTIONS:
        raise ValidationError(
            {"options": f"A list of 2 to {MAX_OPTIONS} {{code, label}} objects."}
        )
    codes = []
    for option in options:
        if (
            not isinstance(option, dict)
            or set(option) != {"code", "label"}
            or not all(isinstance(option[k], str) and option[k] for k in option)
        ):
            raise ValidationError(
                {"options": 'Each option is {"code": "...", "label": "..."}.'}
            )
        codes.append(option["code"])
    if len(set(codes)) != len(codes):
        raise ValidationError({"options": "Option codes must be distinct."})


def question_options(question: dict) -> list[dict]:
    """The ordered options a client shows (boolean: the fixed yes/no)."""
    return ArticleQuestion.shown_options(question["type"], question["options"])


def answer_value_clean(question: dict, value: Any, *, field: str) -> Any:
    """The stored form of one answer, or ValidationError naming `field`."""
    kind = question["type"]
    codes = [option["code"] for option in question_options(question)]
    if kind == "boolean":
        if not isinstance(value, bool):
            raise ValidationError({field: "Must be true or false."})
        return value
    if kind == "multi":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValidationError({field: "Must be a list of option codes."})
        unknown = [v for v in value if v not in codes]
        if unknown:
            raise ValidationError(
                {field: f"Not an option: {unknown[0]!r}; one of {', '.join(codes)}."}
            )
        if len(set(value)) != len(value):
            raise ValidationError({field: "Each option at most once."})
        # Stored in the options' order, so equal sets are equal values.
        return [code for code in codes if code in value]
    if not isinstance(value, str):
        raise ValidationError({field: "Must be an option code (a string)."})
    if value not in codes:
        raise ValidationError(
            {field: f"Not an option: {value!r}; one of {', '.join(codes)}."}
        )
    return value


@transaction.atomic
def scheme_questions_ensure_default(scheme: LabelScheme) -> None:
    """Add the shipped questions missing from `scheme`; edited ones stay."""
    for position, (code, prompt, kind, options, help_text) in enumerate(
        DEFAULT_ARTICLE_QUESTIONS
    ):
        ArticleQuestion.objects.get_or_create(
            scheme=scheme,
            code=code,
            defaults={
                "prompt": prompt,
                "type": kind,
                "options": options,
                "help": help_text,
                "position": position,
            },
        )
