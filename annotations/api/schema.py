"""OpenAPI generation: the error answers every view shares are documented once.

The API's common machinery answers errors no view writes itself: 401 from
authentication, 404 from the URL router and the session lookup, 400 from the
query-string and body parsing (`params`, pagination, parsers), 413 from the
body limit, 403 from role permissions. `ApiAutoSchema` adds those responses to
each operation they apply to, unless the view documents that status itself.
"""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.permissions import SAFE_METHODS

from annotations.api.serializers import ErrorSerializer, FieldErrorsSerializer
from annotations.parsing import MAX_ID

# A primary key in a query parameter, as `annotations.parsing.parse_id` reads it.
ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}

R400 = OpenApiResponse(
    FieldErrorsSerializer,
    description="Invalid input: one key per offending field with its messages "
    "(or `detail` for an unparseable body).",
)
R401 = OpenApiResponse(
    ErrorSerializer, description="Not logged in (send a token or session)."
)
R403 = OpenApiResponse(ErrorSerializer, description="Not allowed for your role.")
R404 = OpenApiResponse(
    ErrorSerializer,
    description="No such object, or you are not a member of its session.",
)
R413 = OpenApiResponse(
    ErrorSerializer, description="Request body larger than MAX_REQUEST_BYTES."
)


class ApiAutoSchema(AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(
            path, path_regex, path_prefix, method, registry
        )
        if operation is None:
            return None
        responses = operation["responses"]
        for code, response in self.shared_errors(operation).items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code)
        return operation

    def shared_errors(self, operation: dict) -> dict[str, OpenApiResponse]:
        errors = {}
        has_query = any(p["in"] == "query" for p in operation.get("parameters", []))
        if has_query or "requestBody" in operation:
            errors["400"] = R400
        security = operation.get("security")
        if security and {} not in security:
            errors["401"] = R401
        if self.may_forbid():
            errors["403"] = R403
        if "{" in self.path:
            errors["404"] = R404
        if "requestBody" in operation:
            errors["413"] = R413
        return errors

    def may_forbid(self) -> bool:
        """A role permission (one with a denial `message`) guards this method."""
        for permission in self.view.get_permissions():
            if not getattr(permission, "message", None):
                continue  # IsAuthenticated (401) and IsSessionMember (404)
            read_only_safe = type(permission).__name__.endswith("OrReadOnly")
            if read_only_safe and self.method in SAFE_METHODS:
                continue
            return True
        return False
