"""The one pagination of the API: limit/offset, parsed like every other number."""

from rest_framework.pagination import LimitOffsetPagination

from annotations.api.params import query_count
from annotations.parsing import MAX_INT32


class ApiPagination(LimitOffsetPagination):
    """Limit/offset pages: a larger limit is capped, a huge offset is clamped.

    Both must be ASCII whole numbers (limit at least 1); anything else is a
    400 naming the parameter instead of a silent first page, and no value can
    reach the database's LIMIT/OFFSET as an out-of-range bigint.
    """

    default_limit = 100
    max_limit = 5000
    max_offset = MAX_INT32

    def get_limit(self, request):
        limit = query_count(
            request, self.limit_query_param, minimum=1, cap=self.max_limit
        )
        return self.default_limit if limit is None else limit

    def get_offset(self, request):
        offset = query_count(
            request, self.offset_query_param, minimum=0, cap=self.max_offset
        )
        return offset or 0

    def get_schema_operation_parameters(self, view):
        limit, offset = super().get_schema_operation_parameters(view)
        limit["schema"] = {"type": "integer", "minimum": 1}
        limit["description"] = (
            f"Results per page (default {self.default_limit}; "
            f"larger than {self.max_limit} counts as {self.max_limit})."
        )
        offset["schema"] = {"type": "integer", "minimum": 0}
        return [limit, offset]
