"""Seed loading: idempotent, byte-exact, hashed; the demo session is complete."""

import hashlib
import json

import pytest

from annotations.models import (
    AnnotationSession,
    Article,
    ClaimType,
    SessionMembership,
    SourcingLevel,
)
from annotations.services.seeds import demo_setup, seeds_dir, seeds_load

pytestmark = pytest.mark.django_db


def manifest():
    return json.loads((seeds_dir() / "manifest.json").read_text(encoding="utf-8"))


def test_load_seeds_twice_gives_the_same_rows():
    first = seeds_load()
    rows = list(Article.objects.order_by("pk").values())
    second = seeds_load()
    assert [r.changed for r in first] == [True] * 5
    assert [r.changed for r in second] == [False] * 5
    assert list(Article.objects.order_by("pk").values()) == rows


def test_every_seed_text_round_trips_byte_for_byte_with_its_sha256():
    seeds_load()
    for entry in manifest()["articles"]:
        raw = (seeds_dir() / entry["file"]).read_bytes()
        article = Article.objects.get(external_id=entry["external_id"])
        assert article.text.encode("utf-8") == raw
        assert article.text_sha256 == hashlib.sha256(raw).hexdigest()


def test_manifest_metadata_is_what_the_articles_state():
    seeds_load()
    scouting = Article.objects.get(external_id="001_cefd5e004259460d")
    assert scouting.byline == "Mr. Dibakar Mandal"
    assert scouting.outlet.name == "Scouting Studys"
    assert "Published By: Mr. Dibakar Mandal" in scouting.text
    assert scouting.published_text in scouting.text
    untitled = Article.objects.get(external_id="000_c43f585b11b5d67a")
    assert untitled.title == "" and untitled.outlet is None


def test_default_scheme_ranks_sourcing_best_first():
    seeds_load()
    codes = list(
        SourcingLevel.objects.filter(scheme__slug="default").values_list(
            "code", flat=True
        )
    )
    assert codes == [
        "primary_document",
        "named_on_record",
        "named_institution",
        "secondary_media",
        "anonymous_vague",
        "unsupported",
    ]
    assert ClaimType.objects.filter(scheme__slug="default").count() == 8


def test_demo_setup_is_idempotent_and_has_three_reviewers_and_an_adjudicator():
    demo_setup()
    demo_setup()
    session = AnnotationSession.objects.get()
    roles = sorted(
        SessionMembership.objects.filter(session=session).values_list("role", flat=True)
    )
    assert roles == ["adjudicator", "reviewer", "reviewer", "reviewer"]
    assert (
        session.articles.count() == 5
        and session.blind
        and session.required_reviewers == 3
    )
