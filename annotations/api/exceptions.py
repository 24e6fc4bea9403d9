"""The one DRF exception handler: service errors become JSON 4xx responses.

ValidationError → 400 {field: [messages]}; BulkValidationError → 400 {detail,
errors: [{index, field, message}]}; StaleVersion → 409 {detail, field: "version",
current}; Conflict → 409 {detail}; PermissionDenied → 403; NotFound,
ObjectDoesNotExist and Http404 → 404 {detail}; RequestDataTooBig → 413;
QueueUnavailable → 503 {detail, service: "broker"}; other SuspiciousOperation →
400. Views raise and let this handler answer; none catches a service error to
translate it (services/errors.py lists the classes).

Errors raised outside DRF (no such route, an id that is not a number, a crash)
reach Django's handler400/403/404/500 (`workbench/urls.py`): under /api/ they
answer `{"detail"}` JSON too, elsewhere Django's HTML pages.
"""

from django.core.exceptions import (
    NON_FIELD_ERRORS,
    ObjectDoesNotExist,
    RequestDataTooBig,
    SuspiciousOperation,
    TooManyFieldsSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from annotations.services.errors import Conflict, NotFound, StaleVersion
from annotations.services.queue import QueueUnavailable
from annotations.services.spans import BulkValidationError


class ConflictError(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The resource changed since you read it."
    default_code = "conflict"


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "payload_too_large"


class ServiceUnavailable(exceptions.APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "A service the workbench needs is unavailable."
    default_code = "service_unavailable"

    def __init__(self, detail=None, *, service: str) -> None:
        super().__init__(detail)
        self.detail = {"detail": self.detail, "service": service}


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = (
        "Send the span's version in the body (`version`) or an If-Match header."
    )
    default_code = "precondition_required"

    def __init__(self, detail=None) -> None:
        super().__init__(detail)
        self.detail = {"detail": self.detail, "field": "version"}


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "If-Match and the body's version disagree."
    default_code = "precondition_failed"

    def __init__(self, detail=None) -> None:
        super().__init__(detail)
        self.detail = {"detail": self.detail, "field": "version"}


def _validation_data(exc: DjangoValidationError) -> dict:
    if hasattr(exc, "error_dict"):
        return {
            ("non_field_errors" if name == NON_FIELD_ERRORS else name): messages
            for name, messages in exc.message_dict.items()
        }
    return {"non_field_errors": exc.messages}


def _stale_response(exc: StaleVersion, context) -> Response:
    data = {"detail": str(exc), "field": "version", "current": None}
    view = context.get("view")
    current = getattr(view, "stale_current_representation", None)
    if current is not None:
        data["current"] = current()
    headers = {}
    if data["current"] is not None:
        headers["ETag"] = f'"{data["current"]["version"]}"'
    return Response(data, status=status.HTTP_409_CONFLICT, headers=headers)


def api_exception_handler(exc, context):
    """Map service and request errors to JSON; anything else falls to DRF/500."""
    if isinstance(exc, DjangoValidationError):
        set_rollback()
        return Response(_validation_data(exc), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, BulkValidationError):
        set_rollback()
        return Response(
            {"detail": str(exc), "errors": exc.errors},
            status=status.HTTP_400_BAD_REQUEST,
        )
    if isinstance(exc, StaleVersion):
        set_rollback()
        return _stale_response(exc, context)
    if isinstance(exc, QueueUnavailable):
        set_rollback()
        exc = ServiceUnavailable(str(exc), service="broker")
    elif isinstance(exc, Conflict):
        set_rollback()
        exc = ConflictError(str(exc) or None)
    elif isinstance(exc, NotFound):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, ObjectDoesNotExist):
        exc = exceptions.NotFound()
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, TooManyFieldsSent | SuspiciousOperation):
        exc = exceptions.ParseError(str(exc) or "Malformed request.")
    elif isinstance(exc, UnicodeDecodeError):
        exc = exceptions.ParseError("The request body is not valid UTF-8.")
    return drf_exception_handler(exc, context)


# --- Django's error handlers: JSON under /api/ -----------------------------------


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


def bad_request(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": "Bad request."}, status=400)
    return defaults.bad_request(request, exception)


def permission_denied(request, exception):
    if _is_api(request):
        return JsonResponse(
            {"detail": "You do not have permission to perform this action."},
            status=403,
        )
    return defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    if _is_api(request):
        return JsonResponse({"detail": "Not found."}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return defaults.server_error(request)
