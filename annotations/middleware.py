"""Middleware: without a broker, a request's recomputes run after its response."""

from __future__ import annotations

from annotations.services.background import recomputes_deferred
from annotations.services.queue import tasks_run_inline


class RecomputeAfterResponse:
    """In the embedded default (no broker) a save never waits for a recompute:
    the writes' recomputes are noted during the view and run by one background
    thread once it returned (`services.background`). With a broker: nothing."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        if not tasks_run_inline():
            return self.get_response(request)
        with recomputes_deferred():
            return self.get_response(request)
