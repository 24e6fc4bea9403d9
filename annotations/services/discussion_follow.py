"""Discussion threads follow their claim when a recompute re-keys its unit.

A thread (its comments and everyone's read markers) is keyed by (session,
article, unit key), and a unit's key names its members. When a member is
moved, deleted or added, the recompute stores the claim under a new key and
deletes the old unit row; `threads_follow` (called by
`agreement_store.units_store` just before that deletion, while the old unit's
memberships are still stored) moves each orphaned thread to the unit its
claim went to, found as gold decisions find theirs
(`agreement_inputs.gold_attach`): the unit sharing most of the old unit's
spans, then overlapping its extent most (Jaccard at least the session's
alignment threshold when no span is shared), greedily, one thread per unit.
A thread whose claim is gone stays under its old key (still exported).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db.models import Min

from annotations.models import (
    AgreementUnit,
    AnnotationSession,
    CommentReadMarker,
    UnitComment,
)
from annotations.services.agreement_types import UnitData

BATCH = 500


def _jaccard(a_start: int, a_end: int, b_start: int, b_end: int) -> float:
    inter = max(0, min(a_end, b_end) - max(a_start, b_start))
    union = (a_end - a_start) + (b_end - b_start) - inter
    return inter / union if union else 0.0


def _threaded(session_id: int, gone: Mapping[tuple[int, str], int]) -> set:
    """The (article, key) pairs among `gone` with comments or read markers."""
    found: set[tuple[int, str]] = set()
    keys = sorted(gone)
    for index in range(0, len(keys), BATCH):
        chunk = keys[index : index + BATCH]
        articles = {article for article, _ in chunk}
        names = {key for _, key in chunk}
        for model in (UnitComment, CommentReadMarker):
            found.update(
                pair
                for pair in model.objects.filter(
                    session_id=session_id, article_id__in=articles, unit_key__in=names
                ).values_list("article_id", "unit_key")
                if pair in gone
            )
    return found


def thread_targets(
    old: Mapping[tuple[int, str], tuple[int, int, set[int]]],
    units: Mapping[tuple[int, str], UnitData],
    *,
    threshold: float,
) -> dict[tuple[int, str], tuple[int, str]]:
    """{old (article, key): new (article, key)}; `old` gives (start, end, member
    span ids) per orphaned thread. Pure: the matching rule of the module doc."""
    candidates = []
    for (article_id, old_key), (start, end, members) in old.items():
        for key, unit in units.items():
            if key[0] != article_id or key == (article_id, old_key):
                continue
            shared = sum(member.id in members for member in unit.members)
            overlap = _jaccard(start, end, unit.start, unit.end)
            if shared or overlap >= threshold:
                candidates.append((-shared, -overlap, old_key, key, article_id))
    moves: dict[tuple[int, str], tuple[int, str]] = {}
    taken: set[tuple[int, str]] = set()
    for _, _, old_key, key, article_id in sorted(candidates):
        source = (article_id, old_key)
        if source not in moves and key not in taken:
            moves[source] = key
            taken.add(key)
    return moves


def _thread_move(session_id: int, article_id: int, old_key: str, new_key: str) -> None:
    thread = {"session_id": session_id, "article_id": article_id}
    UnitComment.objects.filter(**thread, unit_key=old_key).update(unit_key=new_key)
    markers = CommentReadMarker.objects.filter(**thread, unit_key=old_key)
    # A user with a marker on both keys (the claim joined a discussed unit):
    # keep the lower one, so no comment of either thread turns read unseen.
    for user_id, last_read in markers.values_list("user_id", "last_read_id"):
        target = CommentReadMarker.objects.filter(
            **thread, unit_key=new_key, user_id=user_id
        )
        if target.exists():
            lowest = min(last_read, target.aggregate(m=Min("last_read_id"))["m"])
            target.update(last_read_id=lowest)
            markers.filter(user_id=user_id).delete()
    markers.update(unit_key=new_key)


def threads_follow(
    *,
    session_id: int,
    gone: Mapping[tuple[int, str], int],
    units: Mapping[tuple[int, str], UnitData],
) -> None:
    """Move the threads of the units about to be deleted (`gone`: (article,
    key) -> unit id) to the units their claims went to (`units`: the stored
    set after the recompute). Runs inside the recompute's transaction."""
    if not gone:
        return
    threaded = _threaded(session_id, gone)
    if not threaded:
        return
    ids = {gone[pair]: pair for pair in threaded}
    old: dict[tuple[int, str], tuple[int, int, set[int]]] = {}
    for unit_id, start, end in AgreementUnit.objects.filter(pk__in=ids).values_list(
        "id", "start", "end"
    ):
        old[ids[unit_id]] = (start, end, set())
    through = AgreementUnit.spans.through
    for unit_id, span_id in through.objects.filter(
        agreementunit_id__in=list(ids)
    ).values_list("agreementunit_id", "spanannotation_id"):
        old[ids[unit_id]][2].add(span_id)
    threshold = AnnotationSession.objects.values_list(
        "alignment_threshold", flat=True
    ).get(pk=session_id)
    for (article_id, old_key), (_, new_key) in thread_targets(
        old, units, threshold=threshold
    ).items():
        _thread_move(session_id, article_id, old_key, new_key)
