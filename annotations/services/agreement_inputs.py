"""What a recompute reads (spans, review states, gold), its fingerprints and units."""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models.functions import Length

from annotations.metrics.sources import normalise_aliases, normalise_source
from annotations.metrics.spans import Span, Unit, align_spans
from annotations.models import (
    AnnotationSession,
    ClaimType,
    GoldSpan,
    ReviewState,
    SessionArticle,
    SessionMembership,
    SourceAlias,
    SourcingLevel,
    SpanAnnotation,
)
from annotations.services.agreement_payload import SpanRow, UnitData, unit_status_of

# Bump when the computation changes, so stored reports count as outdated.
ENGINE_VERSION = 1
BOOTSTRAP_SEED = 20251122
ALIGN_MODE = "overlap"
UNIT_KEY_MAX = 200


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
    gold_keys: dict[int, set[str]]
    gold_span_ids: dict[int, set[int]]
    gold_fingerprint: dict[int, list]
    draws: int
    fingerprints: dict[int, str] = field(default_factory=dict)
    session_fingerprint: str = ""


def _sha256(value) -> str:
    blob = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def agreement_inputs_load(*, session_id: int, draws: int) -> AgreementInputs:
    """Read spans, review states, gold decisions and labels; fingerprint them."""
    session = AnnotationSession.objects.get(pk=session_id)
    reviewers = sorted(
        SessionMembership.objects.filter(
            session_id=session_id, role=SessionMembership.Role.REVIEWER
        ).values_list("user__username", flat=True)
    )
    claim_codes = list(
        ClaimType.objects.filter(scheme_id=session.scheme_id).values_list(
            "code", flat=True
        )
    )
    levels = list(
        SourcingLevel.objects.filter(scheme_id=session.scheme_id)
        .order_by("rank")
        .values_list("code", "rank")
    )
    article_ids, lengths = [], {}
    for article_id, length in (
        SessionArticle.objects.filter(session_id=session_id)
        .annotate(length=Length("article__text"))
        .order_by("position", "article_id")
        .values_list("article_id", "length")
    ):
        article_ids.append(article_id)
        lengths[article_id] = length
    aliases = normalise_aliases(
        dict(SourceAlias.objects.values_list("alias", "canonical"))
    )
    spans: dict[int, list[SpanRow]] = defaultdict(list)
    rows = (
        SpanAnnotation.objects.filter(session_id=session_id)
        .order_by("article_id", "id")
        .values_list(
            "id",
            "article_id",
            "reviewer__username",
            "start",
            "end",
            "version",
            "claim_type__code",
            "sourcing_quality__code",
            "sourcing_quality__rank",
            "cited_source",
        )
    )
    source_cache: dict[str, str] = {}
    for row in rows.iterator(chunk_size=5000):
        source = row[9]
        if source not in source_cache:
            source_cache[source] = normalise_source(source, aliases)
        spans[row[1]].append(SpanRow(*row[:9], source_cache[source]))
    done: dict[int, set[str]] = defaultdict(set)
    for article_id, username in ReviewState.objects.filter(
        session_id=session_id, done=True
    ).values_list("article_id", "reviewer__username"):
        done[article_id].add(username)
    gold_keys: dict[int, set[str]] = defaultdict(set)
    gold_span_ids: dict[int, set[int]] = defaultdict(set)
    gold_fp: dict[int, list] = defaultdict(list)
    gold_sources = defaultdict(list)
    for gold_id, span_id in GoldSpan.source_spans.through.objects.filter(
        goldspan__session_id=session_id, goldspan__is_current=True
    ).values_list("goldspan_id", "spanannotation_id"):
        gold_sources[gold_id].append(span_id)
    for gold_id, article_id, key in GoldSpan.objects.filter(
        session_id=session_id, is_current=True
    ).values_list("id", "article_id", "unit_key"):
        gold_keys[article_id].add(key)
        gold_span_ids[article_id].update(gold_sources[gold_id])
        gold_fp[article_id].append([gold_id, key, sorted(gold_sources[gold_id])])
    inputs = AgreementInputs(
        session=session,
        reviewers=reviewers,
        claim_codes=claim_codes,
        sourcing_codes=[code for code, _ in levels],
        sourcing_ranks=[rank for _, rank in levels],
        article_ids=article_ids,
        article_lengths=lengths,
        spans=dict(spans),
        done=dict(done),
        gold_keys=dict(gold_keys),
        gold_span_ids=dict(gold_span_ids),
        gold_fingerprint=dict(gold_fp),
        draws=draws,
    )
    _fingerprint(inputs)
    return inputs


def _fingerprint(inputs: AgreementInputs) -> None:
    """sha256 per article of its canonical input, and one of the whole session."""
    session = inputs.session
    params = [
        ENGINE_VERSION,
        session.alignment_threshold,
        session.required_reviewers,
        inputs.draws,
        BOOTSTRAP_SEED,
        inputs.reviewers,
        inputs.claim_codes,
        list(zip(inputs.sourcing_codes, inputs.sourcing_ranks, strict=True)),
    ]
    for article_id in inputs.article_ids:
        inputs.fingerprints[article_id] = _sha256(
            [
                params,
                article_id,
                inputs.article_lengths[article_id],
                [list(row) for row in inputs.spans.get(article_id, [])],
                sorted(inputs.done.get(article_id, ())),
                sorted(inputs.gold_fingerprint.get(article_id, [])),
            ]
        )
    inputs.session_fingerprint = _sha256(
        [params, [[a, inputs.fingerprints[a]] for a in inputs.article_ids]]
    )


def _unit_key(unit: Unit) -> str:
    # Member span ids joined; hashed only when too long for the column.
    if len(unit.key) <= UNIT_KEY_MAX:
        return unit.key
    return "sha256:" + hashlib.sha256(unit.key.encode()).hexdigest()


# Alignments by article fingerprint: a worker recomputing a session after one
# edit realigns only that article. The fingerprint covers every input.
_ALIGNED: dict[str, list[UnitData]] = {}
CACHE_LIMIT = 20000


def units_align(inputs: AgreementInputs, article_id: int) -> list[UnitData]:
    """Align one article's spans into units with their status (memoised)."""
    fingerprint = inputs.fingerprints.get(article_id)
    if fingerprint in _ALIGNED:
        return _ALIGNED[fingerprint]
    units = _units_align(inputs, article_id)
    if len(_ALIGNED) >= CACHE_LIMIT:
        _ALIGNED.clear()
    if fingerprint:
        _ALIGNED[fingerprint] = units
    return units


def _units_align(inputs: AgreementInputs, article_id: int) -> list[UnitData]:
    rows = inputs.spans.get(article_id, [])
    if not rows:
        return []
    by_id = {row.id: row for row in rows}
    units = align_spans(
        [Span(id=r.id, reviewer=r.reviewer, start=r.start, end=r.end) for r in rows],
        mode=ALIGN_MODE,
        threshold=inputs.session.alignment_threshold,
    )
    reviewers_done = len(inputs.done.get(article_id, set()) & set(inputs.reviewers))
    gold_keys = inputs.gold_keys.get(article_id, set())
    gold_spans = inputs.gold_span_ids.get(article_id, set())
    result = []
    for unit in units:
        members = [by_id[span.id] for span in unit.spans]
        key = _unit_key(unit)
        has_gold = key in gold_keys or any(m.id in gold_spans for m in members)
        result.append(
            UnitData(
                article_id=article_id,
                key=key,
                start=unit.start,
                end=unit.end,
                members=members,
                status=unit_status_of(
                    members,
                    required_reviewers=inputs.session.required_reviewers,
                    reviewers_done=reviewers_done,
                    has_gold=has_gold,
                ),
            )
        )
    return result
