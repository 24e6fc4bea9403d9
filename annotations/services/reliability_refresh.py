"""Bring each article's stored share of the reliability report up to date, and sum.

`parts_refresh` re-reads the articles whose key moved (`reliability_key`), in
chunks so a cold run's memory does not grow with the session, stores their
shares (`ReliabilityArticle`, and the evidence index), and returns the
session's sums with the report's content fingerprint. The sums of the last
run this process committed are remembered: while every stored digest is the
one it summed, the next run only subtracts the re-read articles' old shares
and adds their new ones. Otherwise (another process ran, a fresh worker) it
sums every stored share once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator

from django.db import transaction

from annotations.metrics.reliability_sums import SessionSums
from annotations.models import (
    ReliabilityArticle,
    ReliabilityReport,
    ReliabilitySubjectArticle,
)
from annotations.services.reliability_indicators import indicator_answers_load
from annotations.services.reliability_inputs import reliability_inputs_load
from annotations.services.reliability_key import Context
from annotations.services.reliability_parts import ArticleParts, article_parts

CHUNK = 500  # articles read and stored at a time

# Report pk -> (articles hash, {article_id: digest}, sums) of the last run
# this process committed.
_sums_memo: dict[int, tuple[str, dict[int, str], SessionSums]] = {}


def _chunks(ids: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _stats_of(session_id: int, article_ids: list[int]) -> Iterator[dict]:
    for chunk in _chunks(article_ids, 2000):
        yield from ReliabilityArticle.objects.filter(
            session_id=session_id, article_id__in=chunk
        ).values_list("stats", flat=True)


def _sums_start(report, context, stored, changed: list[int]) -> SessionSums:
    """The sums without the articles about to be re-read (or removed)."""
    memo = _sums_memo.pop(report.pk, None)
    leaving = [a for a in changed if a in stored]
    if memo is not None and memo[0] == context.articles_hash and memo[1] == stored:
        sums = memo[2]
        for stats in _stats_of(report.session_id, leaving):
            sums.add(stats, -1)
        return sums
    sums = SessionSums()
    keep = sorted(set(stored) - set(leaving))
    for stats in _stats_of(report.session_id, keep):
        sums.add(stats)
    return sums


def _parts_store(session_id: int, parts: dict[int, ArticleParts], keys) -> None:
    ReliabilityArticle.objects.bulk_create(
        [
            ReliabilityArticle(
                session_id=session_id,
                article_id=article_id,
                key=keys[article_id][0],
                digest=part.digest,
                stats=part.stats,
                claims=part.claims,
                members=part.members,
            )
            for article_id, part in sorted(parts.items())
        ],
        batch_size=200,
        update_conflicts=True,
        unique_fields=["session", "article"],
        update_fields=["key", "digest", "stats", "claims", "members"],
    )
    ReliabilitySubjectArticle.objects.filter(
        session_id=session_id, article_id__in=list(parts)
    ).delete()
    ReliabilitySubjectArticle.objects.bulk_create(
        [
            ReliabilitySubjectArticle(
                session_id=session_id,
                article_id=article_id,
                subject_kind=kind,
                subject_key=key,
            )
            for article_id, part in sorted(parts.items())
            for kind, key in sorted(part.subjects)
        ],
        batch_size=2000,
    )


def _vanished_delete(session_id: int, vanished: list[int]) -> None:
    for chunk in _chunks(vanished, 2000):
        for model in (ReliabilityArticle, ReliabilitySubjectArticle):
            model.objects.filter(session_id=session_id, article_id__in=chunk).delete()


def parts_refresh(
    *,
    report: ReliabilityReport,
    context: Context,
    keys: dict[int, tuple[str, str]],
    force: bool,
    lap: Callable[[str], None],
) -> tuple[SessionSums, str, int]:
    """(session sums, content fingerprint, articles re-read) after re-reading
    what changed.

    Call inside the recompute's transaction; ``keys`` from `article_keys`.
    """
    session_id = report.session_id
    stored_rows = ReliabilityArticle.objects.filter(session_id=session_id)
    stored, digests = {}, {}
    for article_id, key, digest in stored_rows.values_list(
        "article_id", "key", "digest"
    ):
        stored[article_id], digests[article_id] = key, digest
    changed = sorted(a for a in keys if force or stored.get(a) != keys[a][0])
    vanished = sorted(set(stored) - set(keys))
    sums = _sums_start(report, context, digests, changed + vanished)
    lap("sums_start")
    _vanished_delete(session_id, vanished)
    for article_id in vanished:
        digests.pop(article_id)
    for chunk in _chunks(changed):
        inputs = reliability_inputs_load(
            session_id=session_id,
            article_ids=chunk,
            alias_table=context.alias_table,
            rules=context.rules,
        )
        answers = indicator_answers_load(
            session_id=session_id, article_ids=chunk, questions=context.questions
        )
        outlets = {article_id: keys[article_id][1] for article_id in chunk}
        parts = article_parts(inputs, outlets, answers)
        _parts_store(session_id, parts, keys)
        for article_id, part in parts.items():
            sums.add(part.stats)
            digests[article_id] = part.digest
    lap("load_inputs")
    fingerprint = hashlib.sha256(
        f"{context.report_hash}:{context.articles_hash}".encode()
    )
    for article_id in sorted(digests):
        fingerprint.update(f"{article_id}:{digests[article_id]};".encode())
    memo = (context.articles_hash, dict(digests), sums)
    transaction.on_commit(lambda: _sums_memo.__setitem__(report.pk, memo))
    lap("fingerprint")
    return sums, fingerprint.hexdigest(), len(changed)
