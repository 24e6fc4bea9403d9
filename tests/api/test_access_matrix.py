"""Roles × routes × blind/open: every route of the API and the web pages.

The routes are read from the URL conf, so a new route without a row in
`POLICIES` fails `test_every_route_has_a_policy`: it cannot be forgotten.
Each (route, method) is requested by every actor in a blind and an open
session; the status must match the route's policy, and no response a reviewer
gets in a blind session may carry the other reviewer's span (its cited source is
a marker string that appears nowhere else).

Each request runs in a savepoint that is rolled back, so a permitted write (a
delete, a decision) does not change what the next actor meets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from django.contrib.auth.models import Permission
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from annotations.models import (
    AgreementUnit,
    ExportJob,
    ImportJob,
    ReliabilityScore,
    TaskRecord,
)
from annotations.services.adjudication import fact_create, fact_link_add, gold_decide
from annotations.services.agreement import agreement_recompute
from annotations.services.reliability import reliability_recompute
from tests.api.conftest import make_span
from tests.factories import ArticleFactory, UserFactory, session_with_team

pytestmark = pytest.mark.django_db

ACTORS = (
    "anonymous",
    "outsider",
    "lead",
    "session_lead",
    "reviewer_a",
    "reviewer_b",
    "adjudicator",
    "staff",
)
MODES = ("blind", "open")
MARKER_A = "Marker Alpha Source"
MARKER_B = "Marker Beta Source"
TEXT = "Asif 😀 said “the talks are over” on Friday. 🇵🇰 Tarar agreed, سفارتی ذرائع."
QUOTE_A = "“the talks are over”"
QUOTE_B = "Tarar agreed"

OK = "ok"  # passed the access check: any status but 401/403/404/405 and no 5xx


@dataclass(frozen=True)
class Route:
    namespace: str
    name: str
    pattern: str
    methods: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.namespace}:{self.name}"


# --- Policies: actor → expected status (OK or a code), per mode when it differs --

ANON_API = {"anonymous": 401}
ANON_WEB = {"anonymous": 302}  # to the sign-in page


def _everyone(anon: dict, expected) -> dict:
    return {**{actor: expected for actor in ACTORS}, **anon}


def _member(anon: dict, **override) -> dict:
    """Members and staff pass; signed-in outsiders (a lead of nothing here too) 404.

    A lead of the session who holds no role in it manages it (settings,
    members, articles, plan) but does not take part in the annotation: its
    work routes answer as to an outsider.
    """
    expected = {
        "outsider": 404,
        "lead": 404,
        "session_lead": 404,
        "reviewer_a": OK,
        "reviewer_b": OK,
        "adjudicator": OK,
        "staff": OK,
    }
    return {**expected, **anon, **override}


SIGNED_IN = _everyone(ANON_API, OK)
ANYONE = _everyone({}, OK)
STAFF_ONLY = {**_everyone(ANON_API, 403), "staff": OK}
# Leads (staff or `manage_sessions`), in any session: create sessions, accounts,
# use the library and the intake.
LEADS = {**_everyone(ANON_API, 403), "lead": OK, "session_lead": OK, "staff": OK}
WEB_LEADS = {**LEADS, **ANON_WEB}
# Managing this session: its leads and staff; its members 403, anyone else 404.
MANAGE = {
    **_member(ANON_API, reviewer_a=403, reviewer_b=403, adjudicator=403),
    "session_lead": OK,
}
WEB_MANAGE = {**MANAGE, **ANON_WEB}
# An import job: its creator (the other lead) and staff.
IMPORT_JOB = {**LEADS, "session_lead": 404}
MEMBER = _member(ANON_API)
# What a lead of the session reads to manage it, and exports (in full).
MEMBER_OR_LEAD = {**MEMBER, "session_lead": OK}
REVIEWER_WRITE = _member(ANON_API, adjudicator=403, staff=403)
ADJUDICATING = _member(ANON_API, reviewer_a=403, reviewer_b=403)
WEB_MEMBER = _member(ANON_WEB)
WEB_ADJUDICATING = _member(ANON_WEB, reviewer_a=403, reviewer_b=403)
# Reviewer A's span: B sees it only in an open session, and never changes it.
SPAN_READ = {
    "blind": _member(ANON_API, reviewer_b=404),
    "open": MEMBER,
}
SPAN_WRITE = {
    "blind": _member(ANON_API, reviewer_b=404, adjudicator=403, staff=403),
    "open": _member(ANON_API, reviewer_b=403, adjudicator=403, staff=403),
}
# Threads of a unit: adjudicators always; in a blind session reviewers only once
# they marked the article done (neither has here), so blind work stays blind.
THREAD = {"blind": _member(ANON_API, reviewer_a=403, reviewer_b=403), "open": MEMBER}
# Agreement figures: a blind session's reviewers wait for review.
FIGURES = {"blind": ADJUDICATING, "open": MEMBER}
# Tasks: adjudicators of the task's session and staff; a reviewer is refused.
TASK = {**_everyone(ANON_API, 403), "adjudicator": OK, "staff": OK}
# Export jobs: the job's creator (the adjudicator) and staff; others 404.
EXPORT_JOB = {**_everyone(ANON_API, 404), "adjudicator": OK, "staff": OK}

POLICIES: dict[str, dict[str, dict]] = {
    "api:token": {"POST": ANYONE, "DELETE": SIGNED_IN},
    "api:token-rotate": {"POST": SIGNED_IN},
    "api:user-token": {"DELETE": STAFF_ONLY},
    "api:me": {"GET": SIGNED_IN},
    "api:session-list": {"GET": SIGNED_IN, "POST": LEADS},
    "api:session-detail": {"GET": MEMBER_OR_LEAD, "PATCH": MANAGE},
    "api:article-list": {"GET": MEMBER, "POST": MANAGE},
    "api:article-detail": {"GET": MEMBER, "DELETE": MANAGE},
    "api:article-review-state": {"PUT": REVIEWER_WRITE},
    "api:span-list": {"GET": MEMBER, "POST": REVIEWER_WRITE},
    "api:span-bulk": {"POST": REVIEWER_WRITE},
    "api:span-detail": {
        "GET": SPAN_READ,
        "PUT": SPAN_WRITE,
        "PATCH": SPAN_WRITE,
        "DELETE": SPAN_WRITE,
    },
    # Only the reviewer who deleted a span can restore it (the service checks).
    "api:span-restore": {"POST": REVIEWER_WRITE},
    "api:cited-sources": {"GET": MEMBER},
    "api:adjudication-disputes": {"GET": ADJUDICATING},
    "api:adjudication-unit": {"GET": ADJUDICATING},
    "api:adjudication-decision": {"POST": ADJUDICATING},
    "api:adjudication-gold": {"GET": ADJUDICATING},
    "api:gold-undo": {"POST": ADJUDICATING},
    "api:adjudication-facts": {"GET": ADJUDICATING, "POST": ADJUDICATING},
    "api:adjudication-fact-links": {"POST": ADJUDICATING},
    "api:adjudication-fact-link": {"DELETE": ADJUDICATING},
    "api:session-export": {"GET": MEMBER_OR_LEAD},
    "api:session-export-jobs": {"POST": MEMBER_OR_LEAD, "GET": MEMBER_OR_LEAD},
    "api:export-job-detail": {"GET": EXPORT_JOB},
    "api:export-job-download": {"GET": EXPORT_JOB},
    "api:agreement-session": {"GET": FIGURES},
    "api:agreement-recompute": {"POST": ADJUDICATING},
    "api:agreement-article": {"GET": FIGURES},
    "api:agreement-units": {"GET": FIGURES},
    # Reviewer feedback is off in the world here: reviewers 403 until the lead
    # turns it on; adjudicators and staff 403 without ?reviewer= (whose feedback);
    # outsiders still 404 (tests/api/test_feedback.py has the rest).
    "api:article-feedback": {
        "GET": _member(
            ANON_API, reviewer_a=403, reviewer_b=403, adjudicator=403, staff=403
        )
    },
    "api:task-state": {"GET": TASK},
    "api:reliability-report": {"GET": ADJUDICATING},
    "api:reliability-recompute": {"POST": ADJUDICATING},
    "api:reliability-evidence": {"GET": ADJUDICATING},
    "api:discussion-comments": {"GET": THREAD, "POST": THREAD},
    "api:discussion-comments-read": {"POST": THREAD},
    "api:discussion-unread": {"GET": MEMBER},
    "api:discussion-note": {"GET": ADJUDICATING, "PUT": ADJUDICATING},
    "api:session-members": {"GET": MANAGE, "POST": MANAGE},
    "api:session-member": {"DELETE": MANAGE},
    "api:session-assignments": {"GET": MANAGE},
    "api:session-assignment": {"PUT": MANAGE},
    "api:users": {"GET": LEADS, "POST": LEADS},
    "api:article-import": {"POST": LEADS},
    "api:article-import-job": {"GET": IMPORT_JOB},
    "api:library-article-list": {"GET": LEADS},
    "api:library-article-detail": {"GET": LEADS},
    "api:article-answers": {"GET": MEMBER, "PUT": REVIEWER_WRITE},
    "api:article-gold-answers": {"GET": ADJUDICATING, "PUT": ADJUDICATING},
    "api:question-disputes": {"GET": ADJUDICATING},
    "web:home": {"GET": {**_everyone(ANON_WEB, OK)}},
    "web:session-new": {"GET": WEB_LEADS},
    "web:session-manage": {"GET": WEB_MANAGE},
    "web:queue": {"GET": WEB_MEMBER},
    # The one-time link: anyone may open it (a wrong token is a page saying so).
    "web:set-password": {"GET": ANYONE, "POST": ANYONE, "PUT": ANYONE},
    "web:set-password-done": {"GET": ANYONE},
    "web:library": {"GET": WEB_LEADS},
    # A lead without a role is sent on to the session's management page.
    "web:session": {"GET": {**WEB_MEMBER, "session_lead": 302}},
    "web:annotate": {"GET": WEB_MEMBER},
    "web:dashboard": {"GET": WEB_ADJUDICATING},
    "web:disputes": {"GET": WEB_ADJUDICATING},
}

# Routes whose answer must show the other reviewer's span in an open session:
# proof that the blind check below looks at a place the marker would show.
SHOWS_OTHERS_WHEN_OPEN = {"api:span-list"}


# --- Routes from the URL conf -----------------------------------------------------

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _methods(pattern: URLPattern) -> tuple[str, ...]:
    callback = pattern.callback
    actions = getattr(callback, "actions", None)
    if actions:  # a DRF viewset bound to {method: action}
        return tuple(m.upper() for m in actions if m.upper() in HTTP_METHODS)
    view_class = getattr(callback, "view_class", None) or getattr(callback, "cls", None)
    if view_class is not None:
        return tuple(m for m in HTTP_METHODS if hasattr(view_class, m.lower()))
    return ("GET",)  # a function view: the pages answer GET


def _walk(resolver: URLResolver, prefix: str, namespace: str | None):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry, route, entry.namespace or namespace)
        elif namespace in ("api", "web") and entry.name:
            yield Route(namespace, entry.name, route, _methods(entry))


def routes() -> list[Route]:
    return list(_walk(get_resolver(), "/", None))


def test_every_route_has_a_policy():
    missing = [
        f"{route.key} {method}"
        for route in routes()
        for method in route.methods
        if method not in POLICIES.get(route.key, {})
    ]
    assert not missing, f"add these to POLICIES in {__name__}: {missing}"
    stale = set(POLICIES) - {route.key for route in routes()}
    assert not stale, f"POLICIES names routes that no longer exist: {stale}"


# --- The world every request meets ------------------------------------------------


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db):
    users = {
        "outsider": UserFactory(username="outsider"),
        "lead": UserFactory(username="lead-elsewhere"),
        "reviewer_a": UserFactory(username="reviewer-a"),
        "reviewer_b": UserFactory(username="reviewer-b"),
        "adjudicator": UserFactory(username="adjudicator"),
        "staff": UserFactory(username="staff", is_staff=True),
    }
    users["session_lead"] = UserFactory(username="session-lead")
    manage = Permission.objects.get(codename="manage_sessions")
    users["lead"].user_permissions.add(manage)
    users["session_lead"].user_permissions.add(manage)
    import_job = ImportJob.objects.create(created_by=users["lead"])
    article = ArticleFactory(external_id="matrix", text=TEXT)
    worlds = {}
    for mode in MODES:
        session = session_with_team(
            articles=[article],
            reviewers=[users["reviewer_a"], users["reviewer_b"]],
            adjudicators=[users["adjudicator"]],
            blind=mode == "blind",
        )
        session.leads.add(users["session_lead"])
        span_a = make_span(
            session, article, users["reviewer_a"], quote=QUOTE_A, cited_source=MARKER_A
        )
        make_span(
            session, article, users["reviewer_b"], quote=QUOTE_B, cited_source=MARKER_B
        )
        agreement_recompute(session_id=session.pk, force=True, bootstrap_draws=10)
        unit = AgreementUnit.objects.filter(session=session).order_by("pk").first()
        gold = gold_decide(
            unit_id=unit.pk,
            adjudicator=users["adjudicator"],
            decision="accepted",
            accept_span_id=unit.spans.order_by("pk").first().pk,
        )
        fact, _ = fact_create(
            session_id=session.pk, label="Talks over", actor=users["adjudicator"]
        )
        fact_link_add(
            fact_id=fact.pk, gold_span_id=gold.pk, value="", actor=users["adjudicator"]
        )
        reliability_recompute(session_id=session.pk, force=True)
        score = ReliabilityScore.objects.filter(report__session=session).first()
        job = ExportJob.objects.create(
            created_by=users["adjudicator"],
            format="jsonl",
            params={"session": session.pk},
        )
        task = TaskRecord.objects.create(
            task_id=f"0f0e0d0c-0000-4000-8000-00000000000{len(worlds)}",
            name="annotations.recompute_agreement",
            session_id=session.pk,
        )
        worlds[mode] = {
            "sid": session.pk,
            "aid": article.pk,
            "article_id": article.pk,
            "pk": span_a.pk,
            "unit_id": unit.pk,
            "gold_span_id": gold.pk,
            "gold_id": gold.pk,
            "fact_id": fact.pk,
            "job_id": job.pk,
            "task_id": task.task_id,
            "kind": score.subject_kind,
            "subject_key": score.subject_key,
            "user_id": users["reviewer_a"].pk,
            "uidb64": "MQ",
            "token": "set-password",
            "overrides": {"api:article-import-job": {"job_id": import_job.pk}},
        }
    return users, worlds


def _url(route: Route, values: dict) -> str:
    def fill(match: re.Match) -> str:
        return str(values[match.group(1)])

    return re.sub(r"<(?:\w+:)?(\w+)>", fill, route.pattern)


def _request(client: Client, method: str, url: str):
    kwargs = {"content_type": "application/json", "data": "{}"}
    if method == "GET":
        return client.get(url)
    return getattr(client, method.lower())(url, **kwargs)


class _Rollback(Exception):
    pass


def _answer(user, method: str, url: str):
    client = Client()
    if user is not None:
        client.force_login(user)
    response = None
    try:
        with transaction.atomic():
            response = _request(client, method, url)
            raise _Rollback
    except _Rollback:
        pass
    return response


def _matches(expected, status: int) -> bool:
    if expected == OK:
        return status < 500 and status not in (401, 403, 404, 405)
    return status == expected


def _body(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


CASES = [
    pytest.param(route, method, id=f"{route.key}-{method}")
    for route in routes()
    for method in route.methods
]


@pytest.mark.parametrize(("route", "method"), CASES)
def test_route_answers_each_actor_by_its_policy(world, route, method):
    users, worlds = world
    policy = POLICIES[route.key][method]
    wrong = []
    for mode in MODES:
        expected_by_actor = policy.get(mode, policy) if "blind" in policy else policy
        url = _url(
            route, {**worlds[mode], **worlds[mode]["overrides"].get(route.key, {})}
        )
        for actor in ACTORS:
            user = None if actor == "anonymous" else users[actor]
            response = _answer(user, method, url)
            expected = expected_by_actor[actor]
            if not _matches(expected, response.status_code):
                wrong.append(f"{mode} {actor}: {response.status_code}, want {expected}")
                continue
            if method != "GET" or response.status_code != 200:
                continue
            body = _body(response)
            other = {"reviewer_a": MARKER_B, "reviewer_b": MARKER_A}.get(actor)
            if mode == "blind" and other and other in body:
                wrong.append(f"blind {actor}: sees the other reviewer's span")
            if (
                mode == "open"
                and other
                and route.key in SHOWS_OTHERS_WHEN_OPEN
                and other not in body
            ):
                wrong.append(f"open {actor}: the other reviewer's span is missing")
    assert not wrong, f"{method} {route.pattern}: " + "; ".join(wrong)
