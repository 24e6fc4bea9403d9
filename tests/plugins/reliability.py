"""The scripted adjudication of the seed corpus that the reliability tests use."""

from dataclasses import dataclass, field

import pytest
from django.contrib.auth import get_user_model

from annotations.models import (
    AgreementStatus,
    AgreementUnit,
    Article,
    ClaimType,
    SourcingLevel,
    SpanAnnotation,
)
from annotations.services.adjudication import gold_decide
from annotations.services.seeds import demo_setup

A0 = "000_c43f585b11b5d67a"  # no outlet stated
SCOUTING = "001_cefd5e004259460d"  # Scouting Studys
A2 = "002_1e89a9c121f4638c"
A3 = "003_347a960315ef51da"
A4 = "004_d19e2e32b61d3b8d"
SOLDIERS = "Pakistani soldiers killed in the October clashes"
TALKS_OVER = "Asif declared the talks over"

# (article, phrase, claim type, sourcing, cited source, verdict, facts)
# Sourcing scores: named_on_record 0.8, named_institution 0.6, secondary_media
# 0.4, anonymous_vague 0.2, unsupported 0.0, primary_document 1.0.
GOLD_CLAIMS = [
    (
        A0,
        "Dozens of people were reportedly killed in those confrontations",
        "quantity",
        "anonymous_vague",
        "",
        "supported",
        [],
    ),
    (
        A0,
        "analysts warn that without a structured and enforceable agreement",
        "prediction_or_plan",
        "anonymous_vague",
        "analysts",
        "",
        [],
    ),
    (
        A0,
        "The ceasefire that has been established has not been violated by us",
        "quoted_statement",
        "named_on_record",
        "Zabihullah Mujahid",
        "contradicted",
        [],
    ),
    (
        SCOUTING,
        "According to diplomatic sources, talks broke down",
        "event_action",
        "anonymous_vague",
        "diplomatic sources",
        "",
        [],
    ),
    (
        SCOUTING,
        "Afghan officials reportedly rejected the demand",
        "quoted_statement",
        "anonymous_vague",
        "Afghan officials",
        "",
        [],
    ),
    (
        SCOUTING,
        "Pakistan has recorded an increase in attacks targeting its police",
        "quantity",
        "unsupported",
        "",
        "",
        [],
    ),
    (
        A2,
        "Pakistan acknowledged losing 23 troops",
        "quantity",
        "named_institution",
        "Pakistan",
        "supported",
        [(SOLDIERS, "23")],
    ),
    (
        A2,
        "Afghan officials reported at least 58 soldiers killed",
        "quantity",
        "anonymous_vague",
        "Afghan officials",
        "contradicted",
        [(SOLDIERS, "58")],
    ),
    (
        A2,
        'Khawaja Asif confirmed to Geo News that "the talks are over"',
        "quoted_statement",
        "named_on_record",
        "Khawaja Asif",
        "",
        [(TALKS_OVER, "the talks are over")],
    ),
    (
        A2,
        "a 2025 United Nations report found that the TTP",
        "event_action",
        "primary_document",
        "United Nations report",
        "",
        [],
    ),
    (
        A2,
        "there have been eight Joint Coordination Committee sessions",
        "quantity",
        "secondary_media",
        "Eurasia Review",
        "",
        [],
    ),
    (
        A3,
        "claiming to have killed 58 Pakistani soldiers",
        "quantity",
        "named_institution",
        "Taliban",
        "contradicted",
        [(SOLDIERS, "58")],
    ),
    (
        A3,
        "Islamabad confirmed 23 fatalities",
        "quantity",
        "named_institution",
        "Islamabad",
        "supported",
        [(SOLDIERS, "23")],
    ),
    (
        A3,
        "the Pakistani army reported 23 soldiers killed and 29 injured",
        "quantity",
        "named_institution",
        "Pakistani army",
        "",
        [],
    ),
    (
        A3,
        "Asif bluntly declared that “the talks are over,”",
        "quoted_statement",
        "named_on_record",
        "Asif",
        "",
        [(TALKS_OVER, "the talks are over")],
    ),
    (
        A3,
        "recent clashes have left 50 Afghan civilians dead and over 440 wounded",
        "quantity",
        "named_institution",
        "United Nations",
        "",
        [],
    ),
    (
        A3,
        "Local witnesses said gunfire and explosions lasted several hours",
        "event_action",
        "anonymous_vague",
        "Local witnesses",
        "",
        [],
    ),
    (
        A4,
        "Attaullah Tarar, confirmed the failure in a statement",
        "event_action",
        "named_on_record",
        "Attaullah Tarar",
        "",
        [],
    ),
    (
        A4,
        "even claiming that the host countries acknowledged the fairness",
        "quoted_statement",
        "anonymous_vague",
        "a Pakistani security official involved in the negotiations",
        "",
        [],
    ),
    (
        A4,
        "at least 17 civilians were killed and 346 injured",
        "quantity",
        "named_institution",
        "UNAMA",
        "",
        [],
    ),
    (
        A4,
        "Pakistan is Afghanistan’s largest trading partner",
        "other",
        "named_institution",
        "United States Institute of Peace",
        "",
        [],
    ),
    (
        A4,
        "a failure to reach an agreement could lead to “open war,”",
        "prediction_or_plan",
        "anonymous_vague",
        "one Pakistani official",
        "",
        [],
    ),
    (
        A4,
        "signals not just a diplomatic setback but a deep-seated chasm of mistrust",
        "opinion_not_claim",
        "unsupported",
        "",
        "",
        [],
    ),
]
# Agreed units (no gold): every reviewer gave the claim type and sourcing.
AGREED_CLAIMS = [
    (
        A0,
        "Zabihullah Mujahid, confirmed the development on Saturday",
        "event_action",
        "named_on_record",
        ["Zabihullah Mujahid", "Zabihullah Mujahid", "Zabihullah Mujahid"],
    ),
    (
        A0,
        "Khawaja Muhammad Asif also confirmed that the negotiations",
        "event_action",
        "named_on_record",
        ["Khawaja Muhammad Asif", "Khawaja Muhammad Asif", "Khawaja Asif"],
    ),
]
REJECTED_PHRASE = "The immediate priority remains upholding the fragile ceasefire"
DISPUTED_PHRASE = (
    "Islamabad claims that many attackers retreat across the Afghan border"
)
PENDING_PHRASE = "more than one million Afghan nationals have been deported"


def phrase_offsets(text: str, phrase: str) -> tuple[int, int]:
    """Code point offsets of a phrase that occurs exactly once in the text."""
    assert text.count(phrase) == 1, phrase
    start = text.index(phrase)
    return start, start + len(phrase)


@dataclass
class Scenario:
    session: object
    reviewers: list
    adjudicator: object
    articles: dict
    gold: dict = field(default_factory=dict)  # phrase -> GoldSpan
    units: dict = field(default_factory=dict)  # phrase -> AgreementUnit

    def make_unit(self, article_key, phrase, versions, status):
        """A unit whose members are `versions`: (reviewer, claim type, level, src)."""
        article = self.articles[article_key]
        start, end = phrase_offsets(article.text, phrase)
        scheme = self.session.scheme
        spans = [
            SpanAnnotation.objects.create(
                session=self.session,
                article=article,
                reviewer=reviewer,
                start=start,
                end=end,
                quote=article.text[start:end],
                claim_type=ClaimType.objects.get(scheme=scheme, code=claim_type),
                sourcing_quality=SourcingLevel.objects.get(scheme=scheme, code=level),
                cited_source=cited,
            )
            for reviewer, claim_type, level, cited in versions
        ]
        unit = AgreementUnit.objects.create(
            session=self.session,
            article=article,
            key=f"{article.pk}:{start}-{end}",
            start=start,
            end=end,
            status=status,
            reviewer_count=len(spans),
        )
        unit.spans.set(spans)
        self.units[phrase] = unit
        return unit, spans

    def decide(self, phrase, **kwargs):
        unit = self.units[phrase]
        gold = gold_decide(unit_id=unit.pk, adjudicator=self.adjudicator, **kwargs)
        self.gold[phrase] = gold
        return gold


def build_scenario() -> Scenario:
    session = demo_setup()
    users = get_user_model().objects
    reviewers = [
        users.get(username=name) for name in ("reviewer1", "reviewer2", "reviewer3")
    ]
    r1, r2, r3 = reviewers
    scenario = Scenario(
        session=session,
        reviewers=reviewers,
        adjudicator=users.get(username="adjudicator"),
        articles={a.external_id: a for a in Article.objects.all()},
    )
    for article, phrase, claim_type, level, cited, verdict, facts in GOLD_CLAIMS:
        # reviewer3 rates every claim of article 002 "unsupported": disputed.
        level3 = "unsupported" if article == A2 else level
        _, spans = scenario.make_unit(
            article,
            phrase,
            [
                (r1, claim_type, level, cited),
                (r2, claim_type, level, cited),
                (r3, claim_type, level3, cited),
            ],
            AgreementStatus.DISPUTED,
        )
        scenario.decide(
            phrase,
            decision="accepted",
            accept_span_id=spans[0].pk,
            verdict=verdict,
            fact_links=[{"label": label, "value": value} for label, value in facts],
        )
    for article, phrase, claim_type, level, cited_sources in AGREED_CLAIMS:
        scenario.make_unit(
            article,
            phrase,
            [
                (reviewer, claim_type, level, cited)
                for reviewer, cited in zip(reviewers, cited_sources, strict=True)
            ],
            AgreementStatus.AGREED,
        )
    scenario.make_unit(
        A4,
        REJECTED_PHRASE,
        [(r, "event_action", "unsupported", "") for r in reviewers],
        AgreementStatus.DISPUTED,
    )
    scenario.decide(REJECTED_PHRASE, decision="rejected")
    scenario.make_unit(
        SCOUTING,
        DISPUTED_PHRASE,
        [
            (r1, "event_action", "unsupported", ""),
            (r2, "quoted_statement", "named_institution", "Islamabad"),
        ],
        AgreementStatus.DISPUTED,
    )
    scenario.make_unit(
        A2,
        PENDING_PHRASE,
        [(r1, "quantity", "named_institution", "Pakistani authorities")],
        AgreementStatus.PENDING,
    )
    return scenario


@pytest.fixture
def fast_reliability(settings):
    """Defaults except fewer bootstrap draws (the interval is not under test)."""
    settings.RELIABILITY_PRIOR_STRENGTH = 5
    settings.RELIABILITY_MIN_N = 5
    settings.RELIABILITY_BOOTSTRAP_DRAWS = 200
    return settings


@pytest.fixture
def scenario(db, fast_reliability) -> Scenario:
    return build_scenario()
