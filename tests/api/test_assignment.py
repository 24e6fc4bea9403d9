"""Balanced sessions: the plan over the API, what a reviewer may open, agreement.

Three reviewers (ids a < b < c), k = 2, three articles: the planner gives
article 0 to a and b, article 1 to a and c, article 2 to b and c (least
loaded first, ties to the lower id), so reviewer a is not assigned article 2.
"""

import pytest
from django.contrib.auth.models import Permission

from annotations.models import AgreementUnit, Assignment, SpanAnnotation
from annotations.services.agreement import agreement_recompute
from annotations.services.review import review_state_set
from annotations.services.sessions_admin import member_add, session_create
from tests.api.conftest import make_span, span_body
from tests.conftest import api_client_for
from tests.factories import ArticleFactory, UserFactory

pytestmark = pytest.mark.django_db
QUOTE = "the talks are over"


@pytest.fixture
def lead(db):
    user = UserFactory(username="lead")
    user.user_permissions.add(Permission.objects.get(codename="manage_sessions"))
    return type(user).objects.get(pk=user.pk)


@pytest.fixture
def world(lead, reviewer_a, reviewer_b, reviewer_c, adjudicator):
    articles = [
        ArticleFactory(text=f"Story {n}: he said “{QUOTE}” on Friday.")
        for n in range(3)
    ]
    session = session_create(
        creator=lead,
        name="Balanced",
        required_reviewers=2,
        assignment="balanced",
        members=[
            {"user": reviewer_a.pk, "role": "reviewer"},
            {"user": reviewer_b.pk, "role": "reviewer"},
            {"user": reviewer_c.pk, "role": "reviewer"},
            {"user": adjudicator.pk, "role": "adjudicator"},
        ],
        articles=[a.pk for a in articles],
    )
    return session, articles


def plan_of(session):
    plan = {}
    for article_id, username in Assignment.objects.filter(session=session).values_list(
        "article_id", "reviewer__username"
    ):
        plan.setdefault(article_id, set()).add(username)
    return plan


def test_the_plan_is_the_hand_worked_one(world):
    session, (a0, a1, a2) = world
    assert plan_of(session) == {
        a0.pk: {"reviewer_a", "reviewer_b"},
        a1.pk: {"reviewer_a", "reviewer_c"},
        a2.pk: {"reviewer_b", "reviewer_c"},
    }


def test_a_reviewer_lists_only_their_articles(world, reviewer_a, adjudicator):
    session, (a0, a1, a2) = world
    mine = api_client_for(reviewer_a).get(f"/api/sessions/{session.pk}/articles/")
    assert [row["id"] for row in mine.json()["results"]] == [a0.pk, a1.pk]
    everyone = api_client_for(adjudicator).get(f"/api/sessions/{session.pk}/articles/")
    assert [row["id"] for row in everyone.json()["results"]] == [a0.pk, a1.pk, a2.pk]


def test_a_reviewer_is_refused_an_unassigned_article_everywhere(world, reviewer_a):
    session, (a0, a1, a2) = world
    client = api_client_for(reviewer_a)
    base = f"/api/sessions/{session.pk}"
    before = list(SpanAnnotation.objects.values())
    refused = [
        client.get(f"{base}/articles/{a2.pk}/"),
        client.get(f"{base}/articles/{a2.pk}/?include=spans"),
        client.put(
            f"{base}/articles/{a2.pk}/review-state/", {"done": True}, format="json"
        ),
        client.post(f"{base}/spans/", span_body(a2, QUOTE), format="json"),
        client.post(
            f"{base}/spans/bulk/", {"spans": [span_body(a2, QUOTE)]}, format="json"
        ),
        client.get(f"{base}/spans/?article={a2.pk}"),
    ]
    for response in refused:
        assert response.status_code == 403, (
            response.request["PATH_INFO"],
            response.content,
        )
        assert "not assigned" in response.json()["detail"]
    assert list(SpanAnnotation.objects.values()) == before
    assert client.get(f"{base}/articles/{a0.pk}/?include=spans").status_code == 200
    assert (
        client.post(f"{base}/spans/", span_body(a0, QUOTE), format="json").status_code
        == 201
    )
    other = ArticleFactory()
    assert client.get(f"{base}/articles/{other.pk}/").status_code == 404


def test_the_lead_reads_and_changes_the_plan(
    world, lead, reviewer_a, reviewer_b, reviewer_c, adjudicator, outsider
):
    session, (a0, a1, a2) = world
    client = api_client_for(lead)
    page = client.get(f"/api/sessions/{session.pk}/assignments/")
    assert page.status_code == 200
    data = page.json()
    assert data["count"] == 3
    assert [
        (row["article"], [r["username"] for r in row["reviewers"]])
        for row in data["results"]
    ] == [
        (a0.pk, ["reviewer_a", "reviewer_b"]),
        (a1.pk, ["reviewer_a", "reviewer_c"]),
        (a2.pk, ["reviewer_b", "reviewer_c"]),
    ]
    assert (
        api_client_for(adjudicator)
        .get(f"/api/sessions/{session.pk}/assignments/")
        .status_code
        == 403
    )
    assert (
        api_client_for(outsider)
        .get(f"/api/sessions/{session.pk}/assignments/")
        .status_code
        == 404
    )
    url = f"/api/sessions/{session.pk}/assignments/{a2.pk}/"
    before = plan_of(session)
    for body in (
        {"reviewers": [reviewer_a.pk]},
        {"reviewers": [reviewer_a.pk, reviewer_a.pk]},
        {"reviewers": [reviewer_a.pk, adjudicator.pk]},
        {"reviewers": "everyone"},
        {},
    ):
        bad = client.put(url, body, format="json")
        assert bad.status_code == 400, body
        assert "reviewers" in bad.json()
        assert plan_of(session) == before
    assert (
        client.put(
            f"/api/sessions/{session.pk}/assignments/{ArticleFactory().pk}/",
            {"reviewers": [reviewer_a.pk, reviewer_b.pk]},
            format="json",
        ).status_code
        == 400
    )
    done = client.put(url, {"reviewers": [reviewer_a.pk, reviewer_c.pk]}, format="json")
    assert done.status_code == 200
    assert done.json() == {
        "article": a2.pk,
        "reviewers": sorted([reviewer_a.pk, reviewer_c.pk]),
        "unassigned_with_spans": [],
    }
    assert plan_of(session)[a2.pk] == {"reviewer_a", "reviewer_c"}
    assert (
        api_client_for(reviewer_a)
        .get(f"/api/sessions/{session.pk}/articles/{a2.pk}/")
        .status_code
        == 200
    )
    assert (
        api_client_for(reviewer_b)
        .get(f"/api/sessions/{session.pk}/articles/{a2.pk}/")
        .status_code
        == 403
    )


def _statuses(session, article):
    return list(
        AgreementUnit.objects.filter(session=session, article=article).values_list(
            "status", "reviewer_count"
        )
    )


def test_reassigned_spans_stay_marked_and_outside_agreement(
    world, lead, reviewer_a, reviewer_b, reviewer_c
):
    session, (a0, _, _) = world
    span_a = make_span(session, a0, reviewer_a, quote=QUOTE)
    make_span(session, a0, reviewer_b, quote=QUOTE)
    for user in (reviewer_a, reviewer_b):
        review_state_set(
            session_id=session.pk, article_id=a0.pk, reviewer=user, done=True
        )
    agreement_recompute(session_id=session.pk)
    assert _statuses(session, a0) == [("agreed", 2)]
    response = api_client_for(lead).put(
        f"/api/sessions/{session.pk}/assignments/{a0.pk}/",
        {"reviewers": [reviewer_b.pk, reviewer_c.pk]},
        format="json",
    )
    assert response.json()["unassigned_with_spans"] == [reviewer_a.pk]
    assert SpanAnnotation.objects.filter(pk=span_a.pk).exists()
    row = (
        api_client_for(lead)
        .get(f"/api/sessions/{session.pk}/assignments/")
        .json()["results"][0]
    )
    assert row["unassigned_with_spans"] == [
        {"id": reviewer_a.pk, "username": "reviewer_a", "spans": 1}
    ]
    # a's span and done no longer count: b is done, c (assigned) is not.
    agreement_recompute(session_id=session.pk)
    assert _statuses(session, a0) == [("pending", 1)]
    unit = AgreementUnit.objects.get(session=session, article=a0)
    assert span_a.pk not in set(unit.spans.values_list("pk", flat=True))
    make_span(session, a0, reviewer_c, quote=QUOTE)
    review_state_set(
        session_id=session.pk, article_id=a0.pk, reviewer=reviewer_c, done=True
    )
    agreement_recompute(session_id=session.pk)
    assert _statuses(session, a0) == [("agreed", 2)]


def test_pending_until_the_k_assigned_reviewers_are_done(world, reviewer_a, reviewer_c):
    session, (_, a1, _) = world
    make_span(session, a1, reviewer_a, quote=QUOTE)
    make_span(session, a1, reviewer_c, quote=QUOTE)
    review_state_set(
        session_id=session.pk, article_id=a1.pk, reviewer=reviewer_a, done=True
    )
    agreement_recompute(session_id=session.pk)
    assert _statuses(session, a1) == [("pending", 2)]
    review_state_set(
        session_id=session.pk, article_id=a1.pk, reviewer=reviewer_c, done=True
    )
    agreement_recompute(session_id=session.pk)
    assert _statuses(session, a1) == [("agreed", 2)]


def test_new_reviewers_and_articles_extend_the_plan_keeping_started_work(
    world, lead, reviewer_a, reviewer_b
):
    session, (a0, a1, a2) = world
    make_span(session, a0, reviewer_a, quote=QUOTE)
    make_span(session, a0, reviewer_b, quote=QUOTE)
    newcomer = UserFactory(username="reviewer_d")
    member_add(session_id=session.pk, user_id=newcomer.pk, role="reviewer")
    plan = plan_of(session)
    assert plan[a0.pk] == {"reviewer_a", "reviewer_b"}
    assert all(len(reviewers) == 2 for reviewers in plan.values())
    loads = {}
    for reviewers in plan.values():
        for name in reviewers:
            loads[name] = loads.get(name, 0) + 1
    assert max(loads.values()) - min(loads.values()) <= 1
    assert loads["reviewer_d"] >= 1
    more = [ArticleFactory() for _ in range(3)]
    response = api_client_for(lead).post(
        f"/api/sessions/{session.pk}/articles/",
        {"articles": [a.pk for a in more]},
        format="json",
    )
    assert response.status_code == 201
    plan = plan_of(session)
    assert plan[a0.pk] == {"reviewer_a", "reviewer_b"}
    assert len(plan) == 6 and all(len(r) == 2 for r in plan.values())


def test_an_all_session_turned_balanced_keeps_who_started_what(
    lead, reviewer_a, reviewer_b, reviewer_c
):
    articles = [ArticleFactory(text=f"Story {n}: “{QUOTE}”.") for n in range(3)]
    session = session_create(
        creator=lead,
        name="All first",
        required_reviewers=1,
        members=[
            {"user": r.pk, "role": "reviewer"}
            for r in (reviewer_a, reviewer_b, reviewer_c)
        ],
        articles=[a.pk for a in articles],
    )
    assert not Assignment.objects.filter(session=session).exists()
    make_span(session, articles[2], reviewer_a, quote=QUOTE)
    response = api_client_for(lead).patch(
        f"/api/sessions/{session.pk}/",
        {"assignment": "balanced", "calibration": 1},
        format="json",
    )
    assert response.status_code == 200
    plan = plan_of(session)
    assert plan[articles[0].pk] == {"reviewer_a", "reviewer_b", "reviewer_c"}
    assert plan[articles[2].pk] == {"reviewer_a"}
    assert plan[articles[1].pk] in ({"reviewer_b"}, {"reviewer_c"})
    flags = dict(
        Assignment.objects.filter(session=session).values_list(
            "article_id", "calibration"
        )
    )
    assert flags[articles[0].pk] is True and flags[articles[2].pk] is False


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("reviewer_a", 403),
        ("adjudicator", 403),
        ("outsider", 404),
        ("other_lead", 404),
    ],
)
def test_only_the_sessions_lead_reads_or_changes_the_plan(
    request, world, reviewer_a, reviewer_c, who, status
):
    """Members without the lead role 403; strangers, even a lead of another
    session, 404; the plan is untouched either way."""
    session, (_, _, a2) = world
    if who == "other_lead":
        user = UserFactory(username="other_lead")
        user.user_permissions.add(Permission.objects.get(codename="manage_sessions"))
        session_create(creator=user, name="Theirs", required_reviewers=1)
    else:
        user = request.getfixturevalue(who)
    client = api_client_for(type(user).objects.get(pk=user.pk))
    before = plan_of(session)
    base = f"/api/sessions/{session.pk}/assignments/"
    assert client.get(base).status_code == status
    body = {"reviewers": [reviewer_a.pk, reviewer_c.pk]}
    assert client.put(f"{base}{a2.pk}/", body, format="json").status_code == status
    assert plan_of(session) == before
