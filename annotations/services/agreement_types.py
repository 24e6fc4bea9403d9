"""The agreement engine's plain data: what a recompute loads, aligns and stores.

Defined here, apart from the modules that produce and consume them
(`agreement_inputs` loads, `agreement_payload` computes, `agreement_store`
writes), so those import in one direction only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from annotations.models import AnnotationSession


class SpanRow(NamedTuple):
    """One stored span as the engine sees it (labels as codes)."""

    id: int
    article_id: int
    reviewer: str
    start: int
    end: int
    version: int
    claim_type: str
    sourcing_quality: str
    rank: int
    cited_source: str  # normalised (reliability.normalise_source + aliases)


@dataclass
class UnitData:
    """An aligned unit ready to store: its members and agreement status."""

    article_id: int
    key: str
    start: int
    end: int
    members: list[SpanRow]
    status: str
    # The current gold decision attached to the unit, and whether the unit's
    # spans differ from the ones it was decided on.
    gold_id: int | None = None
    evidence_changed: bool = False
    # Disagreement reasons (metrics.reasons.unit_reasons), stored with the unit.
    reasons: list[dict] = field(default_factory=list)

    @property
    def reviewer_count(self) -> int:
        return len({member.reviewer for member in self.members})


class GoldRow(NamedTuple):
    """A current gold decision as the engine sees it."""

    id: int
    key: str
    start: int
    end: int
    sources: tuple[int, ...]  # reviewer span ids decided from (those still there)
    versions: tuple[tuple[int, int], ...]  # (span id, version) as decided on


@dataclass
class AgreementInputs:
    """Everything a recompute reads, loaded in a handful of queries."""

    session: AnnotationSession
    reviewers: list[str]
    claim_codes: list[str]
    sourcing_codes: list[str]  # in rank order, best first
    sourcing_ranks: list[int]
    article_ids: list[int]
    article_lengths: dict[int, int]
    spans: dict[int, list[SpanRow]]
    done: dict[int, set[str]]
    golds: dict[int, list[GoldRow]]
    gold_fingerprint: dict[int, list]
    draws: int
    fingerprints: dict[int, str] = field(default_factory=dict)
    # Set only when every article of the session was loaded.
    session_fingerprint: str = ""
    params_hash: str = ""  # the session-wide inputs' hash
