"""Request parsers: JSON with the same body-size limit Django applies to forms."""

import io

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from annotations.api.exceptions import PayloadTooLarge


class LimitedJSONParser(JSONParser):
    """JSONParser that refuses bodies above DATA_UPLOAD_MAX_MEMORY_SIZE with 413.

    DRF reads the raw stream, bypassing Django's own check on `request.body`,
    so without this a JSON body of any size would be read into memory. Deeply
    nested documents (RecursionError) are a 400 like any other bad JSON.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and stream is not None:
            request = (parser_context or {}).get("request")
            try:
                declared = int(request.META.get("CONTENT_LENGTH") or 0)
            except (AttributeError, ValueError):
                declared = 0
            if declared > limit:
                raise PayloadTooLarge(
                    f"The request body is {declared} bytes; the limit is {limit}."
                )
            body = stream.read(limit + 1)
            if len(body) > limit:
                raise PayloadTooLarge(f"The request body exceeds {limit} bytes.")
            stream = io.BytesIO(body)
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
