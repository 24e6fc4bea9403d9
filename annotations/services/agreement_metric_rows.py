"""The session report's figures as AgreementMetric rows (one query per metric)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from annotations.models import AgreementMetric

METRIC_KEY = ("dimension", "metric", "label", "reviewer_a", "reviewer_b")
METRIC_VALUES = ("value", "ci_low", "ci_high", "n")
BATCH = 2000


def _chunks(items: Sequence, size: int = BATCH) -> Iterable[Sequence]:
    for first in range(0, len(items), size):
        yield items[first : first + size]


def metrics_store(rows_by_report: dict[int, list[dict[str, Any]]]) -> None:
    """Make each report's metric rows exactly the given ones.

    New keys are inserted, changed values updated (upsert on the unique key),
    unchanged rows left alone and rows no longer produced deleted.
    """
    report_ids = sorted(rows_by_report)
    existing: dict[tuple, tuple[int, tuple]] = {}
    for chunk in _chunks(report_ids, 500):
        for row in AgreementMetric.objects.filter(report_id__in=chunk).values_list(
            "id", "report_id", *METRIC_KEY, *METRIC_VALUES
        ):
            key_end = 2 + len(METRIC_KEY)
            existing[row[1:key_end]] = (row[0], row[key_end:])
    inserts, updates, wanted = [], [], set()
    for report_id, rows in rows_by_report.items():
        for row in rows:
            key = (report_id, *(row[name] for name in METRIC_KEY))
            if key in wanted:
                continue
            wanted.add(key)
            old = existing.get(key)
            if old is None:
                inserts.append(AgreementMetric(report_id=report_id, **row))
            elif old[1] != tuple(row[name] for name in METRIC_VALUES):
                updates.append(AgreementMetric(report_id=report_id, **row))
    obsolete = [pk for key, (pk, _) in existing.items() if key not in wanted]
    for chunk in _chunks(obsolete):
        AgreementMetric.objects.filter(pk__in=chunk).delete()
    AgreementMetric.objects.bulk_create(inserts, batch_size=BATCH)
    AgreementMetric.objects.bulk_create(
        updates,
        batch_size=BATCH,
        update_conflicts=True,
        unique_fields=["report", *METRIC_KEY],
        update_fields=list(METRIC_VALUES),
    )


def metric_rows(payload: dict[str, Any]) -> list[dict[str, Any]]:
    """The payload flattened into AgreementMetric field values."""
    rows = []

    def add(dimension, metric, value, *, label="", a="", b="", ci=None, n=0):
        rows.append(
            {
                "dimension": dimension,
                "metric": metric,
                "label": label[:50],
                "reviewer_a": a,
                "reviewer_b": b,
                "value": value,
                "ci_low": ci[0] if ci else None,
                "ci_high": ci[1] if ci else None,
                "n": n,
            }
        )

    for name, figures in payload["labels"].items():
        add(
            name,
            "alpha",
            figures["alpha"],
            ci=figures["ci"],
            n=figures["pairable_units"],
        )
        add(name, "fleiss_kappa", figures["fleiss_kappa"], n=figures["fleiss_units"])
        for pair in figures["pairs"]:
            for metric in ("cohen_kappa", "percent_agreement"):
                add(
                    name,
                    metric,
                    pair[metric],
                    a=pair["reviewer_a"],
                    b=pair["reviewer_b"],
                    n=pair["n"],
                )
        for label, item in figures.get("per_label", {}).items():
            add(name, "alpha", item["alpha"], label=label, n=item["n"])
    for mode, figures in payload["detection"].items():
        add("span", f"{mode}_micro_f1", figures["micro_f1"])
        add("span", f"{mode}_macro_f1", figures["macro_f1"])
        for pair in figures["pairs"]:
            add(
                "span",
                f"{mode}_f1",
                pair["f1"],
                a=pair["reviewer_a"],
                b=pair["reviewer_b"],
                n=pair["matched"],
            )
    unitizing = payload["unitizing"]
    add("span", "unitizing_alpha", unitizing["alpha"], n=unitizing["articles"])
    for label, value in unitizing["per_label"].items():
        add("span", "unitizing_alpha", value, label=label, n=unitizing["articles"])
    return rows
