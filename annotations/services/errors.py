"""Errors services raise on purpose; `api/exceptions.py` maps each to HTTP once.

* `ValidationError` (Django's, keyed by field) → 400 naming the field;
* `PermissionDenied` (Django's) → 403: the caller may know the thing exists;
* `NotFound` → 404: no such thing, or the caller may not learn that it exists
  (an outsider asking for a session, a job someone else made);
* `Conflict` → 409: the request is sound but the stored state has moved on;
  `StaleVersion` is the conflict of a compare-and-set on a version.

The web pages catch the same classes. A service never raises a model's
`DoesNotExist` to mean "forbidden".
"""

from django.core.exceptions import PermissionDenied, ValidationError

__all__ = [
    "Conflict",
    "DomainError",
    "NotFound",
    "PermissionDenied",
    "StaleVersion",
    "ValidationError",
]


class DomainError(Exception):
    """Base of the workbench's own service errors; the message is for the caller."""


class NotFound(DomainError):
    """No such object, or one the caller may not learn exists (404)."""


class Conflict(DomainError):
    """The request is valid but the stored state no longer allows it (409)."""


class StaleVersion(Conflict):
    """An update carried a version that is no longer the stored one."""

    def __init__(self, *, expected: int, current: int) -> None:
        self.expected = expected
        self.current = current
        super().__init__(
            f"This span was changed by someone else (you edited version {expected}, "
            f"the stored version is {current}). Reload it and apply your change again."
        )
