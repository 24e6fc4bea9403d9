"""Discussion on claims: who may read and write threads and notes, unread counts."""

import json
from types import SimpleNamespace

import pytest

from annotations.exporters.base import ExportFilters
from annotations.exporters.jsonl import jsonl_lines
from annotations.models import UnitComment
from annotations.services import recompute
from annotations.services.discussion import MAX_COMMENT_CHARS
from annotations.services.review import review_state_set
from tests.conftest import api_client_for
from tests.factories import ArticleFactory, session_with_team
from tests.plugins.adjudication import make_span, make_unit

TEXT = "Asif said “the talks are over” on Friday in Istanbul."
OTHER = "Tarar said 23 soldiers were killed on Friday."


@pytest.fixture
def thread(db, reviewer_a, reviewer_b, adjudicator, monkeypatch):
    monkeypatch.setattr(recompute, "agreement_enqueue", lambda **kwargs: None)
    article = ArticleFactory(external_id="talks", text=TEXT)
    other = ArticleFactory(external_id="soldiers", text=OTHER)
    blind = session_with_team(
        articles=[article, other],
        reviewers=[reviewer_a, reviewer_b],
        adjudicators=[adjudicator],
    )
    spans = [
        make_span(
            blind, article, who, "the talks are over", "event_action", "unsupported"
        )
        for who in (reviewer_a, reviewer_b)
    ]
    unit = make_unit(blind, article, "talks-1", spans)
    soldiers = make_span(
        blind, other, reviewer_a, "23 soldiers", "quantity", "named_on_record"
    )
    other_unit = make_unit(blind, other, "soldiers-1", [soldiers])
    return SimpleNamespace(
        session=blind, article=article, other=other, unit=unit, other_unit=other_unit
    )


def comments_url(thread, unit=None):
    unit = unit or thread.unit
    return f"/api/sessions/{thread.session.pk}/units/{unit.pk}/comments/"


def note_url(thread, article=None):
    article = article or thread.article
    return f"/api/sessions/{thread.session.pk}/articles/{article.pk}/note/"


def post(user, url, body):
    return api_client_for(user).post(url, body, format="json")


def test_adjudicator_posts_and_reads_a_thread(thread, adjudicator):
    response = post(adjudicator, comments_url(thread), {"text": "  Is B right?  "})
    assert response.status_code == 201, response.content
    assert response.json()["text"] == "Is B right?"
    assert response.json()["author"] == "adjudicator"
    assert response.json()["unread"] is False
    listed = api_client_for(adjudicator).get(comments_url(thread)).json()
    assert listed["count"] == 1 and listed["unread"] == 0
    assert [c["text"] for c in listed["results"]] == ["Is B right?"]


def test_blind_reviewer_cannot_read_or_post_before_done(
    thread, reviewer_a, adjudicator
):
    post(adjudicator, comments_url(thread), {"text": "B marked more words."})
    client = api_client_for(reviewer_a)
    assert client.get(comments_url(thread)).status_code == 403
    response = client.post(comments_url(thread), {"text": "me too"}, format="json")
    assert response.status_code == 403
    assert "detail" in response.json()
    assert UnitComment.objects.count() == 1


def test_blind_reviewer_reads_and_posts_after_done_only_on_that_article(
    thread, reviewer_a, adjudicator
):
    post(adjudicator, comments_url(thread), {"text": "B marked more words."})
    review_state_set(
        session_id=thread.session.pk,
        article_id=thread.article.pk,
        reviewer=reviewer_a,
        done=True,
    )
    client = api_client_for(reviewer_a)
    listed = client.get(comments_url(thread))
    assert listed.status_code == 200
    assert listed.json()["results"][0]["text"] == "B marked more words."
    assert (
        post(reviewer_a, comments_url(thread), {"text": "Agreed."}).status_code == 201
    )
    # Another article, not done: still closed.
    assert client.get(comments_url(thread, thread.other_unit)).status_code == 403
    # Reopening the article closes its threads again.
    review_state_set(
        session_id=thread.session.pk,
        article_id=thread.article.pk,
        reviewer=reviewer_a,
        done=False,
    )
    assert client.get(comments_url(thread)).status_code == 403


def test_open_session_reviewers_take_part_at_any_time(thread, reviewer_a):
    thread.session.blind = False
    thread.session.save()
    assert post(reviewer_a, comments_url(thread), {"text": "Open."}).status_code == 201


def test_outsiders_and_anonymous_learn_nothing(thread, outsider):
    for user, status in ((outsider, 404), (None, 401)):
        client = api_client_for(user)
        assert client.get(comments_url(thread)).status_code == status
        assert (
            client.post(comments_url(thread), {"text": "x"}, format="json").status_code
            == status
        )
        assert client.get(note_url(thread)).status_code == status
        assert (
            client.put(note_url(thread), {"text": "x"}, format="json").status_code
            == status
        )
        assert (
            client.get(
                f"/api/sessions/{thread.session.pk}/comments/unread/"
            ).status_code
            == status
        )
    assert UnitComment.objects.count() == 0


def test_a_unit_of_another_session_is_404(thread, adjudicator, reviewer_c):
    other_article = ArticleFactory(external_id="elsewhere", text=OTHER)
    other = session_with_team(articles=[other_article], reviewers=[reviewer_c])
    span = make_span(
        other, other_article, reviewer_c, "23 soldiers", "quantity", "named_on_record"
    )
    foreign = make_unit(other, other_article, "x-1", [span])
    response = api_client_for(adjudicator).get(
        f"/api/sessions/{thread.session.pk}/units/{foreign.pk}/comments/"
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({}, "required"),
        ({"text": ""}, "empty"),
        ({"text": "   "}, "empty"),
        ({"text": 5}, "string"),
        ({"text": ["a"]}, "string"),
        ({"text": "x" * (MAX_COMMENT_CHARS + 1)}, str(MAX_COMMENT_CHARS)),
        ({"text": "nul \x00 byte"}, "NUL"),
    ],
)
def test_bad_comments_are_400_naming_text(thread, adjudicator, body, message):
    response = post(adjudicator, comments_url(thread), body)
    assert response.status_code == 400, response.content
    assert message in " ".join(response.json()["text"])
    assert UnitComment.objects.count() == 0


def test_a_body_that_is_not_an_object_is_400(thread, adjudicator):
    response = api_client_for(adjudicator).post(
        comments_url(thread), json.dumps(["text"]), content_type="application/json"
    )
    assert response.status_code == 400
    # The shared JSON parser refuses non-object bodies for every endpoint.
    assert "must be a JSON object" in response.json()["detail"]
    response = api_client_for(adjudicator).post(
        comments_url(thread), "{not json", content_type="application/json"
    )
    assert response.status_code == 400


def test_new_comments_are_unread_for_the_others_until_they_read(
    thread, adjudicator, staff, reviewer_b
):
    post(adjudicator, comments_url(thread), {"text": "one"})
    post(adjudicator, comments_url(thread), {"text": "two"})
    post(adjudicator, comments_url(thread, thread.other_unit), {"text": "three"})
    unread_url = f"/api/sessions/{thread.session.pk}/comments/unread/"
    # The author has read their own comments.
    assert api_client_for(adjudicator).get(unread_url).json() == {
        "total": 0,
        "units": [],
    }
    staff_client = api_client_for(staff)
    assert staff_client.get(unread_url).json() == {
        "total": 3,
        "units": [
            {"unit": thread.unit.pk, "article": thread.article.pk, "unread": 2},
            {"unit": thread.other_unit.pk, "article": thread.other.pk, "unread": 1},
        ],
    }
    listed = staff_client.get(comments_url(thread)).json()
    assert listed["unread"] == 2 and all(c["unread"] for c in listed["results"])
    # Reading marks the thread read up to a comment, then to its newest.
    first = listed["results"][0]["id"]
    marked = staff_client.post(
        comments_url(thread) + "read/", {"up_to": first}, format="json"
    )
    assert marked.json() == {"last_read": first, "unread": 1}
    marked = staff_client.post(comments_url(thread) + "read/", {}, format="json")
    assert marked.json()["unread"] == 0
    assert staff_client.get(unread_url).json()["total"] == 1
    # A marker never moves back.
    staff_client.post(comments_url(thread) + "read/", {"up_to": first}, format="json")
    assert staff_client.get(comments_url(thread)).json()["unread"] == 0
    # A blind reviewer counts only the threads they may read (none yet).
    assert api_client_for(reviewer_b).get(unread_url).json()["total"] == 0
    review_state_set(
        session_id=thread.session.pk,
        article_id=thread.article.pk,
        reviewer=reviewer_b,
        done=True,
    )
    assert api_client_for(reviewer_b).get(unread_url).json()["total"] == 2


def test_mark_read_up_to_a_foreign_comment_is_400(thread, adjudicator):
    other = post(adjudicator, comments_url(thread, thread.other_unit), {"text": "x"})
    for up_to in (other.json()["id"], "7", True):
        response = post(adjudicator, comments_url(thread) + "read/", {"up_to": up_to})
        assert response.status_code == 400
        assert "up_to" in response.json()


def test_article_note_is_for_adjudicators(thread, adjudicator, reviewer_a, staff):
    review_state_set(
        session_id=thread.session.pk,
        article_id=thread.article.pk,
        reviewer=reviewer_a,
        done=True,
    )
    assert api_client_for(reviewer_a).get(note_url(thread)).status_code == 403
    put = api_client_for(reviewer_a).put(note_url(thread), {"text": "x"}, format="json")
    assert put.status_code == 403
    client = api_client_for(adjudicator)
    empty = client.get(note_url(thread)).json()
    assert empty["text"] == "" and empty["version"] == 0
    saved = client.put(
        note_url(thread), {"text": "Check the wire copy.", "version": 0}, format="json"
    )
    assert saved.status_code == 200, saved.content
    assert saved.json()["version"] == 1 and saved.json()["updated_by"] == "adjudicator"
    assert (
        api_client_for(staff).get(note_url(thread)).json()["text"]
        == "Check the wire copy."
    )
    stale = api_client_for(staff).put(
        note_url(thread), {"text": "mine", "version": 0}, format="json"
    )
    assert stale.status_code == 409
    assert stale.json()["field"] == "version"
    assert stale.json()["current"]["text"] == "Check the wire copy."
    bad = client.put(note_url(thread), {"text": 3}, format="json")
    assert bad.status_code == 400 and "text" in bad.json()
    bad = client.put(note_url(thread), {"text": "x", "version": "1"}, format="json")
    assert bad.status_code == 400 and "version" in bad.json()
    missing = ArticleFactory(external_id="not-in-session")
    assert client.get(note_url(thread, missing)).status_code == 404


def test_threads_travel_in_the_jsonl_export_and_blind_reviewers_never_see_them(
    thread, adjudicator, reviewer_a
):
    post(adjudicator, comments_url(thread), {"text": "<b>bold</b> claim?"})
    post(adjudicator, comments_url(thread), {"text": "second"})
    lines = b"".join(jsonl_lines(ExportFilters(session_id=thread.session.pk)))
    records = {r["external_id"]: r for r in map(json.loads, lines.splitlines())}
    [talks_thread] = records["talks"]["threads"]
    assert talks_thread["unit_key"] == "talks-1"
    assert [c["text"] for c in talks_thread["comments"]] == [
        "<b>bold</b> claim?",
        "second",
    ]
    assert {c["author"] for c in talks_thread["comments"]} == {"adjudicator"}
    assert records["soldiers"]["threads"] == []
    # A blind reviewer's own export carries no threads, even after done.
    review_state_set(
        session_id=thread.session.pk,
        article_id=thread.article.pk,
        reviewer=reviewer_a,
        done=True,
    )
    response = api_client_for(reviewer_a).get(
        f"/api/sessions/{thread.session.pk}/export/", {"format": "jsonl"}
    )
    own = [
        json.loads(line) for line in b"".join(response.streaming_content).splitlines()
    ]
    assert all(record["threads"] == [] for record in own)
