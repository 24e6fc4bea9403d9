"""API tokens: obtain, revoke (DELETE), rotate, staff revocation, web logout."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-test-123"  # tests.factories.UserFactory's password


def obtain(user) -> str:
    response = APIClient().post(
        "/api/auth/token/",
        {"username": user.username, "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 200, response.content
    return response.json()["token"]


def with_token(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


def me_status(key: str) -> int:
    return with_token(key).get("/api/me/").status_code


def test_the_same_token_is_returned_until_it_is_revoked(reviewer_a):
    key = obtain(reviewer_a)
    assert obtain(reviewer_a) == key
    assert me_status(key) == 200


def test_delete_revokes_my_own_token_at_once(reviewer_a, reviewer_b):
    mine, theirs = obtain(reviewer_a), obtain(reviewer_b)
    response = with_token(mine).delete("/api/auth/token/")
    assert response.status_code == 204
    assert me_status(mine) == 401
    assert me_status(theirs) == 200
    # A new password exchange gives a new token, even sent with the dead one.
    client = with_token(mine)
    fresh = client.post(
        "/api/auth/token/",
        {"username": reviewer_a.username, "password": PASSWORD},
        format="json",
    )
    assert fresh.status_code == 200
    assert fresh.json()["token"] != mine
    assert me_status(fresh.json()["token"]) == 200


def test_delete_is_idempotent_and_works_with_a_session(client_for, reviewer_a):
    key = obtain(reviewer_a)
    session_client = client_for(reviewer_a)
    assert session_client.delete("/api/auth/token/").status_code == 204
    assert session_client.delete("/api/auth/token/").status_code == 204
    assert me_status(key) == 401


def test_delete_without_credentials_is_401():
    response = APIClient().delete("/api/auth/token/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_rotate_replaces_my_token(reviewer_a):
    old = obtain(reviewer_a)
    response = with_token(old).post("/api/auth/token/rotate/")
    assert response.status_code == 200
    new = response.json()["token"]
    assert new != old
    assert me_status(old) == 401
    assert me_status(new) == 200
    assert Token.objects.filter(user=reviewer_a).count() == 1


def test_rotate_without_credentials_is_401():
    assert APIClient().post("/api/auth/token/rotate/").status_code == 401


def test_staff_revoke_anyones_token(client_for, staff, reviewer_a):
    key = obtain(reviewer_a)
    response = client_for(staff).delete(f"/api/auth/tokens/{reviewer_a.pk}/")
    assert response.status_code == 204
    assert me_status(key) == 401
    missing = client_for(staff).delete("/api/auth/tokens/999999/")
    assert missing.status_code == 404


def test_others_cannot_revoke_someone_elses_token(reviewer_a, reviewer_b):
    key = obtain(reviewer_a)
    response = with_token(obtain(reviewer_b)).delete(
        f"/api/auth/tokens/{reviewer_a.pk}/"
    )
    assert response.status_code == 403
    assert me_status(key) == 200


def test_web_logout_revokes_the_token(client, reviewer_a):
    key = obtain(reviewer_a)
    client.force_login(reviewer_a)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert me_status(key) == 401
    assert not Token.objects.filter(user=reviewer_a).exists()


def test_obtain_ignores_a_session_without_csrf(reviewer_a):
    """A signed-in browser asking for a token is not refused for a CSRF check."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(reviewer_a)
    response = client.post(
        "/api/auth/token/",
        {"username": reviewer_a.username, "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 200


def test_session_delete_needs_the_csrf_header(reviewer_a):
    key = obtain(reviewer_a)
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(reviewer_a)
    assert client.delete("/api/auth/token/").status_code == 403
    assert me_status(key) == 200


def test_inactive_user_gets_no_token():
    user = UserFactory(is_active=False)
    response = APIClient().post(
        "/api/auth/token/",
        {"username": user.username, "password": PASSWORD},
        format="json",
    )
    assert response.status_code == 400
    assert "non_field_errors" in response.json()
