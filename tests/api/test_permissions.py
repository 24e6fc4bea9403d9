"""Who may list, read, create, update and delete spans, in blind and open sessions.

Every refusal leaves every span row exactly as it was.
"""

import pytest

from annotations.models import SpanAnnotation
from tests.api.conftest import span_body, span_rows

pytestmark = pytest.mark.django_db

ACTORS = ["anonymous", "reviewer_a", "reviewer_b", "adjudicator", "staff", "outsider"]
ACTIONS = ["list", "read", "create", "update", "delete"]

# (actor, mode) → expected status per action on reviewer A's span.
EXPECTED = {
    ("anonymous", "blind"): dict.fromkeys(ACTIONS, 401),
    ("anonymous", "open"): dict.fromkeys(ACTIONS, 401),
    ("outsider", "blind"): dict.fromkeys(ACTIONS, 404),
    ("outsider", "open"): dict.fromkeys(ACTIONS, 404),
    ("reviewer_a", "blind"): {
        "list": 200,
        "read": 200,
        "create": 201,
        "update": 200,
        "delete": 204,
    },
    ("reviewer_a", "open"): {
        "list": 200,
        "read": 200,
        "create": 201,
        "update": 200,
        "delete": 204,
    },
    # Blind: A's span does not exist for B.
    ("reviewer_b", "blind"): {
        "list": 200,
        "read": 404,
        "create": 201,
        "update": 404,
        "delete": 404,
    },
    # Open: B sees A's span read-only.
    ("reviewer_b", "open"): {
        "list": 200,
        "read": 200,
        "create": 201,
        "update": 403,
        "delete": 403,
    },
    ("adjudicator", "blind"): {
        "list": 200,
        "read": 200,
        "create": 403,
        "update": 403,
        "delete": 403,
    },
    ("adjudicator", "open"): {
        "list": 200,
        "read": 200,
        "create": 403,
        "update": 403,
        "delete": 403,
    },
    ("staff", "blind"): {
        "list": 200,
        "read": 200,
        "create": 403,
        "update": 403,
        "delete": 403,
    },
    ("staff", "open"): {
        "list": 200,
        "read": 200,
        "create": 403,
        "update": 403,
        "delete": 403,
    },
}

# Usernames whose spans each actor sees in the list.
VISIBLE = {
    ("reviewer_a", "blind"): {"reviewer_a"},
    ("reviewer_b", "blind"): {"reviewer_b"},
    ("adjudicator", "blind"): {"reviewer_a", "reviewer_b"},
    ("staff", "blind"): {"reviewer_a", "reviewer_b"},
}


@pytest.fixture
def users(reviewer_a, reviewer_b, adjudicator, staff, outsider):
    return {
        "anonymous": None,
        "reviewer_a": reviewer_a,
        "reviewer_b": reviewer_b,
        "adjudicator": adjudicator,
        "staff": staff,
        "outsider": outsider,
    }


def perform(client, action, session, article, span):
    base = f"/api/sessions/{session.pk}/spans/"
    if action == "list":
        return client.get(base)
    if action == "read":
        return client.get(f"{base}{span.pk}/")
    if action == "create":
        return client.post(base, span_body(article, quote="Friday"), format="json")
    if action == "update":
        return client.patch(
            f"{base}{span.pk}/",
            {"note": "changed", "version": span.version},
            format="json",
        )
    return client.delete(f"{base}{span.pk}/")


@pytest.mark.parametrize("mode", ["blind", "open"])
@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize("action", ACTIONS)
def test_span_permission_matrix(
    action, actor, mode, sessions, article, users, reviewer_a, client_for
):
    session = sessions[mode]
    span = SpanAnnotation.objects.get(session=session, reviewer=reviewer_a)
    before = span_rows()
    response = perform(client_for(users[actor]), action, session, article, span)
    expected = EXPECTED[(actor, mode)][action]
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert span_rows() == before
        assert "detail" in response.json()
        return
    after = {row["id"]: row for row in span_rows()}
    if action in ("list", "read"):
        assert span_rows() == before
    if action == "create":
        assert len(after) == len(before) + 1
        assert response.json()["reviewer"] == actor
    if action == "update":
        assert after[span.pk]["note"] == "changed"
        assert after[span.pk]["version"] == span.version + 1
    if action == "delete":
        assert span.pk not in after and len(after) == len(before) - 1


@pytest.mark.parametrize("actor", ["reviewer_a", "reviewer_b", "adjudicator", "staff"])
def test_blind_list_shows_only_what_the_role_may_see(
    actor, sessions, users, client_for
):
    blind = client_for(users[actor]).get(f"/api/sessions/{sessions['blind'].pk}/spans/")
    seen = {span["reviewer"] for span in blind.json()["results"]}
    assert seen == VISIBLE[(actor, "blind")]
    opened = client_for(users[actor]).get(f"/api/sessions/{sessions['open'].pk}/spans/")
    assert {span["reviewer"] for span in opened.json()["results"]} == {
        "reviewer_a",
        "reviewer_b",
    }
    for span in opened.json()["results"]:
        assert span["is_mine"] == (span["reviewer"] == actor)
        assert span["can_edit"] == span["is_mine"]


@pytest.mark.parametrize("actor", ["reviewer_a", "reviewer_b", "adjudicator", "staff"])
def test_article_with_spans_shows_what_the_span_list_shows(
    actor, sessions, article, users, client_for
):
    client = client_for(users[actor])
    for mode, session in sessions.items():
        base = f"/api/sessions/{session.pk}"
        opened = client.get(f"{base}/articles/{article.pk}/?include=spans")
        assert opened.status_code == 200, opened.content
        listed = client.get(f"{base}/spans/?article={article.pk}").json()["results"]
        assert opened.json()["spans"] == listed
        seen = {span["reviewer"] for span in opened.json()["spans"]}
        assert seen == VISIBLE.get((actor, mode), {"reviewer_a", "reviewer_b"})


def test_blind_reviewer_filter_cannot_reveal_another_reviewer(
    sessions, reviewer_b, client_for
):
    response = client_for(reviewer_b).get(
        f"/api/sessions/{sessions['blind'].pk}/spans/?reviewer=reviewer_a"
    )
    assert response.status_code == 200
    assert response.json()["count"] == 0


def test_blind_cited_sources_are_the_reviewers_own(
    sessions, article, reviewer_a, reviewer_b, adjudicator, client_for
):
    from tests.api.conftest import make_span

    session = sessions["blind"]
    make_span(session, article, reviewer_b, quote="Friday", cited_source="Zeta")
    make_span(session, article, reviewer_b, quote="Asif", cited_source="Zeta")
    url = f"/api/sessions/{session.pk}/cited-sources/"
    assert client_for(reviewer_a).get(url).json() == {"results": ["Khawaja Asif"]}
    # Most used first, even against the alphabet.
    assert client_for(reviewer_b).get(url).json()["results"] == [
        "Zeta",
        "Khawaja Asif",
    ]
    assert client_for(adjudicator).get(url + "?q=zet").json() == {"results": ["Zeta"]}
