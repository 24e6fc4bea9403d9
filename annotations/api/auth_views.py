"""REST API views for credentials: obtain an API token.

Obtaining a token is a login: django-axes counts its wrong passwords with those
of the login pages and a locked-out username and address get 429 here too.
"""

from axes.helpers import get_client_ip_address, get_cool_off, get_lockout_message
from axes.utils import reset as axes_reset
from django.conf import settings
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.api import serializers as api
from annotations.api.views import R400, R413, ApiView

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
    """POST: password for a token (no other credential)."""

    authentication_classes = ()
    permission_classes = [AllowAny]

    @extend_schema(
        request=api.TokenRequestSerializer,
        responses={200: api.TokenSerializer, 400: R400, 413: R413, 429: R429},
        summary="Exchange username and password for an API token",
        description="Send the token as `Authorization: Token <token>`.",
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
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})
