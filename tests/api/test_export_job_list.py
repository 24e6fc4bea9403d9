"""GET /api/sessions/{sid}/exports/: a session's past exports, for who may see them."""

from django.contrib.auth.models import Permission
from django.utils import timezone

from annotations.exporters.base import filters_parse
from annotations.models import ExportJob
from tests.conftest import api_client_for
from tests.factories import UserFactory, session_with_team


def _job(user, session, fmt="jsonl", **params):
    filters = filters_parse(session=session, params=params)
    return ExportJob.objects.create(
        created_by=user, format=fmt, params=filters.to_params()
    )


def _listed(user, session, query=""):
    return api_client_for(user).get(f"/api/sessions/{session.pk}/exports/{query}")


def _lead(username, session=None):
    user = UserFactory(username=username)
    user.user_permissions.add(Permission.objects.get(codename="manage_sessions"))
    if session is not None:
        session.leads.add(user)
    return user


def test_adjudicator_lists_every_job_of_the_session_with_who_and_filters(
    corpus, adjudicator, reviewer_a, staff
):
    session = corpus["session"]
    own = _job(reviewer_a, session, layer="raw", reviewers="reviewer_a")
    theirs = _job(adjudicator, session, "csv", layer="gold", gold="adjudicated")
    ExportJob.objects.filter(pk=theirs.pk).update(
        status=ExportJob.Status.DONE, progress=1, finished_at=timezone.now()
    )
    elsewhere = session_with_team(articles=[], reviewers=[reviewer_a])
    _job(staff, elsewhere)
    response = _listed(adjudicator, session)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    newest, oldest = body["results"]
    assert (newest["id"], oldest["id"]) == (theirs.pk, own.pk)
    assert newest["created_by"] == "adjudicator" and newest["format"] == "csv"
    assert newest["filters"] == {"layer": "gold", "gold": "adjudicated"}
    assert newest["status"] == "done"
    assert newest["download_url"].endswith(f"/api/exports/{theirs.pk}/download/")
    assert oldest["created_by"] == "reviewer_a"
    assert oldest["filters"] == {
        "layer": "raw",
        "gold": "complete",
        "reviewers": ["reviewer_a"],
    }
    assert oldest["download_url"] is None  # not done
    # Someone else's finished job is listed, but only its maker (or staff) fetches it.
    as_staff = _listed(staff, session).json()["results"][0]
    assert as_staff["download_url"] is not None
    page = _listed(adjudicator, session, "?limit=1&offset=1").json()
    assert [job["id"] for job in page["results"]] == [own.pk]


def test_a_blind_reviewer_lists_only_their_own_jobs(corpus, reviewer_a, adjudicator):
    session = corpus["session"]
    own = _job(reviewer_a, session, layer="raw")
    _job(adjudicator, session, layer="gold")
    body = _listed(reviewer_a, session).json()
    assert [job["id"] for job in body["results"]] == [own.pk]


def test_outsiders_and_leads_of_other_sessions_get_404_a_lead_sees_all(
    corpus, outsider, adjudicator
):
    session = corpus["session"]
    job = _job(adjudicator, session)
    assert _listed(outsider, session).status_code == 404
    assert _listed(_lead("other_lead"), session).status_code == 404
    lead = _lead("the_lead", session)
    body = _listed(lead, session).json()
    assert [item["id"] for item in body["results"]] == [job.pk]
    assert body["results"][0]["download_url"] is None
    # A lead exports the whole session too.
    response = api_client_for(lead).get(
        f"/api/sessions/{session.pk}/export/", {"layer": "gold"}
    )
    assert response.status_code == 200


def test_a_bad_limit_is_a_400_naming_it(corpus, adjudicator):
    response = _listed(adjudicator, corpus["session"], "?limit=0")
    assert response.status_code == 400 and "limit" in response.json()
