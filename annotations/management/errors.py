"""How the management commands report a ValidationError."""

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError


def command_error(exc: ValidationError) -> CommandError:
    """One CommandError naming every field: `field: message; other: message`."""
    return CommandError(
        "; ".join(
            f"{name}: {' '.join(messages)}"
            for name, messages in exc.message_dict.items()
        )
    )
