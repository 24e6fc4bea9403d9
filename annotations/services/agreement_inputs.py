"""What a recompute reads (spans, review states, gold), its fingerprints and units.

Units are keyed by their members' portable ids (`reviewer:start:end`, as the
export names spans), so an exported and re-imported corpus recomputes to the
same keys. Each current gold decision is attached to one unit: the one with
its key, else the one sharing most of its source spans (then overlapping it
most), so a decision follows its claim when a member span is deleted or moved.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Sequence

from django.db.models.functions import Length

from annotations.exporters.base import span_id
from annotations.metrics.sources import normalise_aliases, normalise_source
from annotations.metrics.spans import Span, align_spans
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
from annotations.services.agreement_payload import unit_status_of
from annotations.services.agreement_types import (
    AgreementInputs,
    GoldRow,
    SpanRow,
    UnitData,
)
from annotations.services.question_agreement import (
    session_fingerprint_with_questions,
)

# Bump when the computation changes, so stored reports count as outdated.
# 2: portable unit keys; a unit is adjudicated when a gold decision attaches.
ENGINE_VERSION = 2
BOOTSTRAP_SEED = 20251122
ALIGN_MODE = "overlap"
UNIT_KEY_MAX = 200


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
    golds: dict[int, list[GoldRow]] = defaultdict(list)
    gold_fp: dict[int, list] = defaultdict(list)
    gold_sources = defaultdict(list)
    for gold_id, source_id in GoldSpan.source_spans.through.objects.filter(
        goldspan__session_id=session_id, goldspan__is_current=True
    ).values_list("goldspan_id", "spanannotation_id"):
        gold_sources[gold_id].append(source_id)
    for gold_id, article_id, key, start, end, versions in GoldSpan.objects.filter(
        session_id=session_id, is_current=True
    ).values_list("id", "article_id", "unit_key", "start", "end", "source_versions"):
        sources = tuple(sorted(gold_sources[gold_id]))
        golds[article_id].append(
            GoldRow(
                id=gold_id,
                key=key,
                start=start,
                end=end,
                sources=sources,
                versions=tuple(sorted((int(k), v) for k, v in versions.items())),
            )
        )
        # Not the key: the store re-keys a decision to the unit it attached
        # to, which must not count as new input. Offsets and versions come
        # with the (immutable) revision id.
        gold_fp[article_id].append([gold_id, list(sources)])
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
        golds=dict(golds),
        gold_fingerprint=dict(gold_fp),
        draws=draws,
    )
    _fingerprint(inputs)
    # Article-question answers feed the session report too (question_agreement).
    inputs.session_fingerprint = session_fingerprint_with_questions(
        session_id=session_id, fingerprint=inputs.session_fingerprint
    )
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


def unit_key(members: Sequence[SpanRow]) -> str:
    """Members' portable ids, sorted and joined; hashed when too long for the column."""
    key = ",".join(sorted(span_id(m.reviewer, m.start, m.end) for m in members))
    if len(key) <= UNIT_KEY_MAX:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _jaccard(a_start: int, a_end: int, b_start: int, b_end: int) -> float:
    inter = max(0, min(a_end, b_end) - max(a_start, b_start))
    return inter / ((a_end - a_start) + (b_end - b_start) - inter)


def evidence_changed(gold: GoldRow, members: Sequence[SpanRow]) -> bool:
    """Do the unit's spans differ from those the decision was made from?

    The recorded versions say which spans at which version (a deleted member
    is still listed there); a decision without them is compared with its
    surviving source spans.
    """
    current = {(m.id, m.version) for m in members}
    if gold.versions:
        return current != set(gold.versions)
    return {m.id for m in members} != set(gold.sources)


def gold_attach(
    units: Sequence[tuple[str, int, int, Sequence[SpanRow]]],
    golds: Sequence[GoldRow],
    *,
    threshold: float,
) -> dict[int, int]:
    """{gold id: index of its unit}; at most one decision per unit.

    A decision keeps the unit with its key. Otherwise it follows its claim:
    the free unit sharing most of its source spans, then overlapping its
    extent most (Jaccard >= `threshold` when no source is shared), taken
    greedily over all pairs. A decision with no such unit is left unattached.
    `units` are (key, start, end, members).
    """
    index_of_key = {key: index for index, (key, *_) in enumerate(units)}
    attached: dict[int, int] = {}
    taken: set[int] = set()
    loose = []
    for gold in golds:
        index = index_of_key.get(gold.key)
        if index is not None:
            attached[gold.id] = index
            taken.add(index)
        else:
            loose.append(gold)
    candidates = []
    for gold in loose:
        sources = set(gold.sources) | {span for span, _ in gold.versions}
        for index, (key, start, end, members) in enumerate(units):
            if index in taken:
                continue
            shared = sum(member.id in sources for member in members)
            overlap = _jaccard(gold.start, gold.end, start, end)
            if shared or overlap >= threshold:
                candidates.append((-shared, -overlap, -gold.id, key, gold.id, index))
    for *_, gold_id, index in sorted(candidates):
        if gold_id not in attached and index not in taken:
            attached[gold_id] = index
            taken.add(index)
    return attached


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
    aligned = []
    for unit in units:
        members = [by_id[span.id] for span in unit.spans]
        aligned.append((unit_key(members), unit.start, unit.end, members))
    golds = inputs.golds.get(article_id, [])
    gold_of_unit = {
        index: gold_id
        for gold_id, index in gold_attach(
            aligned, golds, threshold=inputs.session.alignment_threshold
        ).items()
    }
    gold_by_id = {gold.id: gold for gold in golds}
    result = []
    for index, (key, start, end, members) in enumerate(aligned):
        gold_id = gold_of_unit.get(index)
        result.append(
            UnitData(
                article_id=article_id,
                key=key,
                start=start,
                end=end,
                members=members,
                status=unit_status_of(
                    members,
                    required_reviewers=inputs.session.required_reviewers,
                    reviewers_done=reviewers_done,
                    has_gold=gold_id is not None,
                ),
                gold_id=gold_id,
                evidence_changed=gold_id is not None
                and evidence_changed(gold_by_id[gold_id], members),
            )
        )
    return result
