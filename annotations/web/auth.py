"""Signing out of the web pages: the session ends and the API token with it."""

from django.contrib.auth import views as auth_views

from annotations.services.tokens import token_revoke


class LogoutView(auth_views.LogoutView):
    """Django's logout (POST only) that also revokes the user's API token.

    A token is a password-equivalent credential; signing out is where a person
    expects every credential of theirs to stop working.
    """

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            token_revoke(user=request.user)
        return super().post(request, *args, **kwargs)
