"""Passwords: Django's standard validators; the demo accounts still sign in."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from annotations.services.seeds import (
    DEMO_ADJUDICATOR,
    DEMO_ADMIN,
    DEMO_PASSWORD,
    DEMO_REVIEWERS,
    demo_setup,
)

DEMO_USERNAMES = [*DEMO_REVIEWERS, DEMO_ADJUDICATOR, DEMO_ADMIN]


@pytest.mark.parametrize(
    "password,username",
    [
        ("password", "someone"),  # common
        ("12345678", "someone"),  # common and all digits
        ("93847561029384", "someone"),  # all digits
        ("short1!", "someone"),  # fewer than 8 characters
        ("margaret-hamilton", "margaret-hamilton"),  # the username itself
    ],
)
def test_weak_passwords_are_refused(password, username):
    with pytest.raises(ValidationError):
        validate_password(password, user=get_user_model()(username=username))


@pytest.mark.parametrize("username", DEMO_USERNAMES)
def test_demo_password_passes_the_validators(username):
    validate_password(DEMO_PASSWORD, user=get_user_model()(username=username))


@pytest.mark.django_db
def test_demo_accounts_sign_in_with_the_documented_password(client):
    demo_setup()
    for username in DEMO_USERNAMES:
        response = client.post(
            "/accounts/login/", {"username": username, "password": DEMO_PASSWORD}
        )
        assert response.status_code == 302, username
        client.post("/accounts/logout/")
