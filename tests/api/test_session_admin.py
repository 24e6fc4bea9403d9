"""Sessions without the admin: create, change, members, articles, accounts.

Leads only: reviewers and adjudicators of the session get 403, people without
a role in it 404 (a lead of another session too), anonymous callers 401. A
refused or invalid change leaves the database as it was.
"""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.auth.tokens import default_token_generator
from django.test import Client

from annotations.models import (
    AnnotationSession,
    Assignment,
    SessionArticle,
    SessionMembership,
)
from tests.api.conftest import make_span
from tests.conftest import api_client_for
from tests.factories import ArticleFactory, UserFactory, session_with_team

pytestmark = pytest.mark.django_db


def make_lead(username):
    user = UserFactory(username=username)
    user.user_permissions.add(Permission.objects.get(codename="manage_sessions"))
    return type(user).objects.get(pk=user.pk)  # drop the permission cache


@pytest.fixture
def lead(db):
    return make_lead("lead")


@pytest.fixture
def other_lead(db):
    return make_lead("other_lead")


@pytest.fixture
def articles(db):
    return [
        ArticleFactory(text=f"Article number {n} says “the talks are over” today.")
        for n in range(4)
    ]


@pytest.fixture
def led(lead, articles, reviewer_a, reviewer_b, adjudicator):
    session = session_with_team(
        articles=articles[:2],
        reviewers=[reviewer_a, reviewer_b],
        adjudicators=[adjudicator],
        required_reviewers=2,
    )
    session.created_by = lead
    session.save(update_fields=["created_by"])
    return session


def snapshot():
    return (
        list(AnnotationSession.objects.order_by("pk").values()),
        list(SessionMembership.objects.order_by("pk").values()),
        list(SessionArticle.objects.order_by("pk").values()),
        list(Assignment.objects.order_by("pk").values()),
    )


def actor(name, request):
    return None if name == "anonymous" else request.getfixturevalue(name)


REFUSED = {
    "anonymous": 401,
    "reviewer_a": 403,
    "adjudicator": 403,
    "outsider": 404,
    "other_lead": 404,
}


def _calls(led, articles, reviewer_c):
    sid = led.pk
    return {
        "patch": ("patch", f"/api/sessions/{sid}/", {"name": "Renamed"}),
        "member-add": (
            "post",
            f"/api/sessions/{sid}/members/",
            {"user": reviewer_c.pk, "role": "reviewer"},
        ),
        "member-remove": (
            "delete",
            f"/api/sessions/{sid}/members/{led.memberships.first().user_id}/",
            None,
        ),
        "articles-add": (
            "post",
            f"/api/sessions/{sid}/articles/",
            {"articles": [articles[2].pk]},
        ),
        "article-remove": (
            "delete",
            f"/api/sessions/{sid}/articles/{articles[0].pk}/",
            None,
        ),
        "assignments": ("get", f"/api/sessions/{sid}/assignments/", None),
        "reassign": (
            "put",
            f"/api/sessions/{sid}/assignments/{articles[0].pk}/",
            {"reviewers": [1]},
        ),
        "members": ("get", f"/api/sessions/{sid}/members/", None),
    }


CALLS = [
    "patch",
    "member-add",
    "member-remove",
    "articles-add",
    "article-remove",
    "assignments",
    "reassign",
    "members",
]


@pytest.mark.parametrize("who", list(REFUSED))
@pytest.mark.parametrize("call", CALLS)
def test_only_the_sessions_leads_manage_it(
    request, who, call, led, articles, reviewer_c, other_lead
):
    method, path, body = _calls(led, articles, reviewer_c)[call]
    before = snapshot()
    response = getattr(api_client_for(actor(who, request)), method)(
        path, body, format="json"
    )
    assert response.status_code == REFUSED[who], response.content
    assert response.json()["detail"]
    assert snapshot() == before


@pytest.mark.parametrize("who", ["anonymous", "reviewer_a", "outsider"])
@pytest.mark.parametrize(
    "method,path,body",
    [
        ("post", "/api/sessions/", {"name": "Mine"}),
        ("post", "/api/users/", {"username": "newbie"}),
        ("get", "/api/users/", None),
    ],
)
def test_only_leads_create_sessions_and_accounts(request, who, method, path, body):
    expected = 401 if who == "anonymous" else 403
    response = getattr(api_client_for(actor(who, request)), method)(
        path, body, format="json"
    )
    assert response.status_code == expected
    assert not AnnotationSession.objects.filter(name="Mine").exists()


def test_a_lead_creates_a_balanced_session_with_members_and_articles(
    lead, articles, reviewer_a, reviewer_b, reviewer_c, adjudicator
):
    body = {
        "name": "Ceasefire coverage",
        "description": "Week 1",
        "scheme": "default",
        "required_reviewers": 2,
        "blind": False,
        "alignment_threshold": 0.4,
        "assignment": "balanced",
        "calibration": 1,
        "members": [
            {"user": reviewer_a.pk, "role": "reviewer"},
            {"user": reviewer_b.pk, "role": "reviewer"},
            {"user": reviewer_c.pk, "role": "reviewer"},
            {"user": adjudicator.pk, "role": "adjudicator"},
        ],
        "articles": [a.pk for a in articles],
    }
    response = api_client_for(lead).post("/api/sessions/", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["my_role"] == "lead"
    assert data["assignment"] == "balanced" and data["calibration"] == 1
    assert data["required_reviewers"] == 2 and data["blind"] is False
    assert data["reviewers"] == ["reviewer_a", "reviewer_b", "reviewer_c"]
    session = AnnotationSession.objects.get(pk=data["id"])
    assert session.created_by == lead
    # Calibration article: all three; the other three: two each, loads 2/2/2.
    plan = {}
    for row in Assignment.objects.filter(session=session):
        plan.setdefault(row.article_id, set()).add(row.reviewer_id)
    assert plan[articles[0].pk] == {reviewer_a.pk, reviewer_b.pk, reviewer_c.pk}
    assert all(len(plan[a.pk]) == 2 for a in articles[1:])
    loads = [
        sum(r in plan[a.pk] for a in articles[1:])
        for r in (reviewer_a.pk, reviewer_b.pk, reviewer_c.pk)
    ]
    assert loads == [2, 2, 2]
    listed = api_client_for(lead).get("/api/sessions/").json()
    assert [row["id"] for row in listed["results"]] == [session.pk]
    # The other lead cannot see it.
    assert (
        api_client_for(make_lead("x")).get(f"/api/sessions/{session.pk}/").status_code
        == 404
    )


@pytest.mark.parametrize(
    "body,field",
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"name": "A", "required_reviewers": 0}, "required_reviewers"),
        ({"name": "A", "required_reviewers": "many"}, "required_reviewers"),
        ({"name": "A", "alignment_threshold": 0}, "alignment_threshold"),
        ({"name": "A", "alignment_threshold": 1.5}, "alignment_threshold"),
        ({"name": "A", "assignment": "random"}, "assignment"),
        ({"name": "A", "calibration": -1}, "calibration"),
        ({"name": "A", "blind": "perhaps"}, "blind"),
        ({"name": "A", "scheme": "nope"}, "scheme"),
        ({"name": "A", "articles": [999999]}, "articles"),
        ({"name": "A", "articles": "1,2"}, "articles"),
        ({"name": "A", "members": [{"user": 999999, "role": "reviewer"}]}, "user"),
        ({"name": "A", "members": [{"user": 1, "role": "boss"}]}, "members"),
    ],
)
def test_bad_session_input_is_a_400_naming_the_field(lead, body, field):
    before = snapshot()
    response = api_client_for(lead).post("/api/sessions/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert snapshot() == before


def test_patch_changes_settings_and_switching_to_balanced_makes_a_plan(
    lead, led, reviewer_a, reviewer_b
):
    client = api_client_for(lead)
    response = client.patch(
        f"/api/sessions/{led.pk}/",
        {"assignment": "balanced", "required_reviewers": 1, "name": "Renamed"},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Renamed"
    assert Assignment.objects.filter(session=led).count() == 2  # 2 articles × k=1
    bad = client.patch(f"/api/sessions/{led.pk}/", {"calibration": "x"}, format="json")
    assert bad.status_code == 400 and "calibration" in bad.json()
    back = client.patch(
        f"/api/sessions/{led.pk}/", {"assignment": "all"}, format="json"
    )
    assert back.status_code == 200
    assert not Assignment.objects.filter(session=led).exists()


def test_the_scheme_cannot_change_once_there_are_spans(lead, led, articles, reviewer_a):
    from annotations.models import LabelScheme

    LabelScheme.objects.create(slug="other", name="Other")
    make_span(led, articles[0], reviewer_a, quote="the talks are over")
    response = api_client_for(lead).patch(
        f"/api/sessions/{led.pk}/", {"scheme": "other"}, format="json"
    )
    assert response.status_code == 400 and "scheme" in response.json()


def test_members_are_added_changed_and_removed(lead, led, reviewer_c, articles):
    client = api_client_for(lead)
    added = client.post(
        f"/api/sessions/{led.pk}/members/",
        {"user": reviewer_c.pk, "role": "reviewer"},
        format="json",
    )
    assert added.status_code == 201
    assert {
        "id": reviewer_c.pk,
        "username": "reviewer_c",
        "email": "",
        "role": "reviewer",
    } in added.json()
    for body, field in (
        ({"user": reviewer_c.pk, "role": "boss"}, "role"),
        ({"user": 987654, "role": "reviewer"}, "user"),
        ({"role": "reviewer"}, "user"),
    ):
        response = client.post(f"/api/sessions/{led.pk}/members/", body, format="json")
        assert response.status_code == 400 and field in response.json()
    gone = client.delete(f"/api/sessions/{led.pk}/members/{reviewer_c.pk}/")
    assert gone.status_code == 204
    assert not SessionMembership.objects.filter(session=led, user=reviewer_c).exists()
    again = client.delete(f"/api/sessions/{led.pk}/members/{reviewer_c.pk}/")
    assert again.status_code == 404


def test_a_reviewer_with_spans_cannot_be_removed(lead, led, articles, reviewer_a):
    make_span(led, articles[0], reviewer_a, quote="the talks are over")
    response = api_client_for(lead).delete(
        f"/api/sessions/{led.pk}/members/{reviewer_a.pk}/"
    )
    assert response.status_code == 400 and "user" in response.json()
    assert SessionMembership.objects.filter(session=led, user=reviewer_a).exists()


def test_articles_are_added_in_order_and_removed_until_they_have_spans(
    lead, led, articles, reviewer_a
):
    client = api_client_for(lead)
    response = client.post(
        f"/api/sessions/{led.pk}/articles/",
        {"articles": [articles[3].pk, articles[2].pk, articles[0].pk]},
        format="json",
    )
    assert response.status_code == 201, response.content
    assert response.json() == {"added": [articles[3].pk, articles[2].pk], "articles": 4}
    order = list(
        SessionArticle.objects.filter(session=led)
        .order_by("position")
        .values_list("article_id", flat=True)
    )
    assert order == [articles[0].pk, articles[1].pk, articles[3].pk, articles[2].pk]
    for body in ({"articles": []}, {"articles": [0]}, {"articles": [123456789]}, {}):
        bad = client.post(f"/api/sessions/{led.pk}/articles/", body, format="json")
        assert bad.status_code == 400 and "articles" in bad.json()
    make_span(led, articles[0], reviewer_a, quote="the talks are over")
    refused = client.delete(f"/api/sessions/{led.pk}/articles/{articles[0].pk}/")
    assert refused.status_code == 400
    assert "span" in refused.json()["article"][0]
    assert (
        client.delete(f"/api/sessions/{led.pk}/articles/{articles[2].pk}/").status_code
        == 204
    )
    assert (
        client.delete(f"/api/sessions/{led.pk}/articles/{articles[2].pk}/").status_code
        == 404
    )
    assert SessionArticle.objects.filter(session=led).count() == 3


def test_staff_manage_every_session(staff, led, reviewer_c):
    response = api_client_for(staff).post(
        f"/api/sessions/{led.pk}/members/",
        {"user": reviewer_c.pk, "role": "adjudicator"},
        format="json",
    )
    assert response.status_code == 201


def test_a_lead_creates_an_account_whose_link_works_once(lead):
    client = api_client_for(lead)
    response = client.post(
        "/api/users/",
        {"username": "new_reviewer", "email": "n@example.org"},
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    user = type(lead).objects.get(username="new_reviewer")
    assert not user.has_usable_password()
    assert data["id"] == user.pk and data["email"] == "n@example.org"
    path = data["set_password_url"].removeprefix("http://testserver")
    browser = Client()
    page = browser.get(path, follow=True)
    assert page.status_code == 200 and b"Choose a password" in page.content
    form_path = page.redirect_chain[-1][0]
    done = browser.post(
        form_path,
        {
            "new_password1": "A long passphrase 42",
            "new_password2": "A long passphrase 42",
        },
        follow=True,
    )
    assert b"Password set" in done.content
    user.refresh_from_db()
    assert user.check_password("A long passphrase 42")
    assert b"already been used" in Client().get(path, follow=True).content
    assert not default_token_generator.check_token(
        user, path.rstrip("/").split("/")[-1]
    )
    duplicate = client.post("/api/users/", {"username": "NEW_reviewer"}, format="json")
    assert duplicate.status_code == 400 and "username" in duplicate.json()
    for body, field in (
        ({"username": "has space"}, "username"),
        ({}, "username"),
        ({"username": "ok", "email": "not-an-email"}, "email"),
    ):
        bad = client.post("/api/users/", body, format="json")
        assert bad.status_code == 400 and field in bad.json(), bad.json()


def test_a_lead_finds_users_to_add(lead, reviewer_a, reviewer_b):
    response = api_client_for(lead).get("/api/users/?q=viewer_a")
    assert response.status_code == 200
    assert [u["username"] for u in response.json()["results"]] == ["reviewer_a"]
