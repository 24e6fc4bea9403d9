"""REST API views for credentials: obtain, rotate and revoke API tokens.

Obtaining a token is a login: django-axes counts its wrong passwords with those
of the login pages and a locked-out username and address get 429 here too.
"""

from axes.helpers import get_client_ip_address, get_cool_off, get_lockout_message
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny, IsAdminUser, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.api import serializers as api
from annotations.api.views import R400, R401, R403, R404, R413, ApiView
from annotations.services.tokens import (
    token_get_or_create,
    token_revoke,
    token_rotate,
)

R429 = OpenApiResponse(
    api.ErrorSerializer,
    description="Locked out: too many wrong passwords for this username from this "
    "address (`code: locked_out`); `Retry-After` gives the seconds to wait.",
)


class LockedOut(exceptions.APIException):
    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self) -> None:
        super().__init__(str(get_lockout_message()))
        cool_off = get_cool_off()
        # Each attempt during a lockout restarts it: the wait is the whole cool-off.
        self.wait = int(cool_off.total_seconds()) if cool_off else None
        self.detail = {"detail": self.detail, "code": self.default_code}


@extend_schema(tags=["auth"])
class TokenView(ApiView, APIView):
    """POST: password for a token (no other credential); DELETE: revoke mine."""

    def initialize_request(self, request, *args, **kwargs):
        # A stale token header or a session cookie without CSRF must not stand
        # between a person and a fresh token: POST reads the password only.
        self.obtaining = request.method == "POST"
        return super().initialize_request(request, *args, **kwargs)

    def get_authenticators(self):
        return [] if self.obtaining else super().get_authenticators()

    def get_permissions(self):
        if self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    @extend_schema(
        request=api.TokenRequestSerializer,
        responses={200: api.TokenSerializer, 400: R400, 413: R413, 429: R429},
        summary="Exchange username and password for an API token",
        description="Send the token as `Authorization: Token <token>`. The same "
        "token is returned until it is rotated or revoked.",
    )
    def post(self, request):
        serializer = AuthTokenSerializer(
            data=request.data, context={"request": request}
        )
        if not serializer.is_valid():
            # django-axes marks the request it refused (or just locked out).
            if getattr(request, "axes_locked_out", False):
                raise LockedOut()
            raise exceptions.ValidationError(serializer.errors)
        user = serializer.validated_data["user"]
        if settings.AXES_ENABLED and settings.AXES_RESET_ON_SUCCESS:
            axes_reset(ip=get_client_ip_address(request), username=user.get_username())
        return Response({"token": token_get_or_create(user=user).key})

    @extend_schema(
        request=None,
        responses={204: None, 401: R401},
        summary="Revoke my API token",
        description="The token stops working at once (idempotent). Signing out "
        "of the web pages revokes it too.",
    )
    def delete(self, request):
        token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(
    tags=["auth"],
    request=None,
    responses={200: api.TokenSerializer, 401: R401},
    summary="Rotate my API token",
    description="Replaces my token by a new one, returned here; the old one "
    "stops working at once.",
)
class TokenRotateView(ApiView, APIView):
    def post(self, request):
        return Response({"token": token_rotate(user=request.user).key})


@extend_schema(
    tags=["auth"],
    request=None,
    responses={204: None, 401: R401, 403: R403, 404: R404},
    summary="Revoke a user's API token (staff)",
    description="For staff: the user's token stops working at once (idempotent).",
)
class UserTokenView(ApiView, APIView):
    permission_classes = [IsAuthenticated, IsAdminUser]

    def delete(self, request, user_id: int):
        token_revoke(user=get_object_or_404(get_user_model(), pk=user_id))
        return Response(status=status.HTTP_204_NO_CONTENT)
