"""Django admin: every model, with span writes routed through the services.

One module per area; importing them registers their model admins.
"""

from annotations.admin import corpus, derived, sessions
from annotations.admin.derived import ReadOnlyAdmin

__all__ = ["ReadOnlyAdmin", "corpus", "derived", "sessions"]
