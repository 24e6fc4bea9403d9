"""The default label scheme (claim types, sourcing levels, article questions)."""

from django.db import transaction

from annotations.models import ClaimType, LabelScheme, SourcingLevel
from annotations.services.article_questions import scheme_questions_ensure_default

DEFAULT_SCHEME_SLUG = "default"

# (code, name, description, colour, shortcut) after Full Fact's claim types
# (Konstantinovskiy et al. 2021).
DEFAULT_CLAIM_TYPES = [
    (
        "quantity",
        "Quantity",
        "A number, amount, count or comparison of amounts.",
        "#1f77b4",
        "q",
    ),
    (
        "event_action",
        "Event / action",
        "Something that happened or someone did.",
        "#2ca02c",
        "e",
    ),
    (
        "quoted_statement",
        "Quoted statement",
        "What someone said, quoted or reported.",
        "#9467bd",
        "s",
    ),
    ("causal", "Causal", "One thing caused or led to another.", "#d62728", "c"),
    (
        "rule_or_agreement",
        "Rule / agreement",
        "A law, rule, deal, ceasefire or its terms.",
        "#8c564b",
        "r",
    ),
    (
        "prediction_or_plan",
        "Prediction / plan",
        "What will or is planned to happen.",
        "#e377c2",
        "p",
    ),
    (
        "opinion_not_claim",
        "Opinion (not a claim)",
        "Opinion or judgement; not checkable.",
        "#7f7f7f",
        "o",
    ),
    ("other", "Other", "A checkable claim of another kind.", "#bcbd22", "x"),
]

# (code, name, description, rank, shortcut); rank 1 is the best sourcing.
DEFAULT_SOURCING_LEVELS = [
    (
        "primary_document",
        "Primary document",
        "Backed by a document, record or data the reader can check.",
        1,
        "1",
    ),
    (
        "named_on_record",
        "Named, on record",
        "Attributed to a named person speaking on the record.",
        2,
        "2",
    ),
    (
        "named_institution",
        "Named institution",
        "Attributed to a named organisation, ministry or body.",
        3,
        "3",
    ),
    (
        "secondary_media",
        "Secondary media",
        "Attributed to another outlet's reporting.",
        4,
        "4",
    ),
    (
        "anonymous_vague",
        "Anonymous / vague",
        "'Sources', 'officials', 'analysts' with no name.",
        5,
        "5",
    ),
    ("unsupported", "Unsupported", "Stated with no attribution or evidence.", 6, "6"),
]


# Codes reliability scoring treats specially, looked up in a session's scheme:
# claim types that are not checkable claims (no sourcing score, no verdict), and
# the sourcing level of a claim stated with no attribution (the outlet's voice).
UNSCORED_CLAIM_TYPES = frozenset({"opinion_not_claim"})
UNSUPPORTED_LEVEL = "unsupported"


@transaction.atomic
def scheme_ensure_default() -> LabelScheme:
    """Create the default scheme if missing; existing labels are left as edited."""
    scheme, _ = LabelScheme.objects.get_or_create(
        slug=DEFAULT_SCHEME_SLUG,
        defaults={
            "name": "Claim type × sourcing quality (default)",
            "description": "Claim types after Full Fact; ordinal sourcing scale.",
        },
    )
    for position, (code, name, description, color, shortcut) in enumerate(
        DEFAULT_CLAIM_TYPES
    ):
        ClaimType.objects.get_or_create(
            scheme=scheme,
            code=code,
            defaults={
                "name": name,
                "description": description,
                "color": color,
                "shortcut": shortcut,
                "position": position,
            },
        )
    for code, name, description, rank, shortcut in DEFAULT_SOURCING_LEVELS:
        SourcingLevel.objects.get_or_create(
            scheme=scheme,
            code=code,
            defaults={
                "name": name,
                "description": description,
                "rank": rank,
                "shortcut": shortcut,
            },
        )
    scheme_questions_ensure_default(scheme)
    return scheme
