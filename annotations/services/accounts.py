"""Accounts a lead makes for their team, with a one-time set-password link.

No mail server is needed: the lead hands the link over. The link carries
Django's password-reset token, which stops working once the password is set
(the token hashes the password) or after PASSWORD_RESET_TIMEOUT.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.tokens import default_token_generator
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

MAX_USERNAME = 150


def set_password_path(user) -> str:
    """The one-time page where `user` chooses a password (a path, no host)."""
    return reverse(
        "web:set-password",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


@transaction.atomic
def account_create(*, username, email="") -> tuple[object, str]:
    """A new active account without a password; (user, set-password path)."""
    if not isinstance(username, str) or not username.strip():
        raise ValidationError({"username": "Give a username."})
    username = username.strip()
    if len(username) > MAX_USERNAME:
        raise ValidationError({"username": f"At most {MAX_USERNAME} characters."})
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise ValidationError(
            {"username": "Letters, digits and @/./+/-/_ only."}
        ) from None
    if email is None:
        email = ""
    if not isinstance(email, str):
        raise ValidationError({"email": "Must be an email address."})
    email = email.strip()
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationError({"email": "Enter a valid email address."}) from None
    users = get_user_model().objects
    if users.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"{username!r} is already taken."})
    user = users.create_user(username=username, email=email)
    user.set_unusable_password()
    user.save(update_fields=["password"])
    return user, set_password_path(user)
