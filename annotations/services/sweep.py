"""The periodic sweep: recover work that nobody holds any more.

Run by the beat schedule every STALE_SWEEP_SECONDS (`annotations.tasks`):
stale or missing reports are scheduled again (a lost schedule's lease has run
out by then), exports whose worker died are failed and their partial files
removed, and task records past the result store's expiry are pruned.
"""

from annotations.services.exports import export_jobs_sweep
from annotations.services.queue import task_records_prune
from annotations.services.recompute import agreement_sweep


def sweep_run() -> dict[str, list[int] | int]:
    """One sweep; returns what it did (session ids, job ids, records pruned)."""
    return {
        "sessions": agreement_sweep(),
        "failed_exports": export_jobs_sweep(),
        "pruned_task_records": task_records_prune(),
    }
