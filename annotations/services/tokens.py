"""API tokens (DRF authtoken, one per user): issue, rotate and revoke."""

from django.db import transaction
from rest_framework.authtoken.models import Token


def token_get_or_create(*, user) -> Token:
    """The user's token, made on first use (what POST /api/auth/token/ returns)."""
    token, _ = Token.objects.get_or_create(user=user)
    return token


def token_rotate(*, user) -> Token:
    """Replace the user's token by a new one; the old one stops working at once."""
    with transaction.atomic():
        Token.objects.filter(user=user).delete()
        return Token.objects.create(user=user)


def token_revoke(*, user) -> bool:
    """Delete the user's token (idempotent); True if there was one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)
