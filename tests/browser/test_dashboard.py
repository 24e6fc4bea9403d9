"""The review dashboard and disputes queue in Chromium, with a real Celery worker."""

import os
import re
import shutil
import time
from fractions import Fraction

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from annotations.models import (
    AgreementReport,
    AgreementStatus,
    AgreementUnit,
    Article,
    GoldSpan,
    ReliabilityReport,
)
from annotations.services import recompute
from annotations.services.adjudication import gold_decide
from annotations.services.article_answers import answers_put
from annotations.services.reliability import reliability_recompute
from annotations.services.review import review_state_set
from annotations.services.seeds import DEMO_PASSWORD, demo_setup
from annotations.services.spans import annotation_create
from tests.browser.conftest import ARTIFACTS, api_get, login
from tests.conftest import api_client_for
from tests.factories import (
    ArticleFactory,
    OutletFactory,
    UserFactory,
    session_with_team,
)
from tests.plugins.adjudication import make_span, make_unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROJECT_SCREENSHOTS = ARTIFACTS.parent / "docs" / "screenshots"

# The scripted case: four units, every reviewer marks each one.
#   claim type (reviewer1, reviewer2, reviewer3)   sourcing rank    cited source
#   U1 quantity  quantity  quantity                3 3 3            army army UN
#   U2 quantity  quantity  quantity                2 2 2            UN (all)
#   U3 quoted    quoted    event                   2 2 3            officials (all)
#   U4 event     event     event                   1 1 1            (none)
# reviewer2's U3 span is longer than the others' (same unit: Jaccard >= 0.5).
# U1 (cited source) and U3 (claim type, sourcing) are disputed; U2, U4 agreed.
#
# Claim type, nominal alpha. Each unit has m = 3 values, so each ordered pair of
# values weighs 1/(m-1) = 1/2. Coincidences: o_QQ = 3 + 3, o_EE = 3 (U4) ;
# U3 adds o_SS = 1, o_SE = o_ES = 1.  n_Q = 6, n_E = 4, n_S = 2, n = 12.
#   D_o = (o_SE + o_ES) / n = 2/12 ; D_e = (n^2 - sum n_c^2) / (n (n - 1))
#       = (144 - 36 - 16 - 4) / 132 = 88/132 ;  alpha = 1 - D_o/D_e = 3/4.
CLAIM_ALPHA = 1 - Fraction(2, 12) / Fraction(88, 132)
# Sourcing quality, ordinal alpha on ranks. Values: rank 1 x3, rank 2 x5
# (U2 x3, U3 x2), rank 3 x4 (U1 x3, U3 x1); n = 12. Only U3 disagrees:
# o_23 = o_32 = 1. Ordinal distances d(c, k) = (sum_{g=c..k} n_g - (n_c+n_k)/2)^2:
#   d(1,2) = ((3+5)/2)^2 = 16, d(2,3) = ((5+4)/2)^2 = 81/4,
#   d(1,3) = (3+5+4 - (3+4)/2)^2 = 289/4.
#   D_o = 2 * 81/4 / 12 ; D_e = 2 (3*5*16 + 3*4*289/4 + 5*4*81/4) / 132
SOURCING_D_O = Fraction(2) * Fraction(81, 4) / 12
SOURCING_D_E = (
    2
    * (3 * 5 * 16 + 3 * 4 * Fraction(289, 4) + 5 * 4 * Fraction(81, 4))
    / Fraction(132)
)
SOURCING_ALPHA = 1 - SOURCING_D_O / SOURCING_D_E  # = 191/224

ARTICLE_1 = "001_cefd5e004259460d"
ARTICLE_3 = "003_347a960315ef51da"
U3_SHORT = (
    "Afghan officials reportedly rejected the demand as “unrealistic” and "
    "“beyond capacity,”"
)
U3_LONG = U3_SHORT + " leading to the suspension of negotiation channels"
U4 = "the Taliban regained control of Afghanistan following the withdrawal"
U1 = "the Pakistani army reported 23 soldiers killed and 29 injured"
U2 = "recent clashes have left 50 Afghan civilians dead and over 440 wounded"
REVIEWERS = ("reviewer1", "reviewer2", "reviewer3")
SCRIPT = [
    # article, phrase per reviewer, claim types, sourcing levels, cited sources
    (
        ARTICLE_1,
        (U3_SHORT, U3_LONG, U3_SHORT),
        ("quoted_statement", "quoted_statement", "event_action"),
        ("named_on_record", "named_on_record", "named_institution"),
        ("Afghan officials",) * 3,
    ),
    (
        ARTICLE_1,
        (U4,) * 3,
        ("event_action",) * 3,
        ("primary_document",) * 3,
        ("",) * 3,
    ),
    (
        ARTICLE_3,
        (U1,) * 3,
        ("quantity",) * 3,
        ("named_institution",) * 3,
        ("Pakistani army", "Pakistani army", "United Nations"),
    ),
    (
        ARTICLE_3,
        (U2,) * 3,
        ("quantity",) * 3,
        ("named_on_record",) * 3,
        ("United Nations",) * 3,
    ),
]

# Records every state the task badge shows (polling may skip STARTED if fast).
WATCH_TASK_JS = """
(id) => {
  const target = document.getElementById(id);
  window.taskStates = [];
  new MutationObserver(() => {
    const text = target.textContent;
    if (text && window.taskStates.at(-1) !== text) window.taskStates.push(text);
  }).observe(target, { childList: true, characterData: true, subtree: true });
}
"""


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _session_report(session):
    return AgreementReport.objects.filter(session=session, article__isnull=True).first()


def _screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), full_page=True)
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        # Opt-in, so a test run never dirties the tracked README pictures.
        shutil.copyfile(path, PROJECT_SCREENSHOTS / name)


@pytest.fixture
def scripted(transactional_db, settings):
    """The demo session with the scripted spans; every reviewer done everywhere.

    The debounce is long while the spans go in, so the automatic recompute does
    not run before the dashboard's Recompute button.
    """
    settings.AGREEMENT_DEBOUNCE_SECONDS = 600
    session = demo_setup()
    users = {u.username: u for u in get_user_model().objects.all()}
    articles = {a.external_id: a for a in Article.objects.all()}
    spans = {}
    for index, (external_id, phrases, claims, levels, sources) in enumerate(SCRIPT):
        article = articles[external_id]
        for name, phrase, claim, level, source in zip(
            REVIEWERS, phrases, claims, levels, sources, strict=True
        ):
            start = article.text.index(phrase)
            spans[(index, name)] = annotation_create(
                session_id=session.pk,
                article_id=article.pk,
                reviewer=users[name],
                start=start,
                end=start + len(phrase),
                quote=phrase,
                claim_type=claim,
                sourcing_quality=level,
                cited_source=source,
                note="Includes the consequence." if phrase == U3_LONG else "",
            )
    for name in REVIEWERS:
        for article in session.articles.all():
            review_state_set(
                session_id=session.pk,
                article_id=article.pk,
                reviewer=users[name],
                done=True,
            )
    return {"session": session, "spans": spans, "articles": articles}


@pytest.mark.worker
def test_adjudicator_recomputes_on_worker_reads_agreement_and_accepts_b_by_keyboard(
    page, live_server, scripted, settings, celery_worker_process
):
    session = scripted["session"]
    sid = session.pk
    assert _session_report(session) is None  # nothing computed yet

    # The session page links to the dashboard for an adjudicator.
    login(page, live_server, "adjudicator", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/sessions/{sid}/")
    page.click("[data-testid=dashboard-link]")
    page.wait_for_url(f"{live_server.url}/sessions/{sid}/dashboard/")
    page.wait_for_function("() => document.body.dataset.ready === '1'")

    # Progress: every reviewer done on the five articles; 2 spans where scripted.
    assert page.inner_text("[data-testid=completion-percent]") == "100%"
    assert "15 of 15" in page.inner_text("[data-testid=completion]")
    article_1 = scripted["articles"][ARTICLE_1]
    cell = page.locator(
        f"[data-testid=progress-matrix] tr[data-article-id='{article_1.pk}'] "
        "td[data-reviewer=reviewer2]"
    )
    assert cell.get_attribute("data-spans") == "2"
    assert cell.get_attribute("data-done") == "1"
    other = scripted["articles"]["000_c43f585b11b5d67a"]
    empty_cell = page.locator(
        f"tr[data-article-id='{other.pk}'] td[data-reviewer=reviewer1]"
    )
    assert empty_cell.get_attribute("data-spans") == "0"
    assert page.locator("[data-testid=behind-list] li").count() == 3
    assert page.inner_text("#agreement-computed") == "Not computed yet"

    # Recompute on the real worker; the page shows the task's live state.
    page.evaluate(WATCH_TASK_JS, "agreement-task")
    page.click("#agreement-recompute")
    page.wait_for_function(
        "() => document.getElementById('agreement-task').textContent === 'SUCCESS'",
        timeout=90_000,
    )
    states = page.evaluate("window.taskStates")
    assert states[0] == "PENDING" and states[-1] == "SUCCESS", states
    assert set(states) <= {"PENDING", "STARTED", "SUCCESS"}, states
    page.wait_for_function(
        "() => document.getElementById('alpha-claim_type').dataset.value !== undefined"
    )
    task_id = page.get_attribute("#agreement-task", "data-task-id")
    report = _session_report(session)
    assert report.task_id == task_id  # computed by the button's task
    assert report.computed_at is not None and not report.stale
    labels = report.payload["labels"]

    # Alpha: the page, the stored report and the hand computation agree.
    for dimension, by_hand, reading in (
        ("claim_type", CLAIM_ALPHA, "tentative"),
        ("sourcing_quality", SOURCING_ALPHA, "reliable"),
    ):
        card = page.locator(f"[data-testid=alpha-{dimension}]")
        shown = float(card.get_attribute("data-value"))
        stored = labels[dimension]["alpha"]
        assert shown == stored
        assert stored == pytest.approx(float(by_hand), abs=1e-12)
        assert card.locator("[data-testid=alpha-value]").inner_text() == (
            f"{float(by_hand):.3f}"
        )
        assert card.locator("[data-testid=alpha-reading]").text_content() == reading
        low, high = labels[dimension]["ci"]
        assert f"{low:.3f} – {high:.3f}" in card.inner_text()
    assert page.inner_text("[data-testid=f1-value]") == "1.000"
    assert page.get_attribute("#agreement-stale", "data-stale") == "0"
    disputed_count = page.locator("#unit-counts dd[data-status=disputed]")
    assert disputed_count.inner_text() == "2"

    # The kappa heatmap and the confusion matrix are SVG drawn from the report.
    pair = next(
        p
        for p in labels["claim_type"]["pairs"]
        if {p["reviewer_a"], p["reviewer_b"]} == {"reviewer1", "reviewer3"}
    )
    heat = page.locator(
        "[data-testid=kappa-heatmap] svg g.heat-cell"
        "[data-a=reviewer3][data-b=reviewer1]"
    )
    assert float(heat.get_attribute("data-value")) == pair["cohen_kappa"]
    page.select_option("#confusion-a", "reviewer1")
    page.select_option("#confusion-b", "reviewer3")
    mismatch = page.locator(
        "[data-testid=confusion] g.confusion-cell"
        "[data-row=quoted_statement][data-col=event_action]"
    )
    assert mismatch.get_attribute("data-count") == "1"
    bars = page.locator("[data-testid=per-label-claim_type] g.label-bar")
    values = [
        float(v) for v in bars.evaluate_all("els => els.map(e => e.dataset.value)")
    ]
    assert values == sorted(values) and len(values) == 3

    # The disputes queue: the claim-type dispute first, versions A/B/C.
    page.click("#dashboard [data-testid=disputes-link]")
    page.wait_for_url(f"{live_server.url}/sessions/{sid}/disputes/")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    u3 = AgreementUnit.objects.get(
        session=session, spans=scripted["spans"][(0, "reviewer1")]
    )
    u1 = AgreementUnit.objects.get(
        session=session, spans=scripted["spans"][(2, "reviewer1")]
    )
    assert {u3.status, u1.status} == {AgreementStatus.DISPUTED}
    assert page.evaluate("document.body.dataset.unitId") == str(u3.pk)
    assert page.locator("#queue .queue-item").count() == 2
    versions = page.locator("[data-testid=versions] .version")
    assert versions.count() == 3
    b_card = page.locator(".version[data-letter=B]")
    assert "reviewer2" in b_card.inner_text()
    assert b_card.locator("mark").inner_text() == U3_LONG
    assert "Includes the consequence." in b_card.inner_text()
    assert page.text_content("[data-testid=unit-status]") == "disputed"
    assert "accept version A, B or C" in page.inner_text("[data-testid=shortcuts]")
    _screenshot(page, "dispute.png")

    # `e` opens the editor on version A; a bad edit is refused in plain words; Esc.
    a_span = scripted["spans"][(0, "reviewer1")]
    assert page.is_hidden("#edit-form")
    page.locator("#dispute-title").focus()
    page.keyboard.press("e")
    assert page.is_visible("#edit-form")
    assert page.input_value("#edit-start") == str(a_span.start)
    assert page.inner_text("#edit-quote") == U3_SHORT
    page.fill("#edit-end", str(a_span.start))
    page.keyboard.press("Enter")
    error = page.wait_for_selector(".message--error")
    assert error.inner_text().startswith("Could not save the edited span.")
    assert not GoldSpan.objects.exists()
    page.locator("#edit-end").focus()
    page.keyboard.press("Escape")
    assert page.is_hidden("#edit-form")

    # Decide by keyboard: accept B. The queue advances to the next dispute.
    settings.AGREEMENT_DEBOUNCE_SECONDS = 0.5  # the decision's recompute runs soon
    page.locator("#dispute-title").focus()
    page.keyboard.press("b")
    page.wait_for_function(f"() => document.body.dataset.unitId === '{u1.pk}'")
    assert "Decided: accept version B" in page.inner_text("[data-testid=status]")
    done_item = page.locator(f".queue-item[data-unit-id='{u3.pk}']")
    assert done_item.locator(".unit-status").text_content() == "adjudicated"
    page.keyboard.press("k")  # back to the decided unit
    page.wait_for_function(f"() => document.body.dataset.unitId === '{u3.pk}'")
    assert page.text_content("[data-testid=unit-status]") == "adjudicated"
    assert "accepted version B, by reviewer2" in page.inner_text("[data-testid=gold]")
    assert page.get_attribute(".version[data-letter=B]", "data-chosen") == "1"
    for letter in "AC":
        assert (
            page.get_attribute(f".version[data-letter={letter}]", "data-chosen") is None
        )
    assert not page.js_errors

    # The gold span: reviewer2's version, with provenance.
    gold = GoldSpan.objects.get(session=session, unit_key=u3.key, is_current=True)
    b_span = scripted["spans"][(0, "reviewer2")]
    assert gold.decision == GoldSpan.Decision.ACCEPTED
    assert (gold.start, gold.end, gold.quote) == (b_span.start, b_span.end, U3_LONG)
    assert gold.accepted_span == b_span and gold.accepted_reviewer == b_span.reviewer
    assert gold.claim_type.code == "quoted_statement"
    assert gold.sourcing_quality.code == "named_on_record"
    assert gold.decided_by.username == "adjudicator"
    members = {scripted["spans"][(0, name)].pk for name in REVIEWERS}
    assert set(gold.source_spans.values_list("pk", flat=True)) == members
    assert gold.source_versions == {str(pk): 1 for pk in members}
    assert AgreementUnit.objects.get(pk=u3.pk).status == AgreementStatus.ADJUDICATED

    # The decision's recompute runs on the real worker: a fresh, not stale report.
    first_computed = report.computed_at

    def recomputed():
        fresh = _session_report(session)
        if fresh.stale or fresh.computed_at <= first_computed:
            return None
        return fresh

    fresh = _wait_for(recomputed, 90, "the worker's recompute after the decision")
    assert fresh.payload["counts"]["status"]["adjudicated"] == 1
    assert fresh.payload["counts"]["status"]["disputed"] == 1
    # The reviewers' spans are unchanged, so the figures are too.
    assert fresh.payload["labels"]["claim_type"]["alpha"] == pytest.approx(0.75)

    # Back on the dashboard: the figures follow, and reliability is computed too.
    page.goto(f"{live_server.url}/sessions/{sid}/dashboard/")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    assert page.locator("#unit-counts dd[data-status=adjudicated]").inner_text() == "1"
    page.click("#reliability-recompute")
    page.wait_for_function(
        "() => document.getElementById('reliability-task').textContent === 'SUCCESS'",
        timeout=90_000,
    )
    page.wait_for_selector("[data-testid=reliability-outlets] .interval-row")
    reliability = ReliabilityReport.objects.get(session=session)
    outlets = reliability.payload["outlets"]
    assert page.locator("[data-testid=reliability-outlets] .interval-row").count() == (
        len(outlets)
    )
    page.locator(
        "[data-testid=reliability-outlets] [data-testid=subject]"
    ).first.click()
    page.wait_for_selector("[data-testid=evidence]:not([hidden])")
    quotes = page.locator("#evidence-list blockquote").all_inner_texts()
    assert quotes and set(quotes) <= {U3_LONG, U4, U1, U2}
    assert not page.js_errors
    _screenshot(page, "dashboard.png")


def test_reviewers_get_403_and_outsiders_404_on_dashboard_disputes_and_endpoints(
    page, live_server, transactional_db
):
    session = demo_setup()
    sid = session.pk
    reviewer = get_user_model().objects.get(username="reviewer1")
    outsider = UserFactory(username="outsider_dash")

    login(page, live_server, "reviewer1", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/sessions/{sid}/")
    assert page.locator("[data-testid=dashboard-link]").count() == 0
    for path in ("dashboard", "disputes"):
        response = page.goto(f"{live_server.url}/sessions/{sid}/{path}/")
        assert response.status == 403, path
        assert "for adjudicators and staff" in page.inner_text(
            "[data-testid=forbidden]"
        )

    api_checks = [
        ("get", f"/api/sessions/{sid}/disputes/", None),
        ("get", f"/api/sessions/{sid}/units/999999/", None),
        (
            "post",
            f"/api/sessions/{sid}/units/999999/decision/",
            {"decision": "rejected"},
        ),
        ("post", f"/api/sessions/{sid}/agreement/recompute/", {}),
        ("get", f"/api/sessions/{sid}/agreement/", None),
    ]
    for user, expected in ((reviewer, 403), (outsider, 404)):
        client = api_client_for(user)
        for method, path, body in api_checks:
            response = getattr(client, method)(path, body, format="json")
            assert response.status_code == expected, (user.username, path)
    assert not GoldSpan.objects.exists()
    assert not AgreementReport.objects.filter(session=session).exists()

    # Staff without a role in the session are let in, like adjudicators.
    staff = Client()
    staff.force_login(get_user_model().objects.get(username="admin"))
    for path in ("dashboard", "disputes"):
        assert staff.get(f"/sessions/{sid}/{path}/").status_code == 200, path

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", "outsider_dash")
    page.fill("#id_password", "pw-test-123")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")
    for path in ("dashboard", "disputes"):
        response = page.goto(f"{live_server.url}/sessions/{sid}/{path}/")
        assert response.status == 404, path


# --- Outlet indicator profiles ------------------------------------------------

# An outlet name is user data: it must reach the page as text only.
STAR = 'Evening Star <img src=x onerror="window.__xss = 1">'
PROFILE_ANSWERS = {
    # outlet: [(clickbait, attributed, source types) per reviewer, per article]
    "Daily Bugle": [
        [("listicle", True, ["experts"]), ("listicle", True, ["experts"])],
        [("no", False, ["none"]), ("no", False, ["none"])],
        [("curiosity_gap", True, ["experts", "studies"])] * 2,
    ],
    STAR: [
        [("no", True, ["organisations"]), ("no", True, ["organisations"])],
        [("no", True, []), ("listicle", True, [])],  # clickbait disputed
    ],
}
FIGURE = re.compile(r"(\d+)% \[(\d+)%–(\d+)%\]")


@pytest.fixture
def profiled(transactional_db, monkeypatch):
    """Two outlets with resolved article answers, one with scored gold claims."""
    monkeypatch.setattr(recompute, "agreement_enqueue", lambda **kwargs: None)
    first, second = UserFactory(username="p_one"), UserFactory(username="p_two")
    adjudicator = UserFactory(username="p_adjudicator")
    articles = {
        (outlet, index): ArticleFactory(
            outlet=OutletFactory(name=outlet),
            text="The minister said 23 soldiers were killed, citing the army.",
        )
        for outlet, rows in PROFILE_ANSWERS.items()
        for index in range(len(rows))
    }
    session = session_with_team(
        articles=list(articles.values()),
        reviewers=[first, second],
        adjudicators=[adjudicator],
    )
    for (outlet, index), article in articles.items():
        for user, (clickbait, attributed, kinds) in zip(
            (first, second), PROFILE_ANSWERS[outlet][index], strict=True
        ):
            answers_put(
                session=session,
                article_id=article.pk,
                reviewer=user,
                answers={
                    "clickbait_headline": clickbait,
                    "non_original_attributed": attributed,
                    "source_types": kinds,
                },
                version=0,
            )
        if outlet == "Daily Bugle":
            span = make_span(
                session,
                article,
                first,
                "23 soldiers were killed",
                "quantity",
                "named_institution",
                "the army",
            )
            unit = make_unit(session, article, f"u{index}", [span])
            gold_decide(
                unit_id=unit.pk,
                adjudicator=adjudicator,
                decision="accepted",
                accept_span_id=span.pk,
            )
    reliability_recompute(session_id=session.pk)
    return session, adjudicator


def _percent_figures(text):
    match = FIGURE.search(text)
    assert match, text
    return [int(group) / 100 for group in match.groups()]


def _assert_shown(text, share, low, high):
    shown = _percent_figures(text)
    for got, expected in zip(shown, (share, low, high), strict=True):
        assert abs(got - expected) <= 0.005 + 1e-9, (text, share, low, high)


def _check_profile_card(card, entry, outlet):
    score = outlet["sourcing"] if outlet else None
    sourcing = card.query_selector("[data-testid=profile-sourcing]").inner_text()
    if score is None:
        assert sourcing == "Sourcing: no scored claims"
    elif score["insufficient"]:
        assert sourcing == f"Sourcing: insufficient evidence (n = {score['n']})"
    else:
        assert sourcing == (
            f"Sourcing {score['value']:.2f} [{score['ci_low']:.2f}, "
            f"{score['ci_high']:.2f}] n = {score['n']}"
        )
    for code, profile in entry["indicators"].items():
        row = card.query_selector(f".profile-q[data-code={code}]")
        assert row.get_attribute("data-n") == str(profile["n"])
        key = row.query_selector("[data-testid=profile-key]").inner_text()
        options = profile["options"]
        if profile["n"] == 0:
            assert key == "No resolved answers (n = 0)"
            continue
        if code == "clickbait_headline":  # any answer but "No": the complement
            no = options["no"]
            assert key.startswith("Any answer but “No”:")
            _assert_shown(key, 1 - no["share"], 1 - no["ci_high"], 1 - no["ci_low"])
            assert f"{profile['n'] - no['count']} of n = {profile['n']}" in key
        elif code == "non_original_attributed":
            assert key.startswith("Yes:")
            yes = options["yes"]
            _assert_shown(key, yes["share"], yes["ci_low"], yes["ci_high"])
        row.query_selector("summary").click()
        for option, figures in options.items():
            shown = row.query_selector(f"li[data-option={option}]").inner_text()
            _assert_shown(
                shown, figures["share"], figures["ci_low"], figures["ci_high"]
            )
            assert shown.endswith(f"({figures['count']})")


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
def test_outlet_indicator_profiles_show_the_api_figures_beside_sourcing(
    page, live_server, profiled, width, height
):
    session, adjudicator = profiled
    page.set_viewport_size({"width": width, "height": height})
    login(page, live_server, adjudicator.username, "pw-test-123")
    page.goto(f"{live_server.url}/sessions/{session.pk}/dashboard/")
    page.wait_for_function("() => document.body.dataset.ready === '1'")
    body = api_get(page, live_server, f"/api/sessions/{session.pk}/reliability/")
    outlets = {o["label"]: o for o in body["outlets"]}
    assert [e["label"] for e in body["outlet_indicators"]] == [
        "Daily Bugle",
        STAR,
    ]
    # Hand-worked: Bugle resolves 3 clickbait answers (listicle, no, curiosity
    # gap): 2 of 3 clickbait; the Star's disputed article is left out (n = 1).
    bugle = body["outlet_indicators"][0]["indicators"]["clickbait_headline"]
    assert bugle["n"] == 3 and bugle["options"]["no"]["count"] == 1
    star = body["outlet_indicators"][1]["indicators"]["clickbait_headline"]
    assert star["n"] == 1
    assert outlets["Daily Bugle"]["sourcing"]["n"] == 3
    cards = page.query_selector_all("[data-testid=outlet-profile]")
    assert [c.get_attribute("data-outlet") for c in cards] == [
        "Daily Bugle",
        STAR,
    ]
    for card, entry in zip(cards, body["outlet_indicators"], strict=True):
        _check_profile_card(card, entry, outlets.get(entry["label"]))
        assert card.query_selector("h4").inner_text() == entry["label"]
    assert page.locator("#dashboard img").count() == 0
    assert page.evaluate("window.__xss") is None
    wide = page.evaluate(
        """() => [...document.querySelectorAll('#outlet-profiles, #outlet-profiles *')]
            .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5)
            .map((e) => e.tagName + '.' + e.className)"""
    )
    assert wide == [], f"wider than {width} px: {wide}"
    name = (
        "dashboard-profiles.png" if width == 1366 else f"dashboard-profiles-{width}.png"
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.locator(".profiles-box").screenshot(path=str(ARTIFACTS / name))
    if os.environ.get("UPDATE_SCREENSHOTS") == "1":
        shutil.copyfile(ARTIFACTS / name, PROJECT_SCREENSHOTS / name)
    assert page.js_errors == []
