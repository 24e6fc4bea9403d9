"""Brute-force lockout (django-axes) on the token endpoint and both login pages.

Real axes, real database records: AXES_FAILURE_LIMIT wrong passwords lock that
username from that address out of every login, with a 429.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-test-123"  # tests.factories.UserFactory's password


def token_post(username, password, address="127.0.0.1"):
    return APIClient().post(
        "/api/auth/token/",
        {"username": username, "password": password},
        format="json",
        REMOTE_ADDR=address,
    )


def form_post(client, url, username, password):
    return client.post(url, {"username": username, "password": password})


def test_lockout_is_on_in_the_test_suite():
    assert settings.AXES_ENABLED
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"


def test_token_endpoint_answers_429_json_once_locked_out(reviewer_a):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        assert token_post("reviewer_a", "wrong").status_code == 400
    locked = token_post("reviewer_a", "wrong")
    assert locked.status_code == 429
    body = locked.json()
    assert body["code"] == "locked_out"
    assert "locked" in body["detail"].lower()
    cool_off = settings.AXES_COOLOFF_TIME.total_seconds()
    assert int(locked["Retry-After"]) == int(cool_off)
    # The right password does not help while the lockout lasts.
    assert token_post("reviewer_a", PASSWORD).status_code == 429


def test_lockout_is_per_username_and_address(reviewer_a, reviewer_b):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        token_post("reviewer_a", "wrong")
    assert token_post("reviewer_a", PASSWORD).status_code == 429
    assert token_post("reviewer_b", PASSWORD).status_code == 200
    assert token_post("reviewer_a", PASSWORD, address="10.1.2.3").status_code == 200


def test_a_success_clears_the_count(reviewer_a):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(2):
        for _ in range(limit - 1):
            assert token_post("reviewer_a", "wrong").status_code == 400
        assert token_post("reviewer_a", PASSWORD).status_code == 200


def test_the_lockout_ends_after_the_cool_off(reviewer_a):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        token_post("reviewer_a", "wrong")
    assert token_post("reviewer_a", PASSWORD).status_code == 429
    # Let the cool-off pass: the attempts are dated back beyond it.
    AccessAttempt.objects.update(
        attempt_time=timezone.now() - settings.AXES_COOLOFF_TIME - timedelta(minutes=1)
    )
    assert token_post("reviewer_a", PASSWORD).status_code == 200


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_login_pages_lock_out_with_429(client, url):
    UserFactory(username="boss", is_staff=True, is_superuser=True)
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert form_post(client, url, "boss", "wrong").status_code == 200
    locked = form_post(client, url, "boss", "wrong")
    assert locked.status_code == 429
    assert "Account locked" in locked.content.decode()
    right = form_post(client, url, "boss", PASSWORD)
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_failures_count_across_the_login_page_and_the_token_endpoint(
    client, reviewer_a
):
    limit = settings.AXES_FAILURE_LIMIT
    for _ in range(limit - 1):
        form_post(client, "/accounts/login/", "reviewer_a", "wrong")
    assert token_post("reviewer_a", "wrong").status_code == 429
    locked = form_post(client, "/accounts/login/", "reviewer_a", PASSWORD)
    assert locked.status_code == 429


def test_login_page_still_signs_in(client, reviewer_a):
    response = form_post(client, "/accounts/login/", "reviewer_a", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(reviewer_a.pk)
