"""What one agreement recompute does, decided from counters and fingerprints.

`plan_make` reads the change counters' outcome, the stored statistics' index
and the inputs of the due articles only; `session_payload` reduces every
article's statistics through the in-memory reduction state; the article
questions' figures are kept by their input fingerprint.
"""

from __future__ import annotations

import copy
from typing import NamedTuple

from django.conf import settings
from django.core.exceptions import ValidationError

from annotations.caches import LRUCache
from annotations.models import AgreementReport
from annotations.services.agreement_inputs import (
    BOOTSTRAP_SEED,
    agreement_inputs_load,
    article_shapes,
    session_article_ids,
    session_fingerprint,
)
from annotations.services.agreement_stats import (
    payload_of,
    payload_reduce,
    session_bootstrap,
    session_sums,
    stats_due,
    stats_index,
    stats_load,
)
from annotations.services.agreement_store import article_counters_store
from annotations.services.agreement_types import AgreementInputs
from annotations.services.question_agreement import (
    question_agreement_payload,
    question_inputs_load,
    session_fingerprint_with_questions,
)

# Sessions up to this many articles check every article's shape on each run.
SHAPE_CHECK = 2000


class Plan(NamedTuple):
    """What one recompute does, decided from counters and fingerprints."""

    inputs: AgreementInputs  # only the due articles' data
    order: list[int]  # every article of the session, in report order
    recompute: list[int]  # realign and recompute these
    touched: list[int]  # counter moved, inputs did not: note the counter
    fingerprints: dict[int, str]  # every article's current input hash
    session_fingerprint: str
    session_changed: bool
    shapes: dict[int, str]  # agreement_inputs.article_shapes


def plan_make(
    session_id: int, chunk: list[int] | None, force: bool, draws: int, changes
) -> Plan:
    """Load only the articles whose counter moved since their stored statistics.

    ``chunk``: only these articles, and not the session report (a fan-out part).
    The whole session's shapes (`article_shapes`, which read every span) are
    compared when forced or in sessions of at most
    ``AGREEMENT_SHAPE_CHECK_ARTICLES`` articles; in larger ones the change
    counters decide and only the due articles' shapes are read.
    """
    order = session_article_ids(session_id=session_id)
    missing = [a for a in chunk or [] if a not in changes]
    if missing:
        raise ValidationError(
            {"article": f"Article {missing[0]} is not in this session."}
        )
    index = stats_index(session_id=session_id)
    limit = int(getattr(settings, "AGREEMENT_SHAPE_CHECK_ARTICLES", SHAPE_CHECK))
    check = force or len(order) <= limit
    shapes = article_shapes(session_id=session_id) if check else None
    params = agreement_inputs_load(
        session_id=session_id, draws=draws, article_ids=[]
    ).params_hash
    due = stats_due(
        order if chunk is None else chunk,
        index=index,
        params=params,
        changes=changes,
        shapes=shapes,
        force=force,
    )
    if shapes is None:
        shapes = article_shapes(session_id=session_id, article_ids=due)
    inputs = agreement_inputs_load(
        session_id=session_id,
        draws=draws,
        article_ids=None if len(due) == len(order) else due,
    )
    recompute = [
        a
        for a in due
        if force
        or a not in index
        or (index[a].params, index[a].fingerprint) != (params, inputs.fingerprints[a])
    ]
    fingerprints = {a: stored.fingerprint for a, stored in index.items()}
    fingerprints.update(inputs.fingerprints)
    session_fp = _session_fingerprint(session_id, params, order, fingerprints)
    return Plan(
        inputs=inputs,
        order=order,
        recompute=recompute,
        touched=[a for a in due if a not in recompute],
        fingerprints=fingerprints,
        session_fingerprint=session_fp,
        session_changed=chunk is None
        and (force or bool(recompute) or _stored_fingerprint(session_id) != session_fp),
        shapes=shapes,
    )


def _session_fingerprint(session_id: int, params: str, order, fingerprints) -> str:
    """The session's input hash (article-question answers feed its report too)."""
    return session_fingerprint_with_questions(
        session_id=session_id,
        fingerprint=session_fingerprint(
            params, [(a, fingerprints.get(a, "")) for a in order]
        ),
    )


def _stored_fingerprint(session_id: int) -> str | None:
    return (
        AgreementReport.objects.filter(session_id=session_id, article__isnull=True)
        .values_list("fingerprint", flat=True)
        .first()
    )


def session_payload(session_id: int, plan: Plan, new_stats) -> dict:
    """The session payload: every article's statistics reduced, in report order
    (the in-memory reduction state brought up to date, `session_sums`)."""
    state = session_sums(
        session_id=session_id,
        inputs=plan.inputs,
        order=plan.order,
        fingerprints=plan.fingerprints,
        new_stats=new_stats,
    )
    bootstrap = session_bootstrap(state)
    if bootstrap == "article":
        return payload_of(plan.inputs, state, seed=BOOTSTRAP_SEED, bootstrap=bootstrap)
    # Few articles: the per-unit bootstrap, which needs the per-unit tables.
    stored = {a: plan.fingerprints[a] for a in plan.order if a not in new_stats}
    loaded = stats_load(session_id=session_id, fingerprints=stored, with_units=True)
    every = [new_stats[a] if a in new_stats else loaded[a] for a in plan.order]
    return payload_reduce(plan.inputs, every, seed=BOOTSTRAP_SEED, bootstrap=bootstrap)


def counters_note(session_id: int, plan: Plan, changes, current=None) -> None:
    """Statistics of articles whose inputs did not change take the new counter."""
    noted = {
        a: (changes.get(a, 0), plan.shapes.get(a, ""))
        for a in plan.touched
        if current is None or current.get(a) == changes.get(a)
    }
    if noted:
        article_counters_store(session_id=session_id, changes=noted)


def unstale(
    session_id: int,
    articles: dict[int, tuple[str, int]],
    *,
    session: tuple[str, int] | None,
) -> None:
    """Reports whose fingerprint still matches the data are not stale.

    ``articles`` {article_id: (fingerprint, counter)} and ``session``
    (fingerprint, counter sum) carry the change counters read before the
    inputs, so a write that lands after that read still shows them stale.
    """
    wanted = dict(articles)
    query = AgreementReport.objects.filter(
        session_id=session_id, article_id__in=sorted(articles)
    )
    if session is not None:
        wanted[None] = session
        query = query | AgreementReport.objects.filter(
            session_id=session_id, article__isnull=True
        )
    if not wanted:
        return
    updates = []
    for report in query.only(
        "id", "article_id", "fingerprint", "marked_stale", "input_changes"
    ):
        fingerprint, counter = wanted[report.article_id]
        if report.fingerprint != fingerprint:
            continue
        if report.marked_stale or report.input_changes != counter:
            report.marked_stale, report.input_changes = False, counter
            updates.append(report)
    AgreementReport.objects.bulk_update(
        updates, ["marked_stale", "input_changes"], batch_size=500
    )


# The article questions' figures of the last session seen, by input fingerprint.
_QUESTIONS: LRUCache[int, tuple[tuple, dict]] = LRUCache(1)


def article_questions(*, session_id: int, draws: int) -> dict:
    """The session report's `article_questions` (recomputed only when their
    inputs' fingerprint moved)."""
    inputs = question_inputs_load(session_id=session_id)
    key = (inputs.fingerprint, draws, BOOTSTRAP_SEED)
    cached = _QUESTIONS.get(session_id)
    if cached is None or cached[0] != key:
        payload = question_agreement_payload(inputs, draws=draws, seed=BOOTSTRAP_SEED)
        cached = _QUESTIONS.put(session_id, (key, payload))
    return copy.deepcopy(cached[1])
