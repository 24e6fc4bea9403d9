"""HTML pages through trafilatura: main text with paragraphs, metadata, no clutter."""

import pytest

from annotations.services.intake_formats import html_extract
from tests.plugins.intake import html_fixture

CLUTTER = (
    "cookies",
    "Accept",
    "Related stories",
    "More from World",
    "Recommended",
    "Subscribe",
    "Sign up",
    "Share on",
    "All rights reserved",
    "Privacy",
)

PAGES = {
    "floods_opengraph.html": {
        "title": "Floods displace thousands in Sindh as rains continue",
        "byline": "Ayesha Khan",
        "published": "2024-08-12",
        "outlet": "Daily Meridian",
        "url": "https://meridian.example/news/2024/08/12/sindh-floods",
        "first": "KARACHI: Heavy rains lashed the province",
        "last": "drains were already overflowing on Monday evening.",
        "paragraphs": 4,
    },
    "talks_jsonld.html": {
        "title": "Talks collapse but ceasefire holds, spokesman says",
        "byline": "Omar Siddiqui",
        "published": "2025-11-08",
        "outlet": "Frontier Post",
        "url": "https://frontier.example/world/talks-collapse-ceasefire-holds",
        "first": "KABUL: Peace talks between the two neighbours",
        "last": "costing traders millions of dollars a day.",
        "paragraphs": 4,
    },
    "budget_microdata.html": {
        "title": "Budget deficit widens, finance ministry data show",
        "byline": "Sana Mirza",
        "published": "2026-02-03",
        "outlet": "The Ledger",
        "url": "https://ledger.example/economy/budget-deficit-widens",
        "first": "ISLAMABAD: The fiscal deficit widened",
        "last": "said Dr Hafiz Pasha, a former finance minister.",
        "paragraphs": 3,
    },
}


@pytest.mark.parametrize("name", sorted(PAGES))
def test_metadata_is_extracted(name):
    expected = PAGES[name]
    fields = html_extract(html_fixture(name))
    for key in ("title", "byline", "published", "outlet", "url"):
        assert fields[key] == expected[key], key


@pytest.mark.parametrize("name", sorted(PAGES))
def test_main_text_keeps_paragraphs_and_drops_clutter(name):
    expected = PAGES[name]
    text = html_extract(html_fixture(name))["text"]
    lines = text.split("\n")
    body = [line for line in lines if line != expected["title"]]
    assert len(body) == expected["paragraphs"]
    assert body[0].startswith(expected["first"])
    assert body[-1].endswith(expected["last"])
    for word in CLUTTER:
        assert word not in text, word


def test_bylines_in_the_text_are_not_part_of_it():
    text = html_extract(html_fixture("floods_opengraph.html"))["text"]
    assert "By Ayesha Khan" not in text


def test_quotes_and_typography_survive_exactly():
    text = html_extract(html_fixture("talks_jsonld.html"))["text"]
    assert "“an unrealistic and excessive demand”" in text
    assert "“has not been violated by us so far”" in text


def test_a_page_of_furniture_only_has_no_article():
    assert html_extract(html_fixture("no_article.html")) is None
