"""Fan-out of a cold or forced agreement recompute across Celery workers.

The articles whose statistics are due are split into chunks of
``AGREEMENT_FANOUT_CHUNK``; each chunk is one `annotations.recompute_agreement_chunk`
task (units, statistics and article reports of its articles, upserted: a
chunk redone gives the same rows), run by whichever workers are free; when
all are done a Celery chord runs one `annotations.recompute_agreement`
without fan-out, which finds every article current and only reduces. Without
a broker, or with fewer than two chunks' worth of articles, nothing is split.
"""

from __future__ import annotations

from django.conf import settings

from annotations.services.agreement_inputs import (
    agreement_inputs_load,
    article_shapes,
    session_article_ids,
)
from annotations.services.agreement_plan import SHAPE_CHECK
from annotations.services.agreement_stats import stats_due, stats_index
from annotations.services.queue import chord_send, tasks_run_inline
from annotations.services.recompute import session_changes

AGREEMENT_TASK = "annotations.recompute_agreement"
CHUNK_TASK = "annotations.recompute_agreement_chunk"


def agreement_due_articles(
    *, session_id: int, force: bool, bootstrap_draws: int | None
) -> list[int]:
    """The articles a recompute would realign now (counters, shapes, params)."""
    draws = (
        settings.AGREEMENT_BOOTSTRAP_DRAWS
        if bootstrap_draws is None
        else bootstrap_draws
    )
    changes = session_changes(session_id=session_id)
    params = agreement_inputs_load(
        session_id=session_id, draws=max(1, int(draws)), article_ids=[]
    ).params_hash
    order = session_article_ids(session_id=session_id)
    # As `agreement_plan.plan_make`: whole-session shapes only where it reads them.
    limit = int(getattr(settings, "AGREEMENT_SHAPE_CHECK_ARTICLES", SHAPE_CHECK))
    return stats_due(
        order,
        index=stats_index(session_id=session_id),
        params=params,
        changes=changes,
        shapes=article_shapes(session_id=session_id)
        if force or len(order) <= limit
        else None,
        force=force,
    )


def agreement_fanout(
    *, session_id: int, force: bool, bootstrap_draws: int | None
) -> dict | None:
    """Send the chunks and the reduce (a chord); None when not worth splitting."""
    if tasks_run_inline():
        return None
    size = max(1, int(getattr(settings, "AGREEMENT_FANOUT_CHUNK", 500)))
    due = agreement_due_articles(
        session_id=session_id, force=force, bootstrap_draws=bootstrap_draws
    )
    if len(due) < 2 * size:
        return None
    chunks = [due[first : first + size] for first in range(0, len(due), size)]
    reduce_id = chord_send(
        [
            (
                CHUNK_TASK,
                {
                    "session_id": session_id,
                    "article_ids": chunk,
                    "force": force,
                    "bootstrap_draws": bootstrap_draws,
                },
            )
            for chunk in chunks
        ],
        then=(
            AGREEMENT_TASK,
            {
                "session_id": session_id,
                "bootstrap_draws": bootstrap_draws,
                "fan_out": False,
            },
        ),
        session_id=session_id,
    )
    return {
        "session_id": session_id,
        "fanned_out": len(chunks),
        "articles": len(due),
        "reduce_task_id": reduce_id,
    }
