"""GET /api/articles/ and /api/articles/{id}/: leads see every article."""

from datetime import date

import pytest

from tests.conftest import api_client_for
from tests.factories import (
    ArticleFactory,
    OutletFactory,
    UserFactory,
    session_with_team,
)

pytestmark = pytest.mark.django_db

LIST = "/api/articles/"


@pytest.fixture
def library(db):
    meridian = OutletFactory(name="Daily Meridian", domain="meridian.example")
    ledger = OutletFactory(name="The Ledger", domain="ledger.example")
    floods = ArticleFactory(
        external_id="floods",
        title="Floods in Sindh",
        byline="Ayesha Khan",
        outlet=meridian,
        text="Heavy rains lashed the province.",
        published_text="August 12, 2024",
        published_date=date(2024, 8, 12),
        url="https://meridian.example/floods",
    )
    budget = ArticleFactory(
        external_id="budget",
        title="Budget deficit widens",
        byline="Sana Mirza",
        outlet=ledger,
        text="The fiscal deficit widened to 3.6 percent.",
        published_date=date(2026, 2, 3),
    )
    undated = ArticleFactory(
        external_id="undated", title="Undated", outlet=None, text="No date here."
    )
    session = session_with_team(articles=[floods, budget], reviewers=[])
    session.name = "Pilot"
    session.save(update_fields=["name"])
    return {"floods": floods, "budget": budget, "undated": undated, "session": session}


def ids(response):
    assert response.status_code == 200, response.json()
    return sorted(item["external_id"] for item in response.json()["results"])


def test_detail_has_every_contract_field(lead_client, library):
    floods = library["floods"]
    data = lead_client.get(f"{LIST}{floods.pk}/").json()
    assert data["title"] == "Floods in Sindh"
    assert data["byline"] == "Ayesha Khan"
    assert data["outlet"] == {"name": "Daily Meridian", "domain": "meridian.example"}
    assert data["published_text"] == "August 12, 2024"
    assert data["published_date"] == "2024-08-12"
    assert data["url"] == "https://meridian.example/floods"
    assert data["text"] == floods.text
    assert data["text_sha256"] == floods.text_sha256
    assert data["external_id"] == "floods"
    assert data["length"] == len(floods.text)
    assert data["sessions"] == [{"id": library["session"].pk, "name": "Pilot"}]


def test_list_is_paginated_newest_first(lead_client, library):
    response = lead_client.get(f"{LIST}?limit=2")
    data = response.json()
    assert data["count"] == 3
    assert [item["external_id"] for item in data["results"]] == ["undated", "budget"]
    assert data["next"]
    assert data["results"][0]["outlet"] is None


@pytest.mark.parametrize(
    "query,expected",
    [
        ("q=deficit", ["budget"]),
        ("q=AYESHA", ["floods"]),
        ("q=meridian", ["floods"]),
        ("outlet=The Ledger", ["budget"]),
        ("outlet=meridian.example", ["floods"]),
        ("published_after=2025-01-01", ["budget"]),
        ("published_before=2024-08-12", ["floods"]),
        (
            "published_after=2024-08-12&published_before=2026-02-03",
            ["budget", "floods"],
        ),
        ("published_after=2024-08-13&published_before=2026-02-02", []),
    ],
)
def test_search_and_filters(lead_client, library, query, expected):
    assert ids(lead_client.get(f"{LIST}?{query}")) == expected


@pytest.mark.parametrize(
    "query,field",
    [
        ("published_after=yesterday", "published_after"),
        ("published_before=2024-13-01", "published_before"),
        ("q=a%00b", "q"),
        ("limit=0", "limit"),
    ],
)
def test_bad_filters_are_400_naming_the_parameter(lead_client, library, query, field):
    response = lead_client.get(f"{LIST}?{query}")
    assert response.status_code == 400
    assert field in response.json()


def test_unknown_article_is_404(lead_client, library):
    assert lead_client.get(f"{LIST}999999/").status_code == 404


@pytest.mark.parametrize("role", ["reviewer", "adjudicator", "outsider"])
def test_only_leads_read_the_library(library, role):
    """A reviewer or adjudicator of a session (or nobody's member) is no lead:
    403 on the list and on an article, even one of their own session."""
    user = UserFactory(username=role)
    if role != "outsider":
        library["session"].memberships.create(user=user, role=role)
    client = api_client_for(user)
    floods = library["floods"].pk
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}{floods}/").status_code == 403
    assert api_client_for(None).get(LIST).status_code == 401


def test_staff_read_the_library_without_the_permission(library, staff):
    assert ids(api_client_for(staff).get(LIST)) == ["budget", "floods", "undated"]
