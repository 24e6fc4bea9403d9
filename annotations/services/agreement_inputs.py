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
from collections.abc import Collection, Sequence

from django.db.models import Count, Max, Sum
from django.db.models.functions import Length

from annotations.metrics.sources import normalise_aliases, normalise_source
from annotations.models import (
    AnnotationSession,
    Assignment,
    ClaimType,
    GoldSpan,
    ReviewState,
    SessionArticle,
    SessionMembership,
    SourceAlias,
    SourcingLevel,
    SpanAnnotation,
)
from annotations.services.agreement_align import (  # re-exported
    evidence_changed,
    gold_attach,
    unit_key,
    units_align,
)
from annotations.services.agreement_types import (
    AgreementInputs,
    GoldRow,
    SpanRow,
)

# Bump when the computation changes, so stored reports count as outdated.
# 2: portable unit keys; a unit is adjudicated when a gold decision attaches.
# 3: units carry their disagreement reasons.
# 4: session figures reduced from stored per-article statistics.
ENGINE_VERSION = 4
BOOTSTRAP_SEED = 20251122


def _sha256(value) -> str:
    blob = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def agreement_inputs_load(
    *, session_id: int, draws: int, article_ids: Collection[int] | None = None
) -> AgreementInputs:
    """Read spans, review states, gold decisions and labels; fingerprint them.

    With ``article_ids``, only those articles' data (the session-wide part,
    `params_hash` included, is always read): an incremental recompute loads
    what changed, not the whole session.
    """
    session = AnnotationSession.objects.get(pk=session_id)
    only = None if article_ids is None else sorted(set(article_ids))

    def scoped(query, field="article_id"):
        return query if only is None else query.filter(**{f"{field}__in": only})

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
    lengths = dict(
        scoped(SessionArticle.objects.filter(session_id=session_id))
        .annotate(length=Length("article__text"))
        .order_by("position", "article_id")
        .values_list("article_id", "length")
    )
    alias_table = dict(SourceAlias.objects.values_list("alias", "canonical"))
    # Balanced sessions: only the assigned reviewers' work counts (spans of a
    # reviewer reassigned away stay stored, outside agreement).
    assigned = _assigned_pairs(session)
    golds, gold_fp = _golds_load(session_id, scoped)
    inputs = AgreementInputs(
        session=session,
        reviewers=reviewers,
        claim_codes=claim_codes,
        sourcing_codes=[code for code, _ in levels],
        sourcing_ranks=[rank for _, rank in levels],
        article_ids=list(lengths),  # report order (dicts keep insertion order)
        article_lengths=lengths,
        spans=_spans_load(session_id, scoped, assigned, normalise_aliases(alias_table)),
        done=_done_load(session_id, scoped, assigned),
        golds=golds,
        gold_fingerprint=gold_fp,
        draws=draws,
    )
    _fingerprint(
        inputs, aliases_hash=_sha256(sorted(alias_table.items())), whole=only is None
    )
    return inputs


def _spans_load(session_id: int, scoped, assigned, aliases) -> dict:
    """{article_id: [SpanRow]} in id order, cited sources normalised."""
    spans: dict[int, list[SpanRow]] = defaultdict(list)
    rows = (
        scoped(SpanAnnotation.objects.filter(session_id=session_id))
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
        if assigned is not None and (row[1], row[2]) not in assigned:
            continue
        source = row[9]
        if source not in source_cache:
            source_cache[source] = normalise_source(source, aliases)
        spans[row[1]].append(SpanRow(*row[:9], source_cache[source]))
    return dict(spans)


def _done_load(session_id: int, scoped, assigned) -> dict[int, set[str]]:
    """{article_id: usernames done with it} (assigned reviewers only)."""
    done: dict[int, set[str]] = defaultdict(set)
    for article_id, username in scoped(
        ReviewState.objects.filter(session_id=session_id, done=True)
    ).values_list("article_id", "reviewer__username"):
        if assigned is None or (article_id, username) in assigned:
            done[article_id].add(username)
    return dict(done)


def _golds_load(session_id: int, scoped) -> tuple[dict, dict]:
    """Current gold decisions per article, and what of them the fingerprint hashes."""
    golds: dict[int, list[GoldRow]] = defaultdict(list)
    gold_fp: dict[int, list] = defaultdict(list)
    gold_sources = defaultdict(list)
    for gold_id, source_id in scoped(
        GoldSpan.source_spans.through.objects.filter(
            goldspan__session_id=session_id, goldspan__is_current=True
        ),
        "goldspan__article_id",
    ).values_list("goldspan_id", "spanannotation_id"):
        gold_sources[gold_id].append(source_id)
    for gold_id, article_id, key, start, end, versions in scoped(
        GoldSpan.objects.filter(session_id=session_id, is_current=True)
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
    return dict(golds), dict(gold_fp)


def _assigned_pairs(session: AnnotationSession) -> set[tuple[int, str]] | None:
    """(article id, username) of the plan of a balanced session; None otherwise."""
    if session.assignment != AnnotationSession.AssignmentMode.BALANCED:
        return None
    return set(
        Assignment.objects.filter(session=session).values_list(
            "article_id", "reviewer__username"
        )
    )


def _fingerprint(inputs: AgreementInputs, *, aliases_hash: str, whole: bool) -> None:
    """sha256 of the session-wide inputs, and per article of its canonical input.

    The session fingerprint needs every article's: `session_fingerprint`
    combines stored ones with these.
    """
    session = inputs.session
    params = [
        ENGINE_VERSION,
        session.alignment_threshold,
        session.required_reviewers,
        session.boundary_tolerance,
        inputs.draws,
        BOOTSTRAP_SEED,
        inputs.reviewers,
        inputs.claim_codes,
        list(zip(inputs.sourcing_codes, inputs.sourcing_ranks, strict=True)),
        # Aliases change normalised sources without bumping article counters.
        aliases_hash,
    ]
    inputs.params_hash = _sha256(params)
    for article_id in inputs.article_ids:
        inputs.fingerprints[article_id] = _sha256(
            [
                inputs.params_hash,
                article_id,
                inputs.article_lengths[article_id],
                [list(row) for row in inputs.spans.get(article_id, [])],
                sorted(inputs.done.get(article_id, ())),
                sorted(inputs.gold_fingerprint.get(article_id, [])),
            ]
        )
    if whole:
        inputs.session_fingerprint = session_fingerprint(
            inputs.params_hash,
            [(a, inputs.fingerprints[a]) for a in inputs.article_ids],
        )


def session_fingerprint(params_hash: str, pairs: Sequence[tuple[int, str]]) -> str:
    """The session's input hash from its articles' (id, fingerprint) in order."""
    return _sha256([params_hash, [[a, fingerprint] for a, fingerprint in pairs]])


def session_article_ids(*, session_id: int) -> list[int]:
    """The session's article ids in report order (position, then id)."""
    return list(
        SessionArticle.objects.filter(session_id=session_id)
        .order_by("position", "article_id")
        .values_list("article_id", flat=True)
    )


def article_shapes(
    *, session_id: int, article_ids: Collection[int] | None = None
) -> dict[int, str]:
    """A cheap summary per article of what its writes change: span count, top id
    and version sum, current gold decisions, done review states.

    Aggregates, not rows: it catches changes made without `articles_changed`
    (the shell, a script, a direct ORM write), which the counters miss. It
    reads every span of the session, so a recompute asks for it only when
    forced or told to check (`shape_check`); otherwise only for ``article_ids``.
    """
    only = None if article_ids is None else sorted(set(article_ids))

    def scoped(query):
        return query if only is None else query.filter(article_id__in=only)

    parts: dict[int, list] = defaultdict(lambda: [0, 0, 0, 0, 0, 0, 0])
    if only == []:
        return {}
    for article_id, count, top, versions in (
        scoped(SpanAnnotation.objects.filter(session_id=session_id))
        .order_by()
        .values("article_id")
        .annotate(n=Count("id"), top=Max("id"), versions=Sum("version"))
        .values_list("article_id", "n", "top", "versions")
    ):
        parts[article_id][0:3] = [count, top, versions]
    for article_id, count, top in (
        scoped(GoldSpan.objects.filter(session_id=session_id, is_current=True))
        .order_by()
        .values("article_id")
        .annotate(n=Count("id"), top=Max("id"))
        .values_list("article_id", "n", "top")
    ):
        parts[article_id][3:5] = [count, top]
    for article_id, count, ids in (
        scoped(ReviewState.objects.filter(session_id=session_id, done=True))
        .order_by()
        .values("article_id")
        .annotate(n=Count("id"), ids=Sum("id"))
        .values_list("article_id", "n", "ids")
    ):
        parts[article_id][5:7] = [count, ids]
    return {article_id: ":".join(map(str, p)) for article_id, p in parts.items()}


__all__ = [
    "BOOTSTRAP_SEED",
    "ENGINE_VERSION",
    "agreement_inputs_load",
    "article_shapes",
    "evidence_changed",
    "gold_attach",
    "session_article_ids",
    "session_fingerprint",
    "unit_key",
    "units_align",
]
