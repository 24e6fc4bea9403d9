"""Exceptions raised by services, mapped to HTTP statuses at the edge."""

from django.core.exceptions import PermissionDenied, ValidationError

__all__ = ["PermissionDenied", "StaleVersion", "ValidationError"]


class StaleVersion(Exception):
    """An update carried a version that is no longer the stored one."""

    def __init__(self, *, expected: int, current: int) -> None:
        self.expected = expected
        self.current = current
        super().__init__(
            f"This span was changed by someone else (you edited version {expected}, "
            f"the stored version is {current}). Reload it and apply your change again."
        )
