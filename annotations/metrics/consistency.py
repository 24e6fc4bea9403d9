"""Facts linked across articles: conflicting values and TruthFinder trust."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass

import numpy as np

from annotations.metrics.reliability import Claim
from annotations.metrics.sources import normalise_source

_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Fact:
    """One real-world quantity or statement, linked across articles."""

    id: Hashable
    claims: tuple[Claim, ...]


def value_key(value: str) -> tuple:
    """Equality key: the numbers in order if any, else the normalised text."""
    text = unicodedata.normalize("NFKC", value)
    numbers = tuple(float(match.replace(",", "")) for match in _NUMBER.findall(text))
    return ("number", numbers) if numbers else ("text", normalise_source(text))


@dataclass(frozen=True)
class Attribution:
    claim_id: Hashable
    outlet: str
    article_id: Hashable
    cited_source: str


@dataclass(frozen=True)
class ReportedValue:
    value: str  # raw text of its first claim
    reported_by: tuple[Attribution, ...]


@dataclass(frozen=True)
class FactConflict:
    fact_id: Hashable
    values: tuple[ReportedValue, ...]  # most reported first, then by text


def _reported_values(fact: Fact) -> list[tuple[tuple, ReportedValue]]:
    groups: dict[tuple, list[Claim]] = {}
    for claim in fact.claims:
        if claim.value and claim.value.strip():
            groups.setdefault(value_key(claim.value), []).append(claim)
    reported = [
        (
            key,
            ReportedValue(
                members[0].value.strip(),
                tuple(
                    Attribution(c.id, c.outlet, c.article_id, c.cited_source)
                    for c in members
                ),
            ),
        )
        for key, members in groups.items()
    ]
    reported.sort(key=lambda pair: (-len(pair[1].reported_by), pair[1].value))
    return reported


def fact_conflicts(facts: Iterable[Fact]) -> list[FactConflict]:
    """Facts reported with more than one distinct value, with who said which."""
    conflicts = []
    for fact in facts:
        reported = _reported_values(fact)
        if len(reported) > 1:
            conflicts.append(FactConflict(fact.id, tuple(r for _, r in reported)))
    return conflicts


@dataclass(frozen=True)
class TruthFinderResult:
    trust: dict[str, float]  # outlet -> trustworthiness
    confidence: dict[Hashable, dict[str, float]]  # fact id -> value -> confidence
    winners: dict[Hashable, str]  # fact id -> most confident value
    iterations: int
    converged: bool


_MAX_TRUST = 1.0 - 1e-12  # keeps -ln(1 - t) finite


def _provider_graph(facts: Iterable[Fact]):
    """Outlets (name -> index), (outlet, value) edges, each value's fact index
    and each value's (fact id, value) label: who provides which value."""
    outlets: dict[str, int] = {}
    edges: set[tuple[int, int]] = set()
    value_fact: list[int] = []
    labels: list[tuple[Hashable, str]] = []
    for fact_index, fact in enumerate(facts):
        for _, reported in _reported_values(fact):
            value_fact.append(fact_index)
            labels.append((fact.id, reported.value))
            for attribution in reported.reported_by:
                outlet = outlets.setdefault(attribution.outlet, len(outlets))
                edges.add((outlet, len(labels) - 1))
    return outlets, edges, value_fact, labels


def truthfinder(
    facts: Iterable[Fact],
    *,
    iterations: int = 20,
    initial_trust: float = 0.9,
    dampening: float = 0.3,
    rho: float = 0.5,
    tol: float = 1e-6,
) -> TruthFinderResult:
    """TruthFinder (Yin, Han & Yu 2007) with outlets as providers.

    A provided fact is (fact id, value); an outlet that reports it in several
    articles provides it once.  Values of one fact are mutually exclusive:
    implication(f' -> f) = -1, so sigma*(f) = sigma(f) - rho * (sum of the other
    values' sigma).  See docs/reliability.md.
    """
    outlets, edges, value_fact, labels = _provider_graph(facts)
    if not edges:
        return TruthFinderResult({}, {}, {}, 0, True)
    edge_outlet, edge_value = (
        np.array(column) for column in zip(*sorted(edges), strict=True)
    )
    fact_of = np.array(value_fact)
    provided = np.bincount(edge_outlet, minlength=len(outlets))
    trust = np.full(len(outlets), initial_trust, dtype=float)
    confidence = np.zeros(len(labels))
    converged, done = False, 0
    while done < iterations and not converged:
        tau = -np.log1p(-np.minimum(trust, _MAX_TRUST))
        sigma = np.bincount(edge_value, weights=tau[edge_outlet], minlength=len(labels))
        per_fact = np.bincount(fact_of, weights=sigma)
        adjusted = sigma - rho * (per_fact[fact_of] - sigma)
        confidence = 1.0 / (1.0 + np.exp(-dampening * adjusted))
        updated = np.bincount(edge_outlet, weights=confidence[edge_value]) / provided
        cosine = updated @ trust / (np.linalg.norm(updated) * np.linalg.norm(trust))
        converged = 1.0 - cosine < tol
        trust, done = updated, done + 1
    by_fact: dict[Hashable, dict[str, float]] = defaultdict(dict)
    for (fact_id, value), score in zip(labels, confidence.tolist(), strict=True):
        by_fact[fact_id][value] = score
    winners = {
        fact_id: max(values, key=lambda value: values[value])  # first wins a tie
        for fact_id, values in by_fact.items()
    }
    return TruthFinderResult(
        trust={name: float(trust[outlets[name]]) for name in sorted(outlets)},
        confidence=dict(by_fact),
        winners=winners,
        iterations=done,
        converged=bool(converged),
    )
