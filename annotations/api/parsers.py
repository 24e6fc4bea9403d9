"""Request parsers: every body obeys MAX_REQUEST_BYTES; a JSON body is an object.

DRF reads the raw stream, bypassing Django's own check on `request.body`, and
Django's multipart parser streams files of any size to disk. So each parser
here refuses a declared Content-Length above DATA_UPLOAD_MAX_MEMORY_SIZE with
413 before reading a byte, and reads at most one byte past the limit of a body
that lies about its length.
"""

import io

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

from annotations.api.exceptions import PayloadTooLarge


class CappedStream:
    """A read-only stream that raises PayloadTooLarge past `limit` bytes."""

    def __init__(self, stream, limit: int) -> None:
        self.stream = stream
        self.limit = limit
        self.consumed = 0

    def read(self, size: int | None = -1) -> bytes:
        room = self.limit - self.consumed + 1
        size = room if size is None or size < 0 else min(size, room)
        chunk = self.stream.read(size)
        self.consumed += len(chunk)
        if self.consumed > self.limit:
            raise PayloadTooLarge(f"The request body exceeds {self.limit} bytes.")
        return chunk


def limited_stream(stream, parser_context, limit: int | None = None):
    """`stream` capped at the limit; 413 at once if Content-Length exceeds it."""
    if limit is None:
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None or stream is None:
        return stream
    request = (parser_context or {}).get("request")
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except (AttributeError, ValueError):
        declared = 0
    if declared > limit:
        raise PayloadTooLarge(
            f"The request body is {declared} bytes; the limit is {limit}."
        )
    return CappedStream(stream, limit)


class LimitedJSONParser(JSONParser):
    """JSON objects only, within the body limit.

    Every endpoint takes an object (a list goes under a key, as in bulk), so
    an array or a bare value is a 400 here rather than a view's guess. Deeply
    nested documents (RecursionError) are a 400 like any other bad JSON.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        stream = limited_stream(stream, parser_context)
        if stream is not None:
            stream = io.BytesIO(stream.read())
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - nested too deeply.") from None
        if not isinstance(data, dict):
            raise ParseError("JSON parse error - the body must be a JSON object.")
        return data


class LimitedFormParser(FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        stream = limited_stream(stream, parser_context)
        return super().parse(stream, media_type, parser_context)


class LimitedMultiPartParser(MultiPartParser):
    def parse(self, stream, media_type=None, parser_context=None):
        stream = limited_stream(stream, parser_context)
        return super().parse(stream, media_type, parser_context)


class ImportMultiPartParser(MultiPartParser):
    """Article uploads: the larger ARTICLE_IMPORT_MAX_REQUEST_BYTES body limit.

    Files stream to disk past FILE_UPLOAD_MAX_MEMORY_SIZE; each file's own cap
    (ARTICLE_IMPORT_MAX_FILE_BYTES) is a per-file error in the import's answer.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.ARTICLE_IMPORT_MAX_REQUEST_BYTES
        stream = limited_stream(stream, parser_context, limit)
        return super().parse(stream, media_type, parser_context)


# The API's parsers, in order (also DEFAULT_PARSER_CLASSES in settings).
API_PARSERS = (LimitedJSONParser, LimitedFormParser, LimitedMultiPartParser)
