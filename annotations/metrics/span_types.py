"""The value types of span agreement: spans, units, detection scores."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Span:
    """One reviewer's marked range of an article, in code points (end exclusive)."""

    id: int | str
    reviewer: str
    start: int
    end: int
    label: str | None = None

    def __post_init__(self) -> None:
        if self.start < 0 or self.end <= self.start:
            raise ValueError(f"span {self.id!r} needs 0 <= start < end")

    @property
    def length(self) -> int:
        return self.end - self.start


@dataclass(frozen=True)
class Unit:
    """Spans of different reviewers judged to mark the same passage."""

    spans: tuple[Span, ...]  # at most one per reviewer, ordered by reviewer
    start: int
    end: int
    key: str  # stable identity: the sorted member span ids

    @property
    def reviewers(self) -> tuple[str, ...]:
        return tuple(span.reviewer for span in self.spans)


@dataclass(frozen=True)
class PairDetection:
    """How far reviewer_b found the spans of reviewer_a (a is the reference)."""

    reviewer_a: str
    reviewer_b: str
    matched: int
    count_a: int
    count_b: int
    precision: float | None  # matched / count_b
    recall: float | None  # matched / count_a
    f1: float | None


@dataclass(frozen=True)
class DetectionReport:
    """Per-pair detection scores plus their micro and macro averages."""

    pairs: tuple[PairDetection, ...]
    micro_precision: float | None
    micro_recall: float | None
    micro_f1: float | None
    macro_f1: float | None
