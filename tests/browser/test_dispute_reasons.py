"""The disputes page says why versions disagree and highlights the differing field."""

import os
import shutil

import pytest
from django.contrib.auth import get_user_model
from django.test import override_settings

from annotations.models import AgreementUnit, Article
from annotations.services.agreement import agreement_recompute
from annotations.services.review import review_state_set
from annotations.services.seeds import DEMO_PASSWORD, demo_setup
from annotations.services.spans import annotation_create
from tests.browser.conftest import ARTIFACTS, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROJECT_SCREENSHOTS = ARTIFACTS.parent / "docs" / "screenshots"
ARTICLE = "003_347a960315ef51da"
CLAIM = "the Pakistani army reported 23 soldiers killed and 29 injured"
AGREED = "recent clashes have left 50 Afghan civilians dead and over 440 wounded"


@pytest.fixture
def disputed(transactional_db, settings):
    """reviewer1 and reviewer2 mark CLAIM with different claim types, reviewer3
    (done) does not; all three mark AGREED alike, reviewer2 one word shorter."""
    settings.AGREEMENT_DEBOUNCE_SECONDS = 600
    session = demo_setup()
    users = {u.username: u for u in get_user_model().objects.all()}
    article = Article.objects.get(external_id=ARTICLE)

    def mark(name, phrase, claim, *, trim=0):
        start = article.text.index(phrase)
        end = start + len(phrase) - trim
        annotation_create(
            session_id=session.pk,
            article_id=article.pk,
            reviewer=users[name],
            start=start,
            end=end,
            quote=article.text[start:end],
            claim_type=claim,
            sourcing_quality="named_institution",
            cited_source="Pakistani army",
        )

    mark("reviewer1", CLAIM, "quantity")
    mark("reviewer2", CLAIM, "event_action")
    for name in ("reviewer1", "reviewer2", "reviewer3"):
        mark(
            name, AGREED, "quantity", trim=len(" wounded") if name == "reviewer2" else 0
        )
        review_state_set(
            session_id=session.pk,
            article_id=article.pk,
            reviewer=users[name],
            done=True,
        )
    with override_settings(AGREEMENT_BOOTSTRAP_DRAWS=20):
        agreement_recompute(session_id=session.pk)
    return session


def _shoot(page, name, *, docs=False):
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=False)
    if docs and os.environ.get("UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(path, PROJECT_SCREENSHOTS / name)


def test_dispute_says_who_did_not_mark_and_highlights_the_differing_field(
    page, live_server, disputed
):
    unit = AgreementUnit.objects.get(
        session=disputed, reasons__contains=[{"kind": "missed_by"}]
    )
    assert unit.status == "disputed"
    login(page, live_server, "adjudicator", DEMO_PASSWORD)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/sessions/{disputed.pk}/disputes/")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    assert page.evaluate("document.body.dataset.unitId") == str(unit.pk)
    reasons = page.locator("[data-testid=reasons] li")
    assert reasons.nth(0).inner_text() == "reviewer3 did not mark this claim."
    assert (
        reasons.nth(1)
        .inner_text()
        .startswith("Claim type differs: reviewer1 (A) says ")
    )
    for letter in "AB":
        card = page.locator(f".version[data-letter={letter}]")
        claim = card.locator("dd[data-field=claim_type]")
        assert claim.get_attribute("data-differs") == "1"
        assert "field--differs" in claim.get_attribute("class")
        assert claim.text_content().endswith("differs")
        # What both versions share is not highlighted.
        assert (
            card.locator("dd[data-field=cited_source]").get_attribute("data-differs")
            is None
        )
        assert (
            card.locator("dd[data-field=offsets]").get_attribute("data-differs") is None
        )
    assert "missed" in page.inner_text(f".queue-item[data-unit-id='{unit.pk}']")
    page.evaluate("() => document.getElementById('dispute-title').scrollIntoView()")
    _shoot(page, "dispute-reasons.png", docs=True)
    page.set_viewport_size({"width": 390, "height": 844})
    page.evaluate("() => document.getElementById('reasons').scrollIntoView()")
    _shoot(page, "dispute-reasons-390.png")
    assert page.js_errors == []


def test_reason_filter_lists_a_boundary_only_unit_in_words(page, live_server, disputed):
    agreed = AgreementUnit.objects.get(session=disputed, status="agreed")
    assert [r["kind"] for r in agreed.reasons] == ["boundary"]
    login(page, live_server, "adjudicator", DEMO_PASSWORD)
    # A link from the dashboard's counts: every unit whose boundaries differ.
    page.goto(f"{live_server.url}/sessions/{disputed.pk}/disputes/?reason=boundary")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    assert page.input_value("#reason-filter") == "boundary"
    assert page.locator("#queue .queue-item").count() == 0  # no *disputed* one
    page.select_option("#queue-filter", "all")
    page.wait_for_function("() => document.body.dataset.unitId !== ''")
    page.wait_for_function(f"() => document.body.dataset.unitId === '{agreed.pk}'")
    assert page.locator("#queue .queue-item").count() == 1
    text = page.inner_text("[data-testid=reasons]")
    assert text.startswith("Only the boundaries differ: reviewer1 (A) ")
    offsets = page.locator(".version[data-letter=B] dd[data-field=offsets]")
    assert offsets.get_attribute("data-differs") == "1"
    claim = page.locator(".version[data-letter=B] dd[data-field=claim_type]")
    assert claim.get_attribute("data-differs") is None
    assert page.js_errors == []
