"""A phase stopwatch for the recomputes' timing breakdowns."""

import time


class Lap:
    """Phase stopwatch writing milliseconds into an optional dict."""

    def __init__(self, timings: dict[str, float] | None) -> None:
        self.timings = timings
        self.last = time.perf_counter()

    def __call__(self, phase: str) -> None:
        now = time.perf_counter()
        if self.timings is not None:
            self.timings[phase] = (now - self.last) * 1000
        self.last = now
