"""ClaimReview export: valid schema.org JSON-LD, one Claim per fact, verdicts only."""

import json
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
from pyld import jsonld

from annotations.exporters.claimreview import (
    BUNDLED_CONTEXT,
    OA_VOCAB,
    SCHEMA_CONTEXT_URL,
    WB_VOCAB,
    FactClusters,
    author_type,
    earliest_article,
    shorten_claim,
)
from annotations.models import GoldSpan, SourceAlias
from annotations.services import recompute
from annotations.services.adjudication import gold_decide
from annotations.services.article_answers import answers_put, gold_answers_put
from tests.factories import ArticleFactory, OutletFactory, session_with_team
from tests.helpers.exports import export_response, export_text
from tests.plugins.adjudication import make_span, make_unit

SCHEMA = "http://schema.org/"
DAWN_TEXT = (
    "The army said 23 soldiers were killed near the border on Friday, "
    "while diplomatic sources said the talks in Istanbul had collapsed after "
    "four days of negotiations that both delegations had described as the "
    "last chance for a ceasefire. Inter-Services Public Relations gave no names."
)
TRIBUNE_TEXT = (
    "Khawaja Asif said 23 soldiers died in the clash 😀, and the ministry "
    "promised an inquiry."
)
LONG_CLAIM = (
    "the talks in Istanbul had collapsed after four days of negotiations that "
    "both delegations had described as the last chance for a ceasefire"
)


def offline_loader():
    """Serve the bundled schema.org context for every spelling of its URL."""
    document = json.loads(BUNDLED_CONTEXT.read_text())
    served = {SCHEMA_CONTEXT_URL, SCHEMA_CONTEXT_URL + "/", "http://schema.org/"}

    def load(url, options=None):
        if url not in served:
            raise AssertionError(f"tried to fetch {url}")
        return {"contextUrl": None, "documentUrl": url, "document": document}

    return load


def expand(document):
    return jsonld.expand(document, {"documentLoader": offline_loader()})


def one(node, prop):
    values = node[prop if ":" in prop else SCHEMA + prop]
    assert len(values) == 1, (prop, values)
    return values[0]


@pytest.fixture
def verdicts(db, reviewer_a, reviewer_b, adjudicator, monkeypatch):
    """Two outlets report one fact (23 soldiers); other verdicts around it."""
    monkeypatch.setattr(recompute, "agreement_enqueue", lambda **kwargs: None)
    SourceAlias.objects.create(
        alias="Inter-Services Public Relations", canonical="ISPR"
    )
    dawn = ArticleFactory(
        external_id="dawn-2025-11-08",
        text=DAWN_TEXT,
        outlet=OutletFactory(name="Dawn", domain="dawn.com"),
        title="Talks collapse",
        url="https://www.dawn.com/news/talks",
        published_date=date(2025, 11, 8),
    )
    tribune = ArticleFactory(
        external_id="tribune-2025-11-09",
        text=TRIBUNE_TEXT,
        outlet=OutletFactory(name="The Express Tribune", domain="tribune.com.pk"),
        title="Clash toll",
        url="https://tribune.com.pk/story/clash",
        published_date=date(2025, 11, 9),
    )
    session = session_with_team(
        articles=[tribune, dawn],
        reviewers=[reviewer_a, reviewer_b],
        adjudicators=[adjudicator],
    )

    def unit_of(article, quote, claim_type, sourcing, cited, key):
        span = make_span(
            session, article, reviewer_a, quote, claim_type, sourcing, cited
        )
        return make_unit(session, article, key, [span]), span

    def decide(unit, span, **extra):
        return gold_decide(
            unit_id=unit.pk,
            adjudicator=adjudicator,
            decision="accepted",
            accept_span_id=span.pk,
            **extra,
        )

    # The fact, first in Dawn (Nov 8), then in the Tribune (Nov 9).
    dawn_soldiers = decide(
        *unit_of(
            dawn,
            "23 soldiers were killed",
            "quantity",
            "named_institution",
            "the army",
            "dawn-soldiers",
        ),
        verdict="supported",
        fact_links=[{"label": "Soldiers killed", "value": "23"}],
    )
    fact = dawn_soldiers.fact_links.get().fact
    tribune_soldiers = decide(
        *unit_of(
            tribune,
            "23 soldiers died in the clash",
            "quantity",
            "named_on_record",
            "Khawaja Asif",
            "tribune-soldiers",
        ),
        verdict="contradicted",
        fact_links=[{"fact": fact.pk, "value": "23"}],
    )
    vague = decide(
        *unit_of(
            dawn,
            LONG_CLAIM,
            "event_action",
            "anonymous_vague",
            "diplomatic sources",
            "dawn-talks",
        ),
        verdict="unverifiable",
    )
    aliased = decide(
        *unit_of(
            dawn,
            "gave no names",
            "event_action",
            "anonymous_vague",
            "inter services public relations",
            "dawn-names",
        ),
        verdict="supported",
    )
    no_verdict = decide(
        *unit_of(
            tribune,
            "the ministry promised an inquiry",
            "prediction_or_plan",
            "named_institution",
            "the ministry",
            "tribune-inquiry",
        )
    )
    rejected_unit, _ = unit_of(
        dawn, "on Friday", "event_action", "unsupported", "", "dawn-friday"
    )
    rejected = gold_decide(
        unit_id=rejected_unit.pk, adjudicator=adjudicator, decision="rejected"
    )
    # An imported decision could carry a verdict on a rejection: still no claim.
    GoldSpan.objects.filter(pk=rejected.pk).update(verdict="supported")
    GoldSpan.objects.filter(pk=dawn_soldiers.pk).update(
        decided_at=datetime(2025, 11, 10, 23, 30, tzinfo=UTC)
    )
    return SimpleNamespace(
        session=session,
        dawn=dawn,
        tribune=tribune,
        fact=fact,
        dawn_soldiers=dawn_soldiers,
        tribune_soldiers=tribune_soldiers,
        vague=vague,
        aliased=aliased,
        no_verdict=no_verdict,
        rejected=rejected,
    )


def _graph(user, session, **params):
    response = export_response(user, session, format="claimreview", **params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/ld+json"
    document = json.loads(b"".join(response.streaming_content))
    return document


def _reviews_by_quote(document):
    return {item["wb:quote"]: item for item in document["@graph"]}


def test_exports_one_review_per_verdict_and_skips_rejected_and_verdictless(
    staff, verdicts
):
    document = _graph(staff, verdicts.session)
    quotes = [item["wb:quote"] for item in document["@graph"]]
    # Articles by external id, then text order; the rejected "on Friday" (with
    # its stray verdict) and the verdict-less inquiry claim are not there.
    assert quotes == [
        "23 soldiers were killed",
        LONG_CLAIM,
        "gave no names",
        "23 soldiers died in the clash",
    ]


def test_every_item_expands_with_the_properties_google_lists(staff, verdicts):
    document = _graph(staff, verdicts.session)
    expanded = expand(document)
    assert len(expanded) == 4
    for node in expanded:
        assert node["@type"] == [SCHEMA + "ClaimReview"]
        assert one(node, "claimReviewed")["@value"]
        assert one(node, "url")["@id"].startswith("http")
        assert one(node, "datePublished")["@type"] == SCHEMA + "Date"
        author = one(node, "author")
        assert author["@type"] == [SCHEMA + "Organization"]
        assert one(author, "name")["@value"] == "Source-credibility workbench"
        rating = one(node, "reviewRating")
        assert rating["@type"] == [SCHEMA + "Rating"]
        best = one(rating, "bestRating")["@value"]
        worst = one(rating, "worstRating")["@value"]
        assert (best, worst) == (5, 1)
        assert worst <= one(rating, "ratingValue")["@value"] <= best
        assert one(rating, "alternateName")["@value"]
        claim = one(node, "itemReviewed")
        assert claim["@type"] == [SCHEMA + "Claim"]
        appearance = one(claim, "appearance")
        assert appearance["@type"] == [SCHEMA + "NewsArticle"]
        assert one(appearance, "url")["@id"].startswith("https://")
        assert one(one(appearance, "publisher"), "name")["@value"]
        assert one(claim, "firstAppearance")
        assert one(claim, "datePublished")["@type"] == SCHEMA + "Date"
        # Nothing was dropped: our own terms and the selectors kept their IRIs.
        assert one(node, WB_VOCAB + "quote")["@value"]
        evidence = one(node, WB_VOCAB + "evidence")
        assert evidence["@type"] == [OA_VOCAB + "SpecificResource"]
        selectors = evidence[OA_VOCAB + "hasSelector"]
        assert {s["@type"][0] for s in selectors} == {
            OA_VOCAB + "TextQuoteSelector",
            OA_VOCAB + "TextPositionSelector",
        }


def test_ratings_follow_the_documented_scale(staff, verdicts):
    reviews = _reviews_by_quote(_graph(staff, verdicts.session))
    ratings = {
        quote: (
            item["reviewRating"]["ratingValue"],
            item["reviewRating"]["alternateName"],
        )
        for quote, item in reviews.items()
    }
    assert ratings == {
        "23 soldiers were killed": (5, "Supported"),
        "23 soldiers died in the clash": (1, "Contradicted"),
        LONG_CLAIM: (3, "Unverifiable"),
        "gave no names": (5, "Supported"),
    }


def test_one_claim_id_per_fact_and_first_appearance_is_the_earliest(staff, verdicts):
    reviews = _reviews_by_quote(_graph(staff, verdicts.session))
    dawn = reviews["23 soldiers were killed"]["itemReviewed"]
    tribune = reviews["23 soldiers died in the clash"]["itemReviewed"]
    assert dawn["@id"] == tribune["@id"]
    assert dawn["@id"] == (
        f"urn:workbench:session:{verdicts.session.pk}:fact:{verdicts.fact.pk}"
    )
    assert dawn["appearance"]["url"] == "https://www.dawn.com/news/talks"
    assert tribune["appearance"]["url"] == "https://tribune.com.pk/story/clash"
    # Both appearances name the Dawn article (Nov 8) as the first one.
    for claim in (dawn, tribune):
        assert claim["firstAppearance"]["url"] == "https://www.dawn.com/news/talks"
        assert claim["firstAppearance"]["datePublished"] == "2025-11-08"
        assert claim["datePublished"] == "2025-11-08"
    assert tribune["appearance"]["publisher"]["name"] == "The Express Tribune"
    # A claim without a fact has an @id of its own.
    others = {reviews[q]["itemReviewed"]["@id"] for q in (LONG_CLAIM, "gave no names")}
    assert len(others) == 2 and dawn["@id"] not in others


def test_claim_ids_survive_flattening_as_one_node_with_two_appearances(staff, verdicts):
    document = _graph(staff, verdicts.session)
    flat = jsonld.flatten(document, None, {"documentLoader": offline_loader()})
    claim_id = f"urn:workbench:session:{verdicts.session.pk}:fact:{verdicts.fact.pk}"
    claim = next(node for node in flat if node["@id"] == claim_id)
    appearances = {ref["@id"] for ref in claim[SCHEMA + "appearance"]}
    assert appearances == {
        "urn:workbench:article:dawn-2025-11-08",
        "urn:workbench:article:tribune-2025-11-09",
    }


def test_claim_authors_person_organisation_alias_and_vague(staff, verdicts):
    reviews = _reviews_by_quote(_graph(staff, verdicts.session))

    def author(quote):
        return reviews[quote]["itemReviewed"].get("author")

    assert author("23 soldiers died in the clash") == {
        "@id": "urn:workbench:source:khawaja%20asif",
        "@type": "Person",
        "name": "Khawaja Asif",
    }
    assert author("23 soldiers were killed")["@type"] == "Organization"
    # The alias table merges the spelling into its canonical source.
    assert author("gave no names") == {
        "@id": "urn:workbench:source:ispr",
        "@type": "Organization",
        "name": "ISPR",
    }
    # "diplomatic sources" name nobody: no author, the text stays in wb:.
    assert author(LONG_CLAIM) is None
    assert reviews[LONG_CLAIM]["wb:citedSource"] == "diplomatic sources"


def test_claim_reviewed_is_short_and_the_full_quote_and_offsets_are_kept(
    staff, verdicts
):
    review = _reviews_by_quote(_graph(staff, verdicts.session))[LONG_CLAIM]
    short = review["claimReviewed"]
    assert len(short) < 75
    assert short.endswith("…")
    assert LONG_CLAIM.startswith(short[:-1])
    assert LONG_CLAIM[len(short) - 1] == " "  # cut at a word boundary
    position = next(
        s
        for s in review["wb:evidence"]["oa:hasSelector"]
        if s["@type"] == "oa:TextPositionSelector"
    )
    assert DAWN_TEXT[position["oa:start"] : position["oa:end"]] == LONG_CLAIM


def test_offsets_are_code_points_after_an_emoji(staff, verdicts):
    GoldSpan.objects.filter(pk=verdicts.tribune_soldiers.pk).update(
        start=TRIBUNE_TEXT.index("and the ministry"),
        end=TRIBUNE_TEXT.index("and the ministry") + len("and the ministry"),
    )
    review = _reviews_by_quote(_graph(staff, verdicts.session))["and the ministry"]
    quote, position = review["wb:evidence"]["oa:hasSelector"]
    assert TRIBUNE_TEXT[position["oa:start"] : position["oa:end"]] == quote["oa:exact"]
    assert quote["oa:prefix"].endswith("😀, ")


def test_review_date_url_and_author_come_from_the_decision_and_settings(
    staff, verdicts, settings
):
    settings.CLAIMREVIEW_AUTHOR_NAME = "Desk"
    settings.CLAIMREVIEW_AUTHOR_URL = "https://desk.example.org/"
    settings.CLAIMREVIEW_URL_PATTERN = (
        "https://desk.example.org/{session}/{unit}/{gold}"
    )
    review = _reviews_by_quote(_graph(staff, verdicts.session))[
        "23 soldiers were killed"
    ]
    gold = verdicts.dawn_soldiers
    assert review["datePublished"] == "2025-11-10"
    assert review["url"] == (
        f"https://desk.example.org/{verdicts.session.pk}/{gold.unit_id}/{gold.pk}"
    )
    assert review["author"] == {
        "@type": "Organization",
        "name": "Desk",
        "url": "https://desk.example.org/",
    }


def test_jsonl_lines_are_self_contained_claim_reviews(staff, verdicts):
    text = export_text(staff, verdicts.session, format="claimreview-jsonl")
    lines = [json.loads(line) for line in text.splitlines()]
    assert len(lines) == 4
    for line in lines:
        [node] = expand(line)
        assert node["@type"] == [SCHEMA + "ClaimReview"]


def test_filters_apply_and_raw_layer_is_refused(staff, verdicts):
    document = _graph(staff, verdicts.session, articles="tribune-2025-11-09")
    [review] = document["@graph"]
    # The first appearance is still the Dawn article, outside the filter.
    assert review["itemReviewed"]["firstAppearance"]["url"].startswith(
        "https://www.dawn.com"
    )
    response = export_response(
        staff, verdicts.session, format="claimreview", layer="raw"
    )
    assert response.status_code == 400
    assert "layer" in response.json()
    response = export_response(
        staff, verdicts.session, format="claimreview", since="not-a-date"
    )
    assert response.status_code == 400
    assert "since" in response.json()


def test_blind_reviewer_gets_403_and_outsider_404(reviewer_a, outsider, verdicts):
    response = export_response(reviewer_a, verdicts.session, format="claimreview")
    assert response.status_code == 403
    response = export_response(outsider, verdicts.session, format="claimreview")
    assert response.status_code == 404


def test_adjudicator_gets_the_export(adjudicator, verdicts):
    document = _graph(adjudicator, verdicts.session)
    assert len(document["@graph"]) == 4


def test_every_schema_term_used_is_defined_in_the_bundled_context(staff, verdicts):
    graph = _graph(staff, verdicts.session)["@graph"]
    assert _undefined_terms(graph) == set()


def _undefined_terms(graph) -> set[str]:
    """Plain (schema.org) terms and types used in `graph` but not in the context."""
    context = json.loads(BUNDLED_CONTEXT.read_text())["@context"]
    used: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if not key.startswith("@") and ":" not in key:
                    used.add(key)
                if key == "@type" and ":" not in item:
                    used.add(item)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(graph)
    return used - set(context)


@pytest.fixture
def answered(verdicts, reviewer_a, reviewer_b, adjudicator):
    """Dawn's article questions: agreed, agreed on none, adjudicated, open."""
    for reviewer, attributed in ((reviewer_a, True), (reviewer_b, False)):
        answers_put(
            session=verdicts.session,
            article_id=verdicts.dawn.pk,
            reviewer=reviewer,
            answers={
                "clickbait_headline": "listicle",
                "source_types": [],
                "non_original_attributed": attributed,
            },
            version=0,
        )
    answers_put(
        session=verdicts.session,
        article_id=verdicts.dawn.pk,
        reviewer=reviewer_a,
        answers={"emotional_tone": "very"},  # one answer: not resolved
        version=1,
    )
    gold_answers_put(
        session=verdicts.session,
        article_id=verdicts.dawn.pk,
        adjudicator=adjudicator,
        answers={"non_original_attributed": False},
    )
    return verdicts


def test_gold_answers_ride_on_the_appearance_and_survive_expansion(staff, answered):
    document = _graph(staff, answered.session)
    assert _undefined_terms(document["@graph"]) == set()
    expanded = {one(n, WB_VOCAB + "quote")["@value"]: n for n in expand(document)}
    dawn = one(one(expanded["23 soldiers were killed"], "itemReviewed"), "appearance")
    assert dawn["@id"] == "urn:workbench:article:dawn-2025-11-08"
    indicators = {
        one(node, "propertyID")["@value"]: node
        for node in dawn[WB_VOCAB + "articleIndicator"]
    }
    # Resolved answers only: emotional tone has a single answer.
    assert set(indicators) == {
        "clickbait_headline",
        "source_types",
        "non_original_attributed",
    }
    clickbait = indicators["clickbait_headline"]
    assert clickbait["@type"] == [SCHEMA + "PropertyValue"]
    assert one(clickbait, "value")["@value"] == "listicle"
    assert one(clickbait, "name")["@value"].startswith("Is the headline clickbait")
    assert one(clickbait, WB_VOCAB + "valueLabel")["@value"] == "Yes: listicle"
    assert one(clickbait, WB_VOCAB + "provenance")["@value"] == "agreed"
    assert one(clickbait, WB_VOCAB + "answerCount")["@value"] == 2
    assert WB_VOCAB + "decidedBy" not in clickbait
    # "None of them" is an answer: the empty @list survives expansion.
    assert one(indicators["source_types"], "value") == {"@list": []}
    attributed = indicators["non_original_attributed"]
    assert one(attributed, "value")["@value"] is False
    assert one(attributed, WB_VOCAB + "provenance")["@value"] == "adjudicated"
    assert one(attributed, WB_VOCAB + "decidedBy")["@value"] == "adjudicator"
    decided_at = one(attributed, WB_VOCAB + "decidedAt")["@value"]
    assert datetime.fromisoformat(decided_at).tzinfo is not None
    # The same article in another review carries the same values; the Tribune,
    # never answered, carries none; a first appearance repeats no values.
    talks = one(one(expanded[LONG_CLAIM], "itemReviewed"), "appearance")
    assert len(talks[WB_VOCAB + "articleIndicator"]) == 3
    tribune_claim = one(expanded["23 soldiers died in the clash"], "itemReviewed")
    assert WB_VOCAB + "articleIndicator" not in one(tribune_claim, "appearance")
    assert WB_VOCAB + "articleIndicator" not in one(tribune_claim, "firstAppearance")


def test_a_multi_select_answer_keeps_its_codes_in_order(
    staff, answered, reviewer_a, reviewer_b
):
    for reviewer in (reviewer_a, reviewer_b):
        answers_put(
            session=answered.session,
            article_id=answered.dawn.pk,
            reviewer=reviewer,
            answers={"source_types": ["experts", "organisations"]},
            version=2 if reviewer == reviewer_a else 1,
        )
    expanded = expand(_graph(staff, answered.session))
    appearance = one(one(expanded[0], "itemReviewed"), "appearance")
    [kinds] = [
        node
        for node in appearance[WB_VOCAB + "articleIndicator"]
        if one(node, "propertyID")["@value"] == "source_types"
    ]
    assert one(kinds, "value") == {
        "@list": [{"@value": "experts"}, {"@value": "organisations"}]
    }
    assert one(kinds, WB_VOCAB + "valueLabel") == {
        "@list": [{"@value": "Experts"}, {"@value": "Organisations"}]
    }


# --- Pure helpers ------------------------------------------------------------------


def test_shorten_claim_cuts_at_a_word_boundary():
    assert shorten_claim("  short\nclaim ") == "short claim"
    text = "word " * 30
    short = shorten_claim(text)
    assert len(short) < 75 and short.endswith("word…")
    assert shorten_claim("x" * 100) == "x" * 73 + "…"
    assert shorten_claim("a" * 74) == "a" * 74
    assert len(shorten_claim("a" * 75)) == 74


def test_author_type_heuristic():
    assert author_type("the army", "named_on_record") == "Person"
    assert author_type("Khawaja Asif", "named_institution") == "Organization"
    assert author_type("Foreign Ministry", "unsupported") == "Organization"
    assert author_type("Khawaja Asif", "unsupported") == "Person"
    assert author_type("pakistan", None) == "Organization"


def test_fact_clusters_join_through_shared_gold_spans():
    # Gold 10 links facts 3 and 7, gold 11 fact 7, gold 12 fact 9 alone.
    clusters = FactClusters([(7, 10), (3, 10), (7, 11), (9, 12)])
    assert clusters.cluster(10) == clusters.cluster(11) == 3
    assert clusters.cluster(12) == 9
    assert clusters.cluster(13) is None


def test_earliest_article_prefers_dated_articles():
    undated = {"external_id": "a", "published_date": None}
    later = {"external_id": "b", "published_date": date(2025, 11, 9)}
    earlier = {"external_id": "c", "published_date": date(2025, 11, 8)}
    assert earliest_article([undated, later, earlier]) is earlier
    assert earliest_article([undated]) is undated
    assert earliest_article([undated, {**undated, "external_id": "z"}]) is None
    assert earliest_article([]) is None
