"""CSV: one row per span, streamed line by line, with spreadsheet formulas disarmed.

After an article's spans come its article-question rows: layer `answer` (one
per reviewer and question: `reviewer`, `question`, `answer`, `modified`) and
`gold_answer` (`decision` = adjudicated | agreed, `decided_by`, `decided_at`).
An answer is an option code, option codes joined by `|` (multi-select) or
`true`/`false` (boolean). Span rows leave `question` and `answer` empty.
"""

import csv
from collections.abc import Iterator
from typing import Any

from annotations.exporters.base import ExportFilters, iter_bundles

COLUMNS = (
    "article",
    "layer",
    "span_id",
    "start",
    "end",
    "quote",
    "claim_type",
    "sourcing_quality",
    "cited_source",
    "note",
    "reviewer",
    "origin",
    "created",
    "modified",
    "decision",
    "verdict",
    "revision",
    "decided_by",
    "decided_at",
    "accepted_span_id",
    "unit_key",
    "agreement_status",
    "provenance",
    "agreed_by",
    "question",
    "answer",
)
# A spreadsheet runs a cell starting with these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would evaluate with a single quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cell(value: Any) -> Any:
    """A list (the reviewers who agreed) as one cell, names joined by ";"."""
    return ";".join(value) if isinstance(value, list) else value


class _Echo:
    """A file-like object whose write returns the line, for csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_lines(filters: ExportFilters, **options: Any) -> Iterator[str]:
    """Yield the header, then one CSV line per span (article by article)."""
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    yield writer.writerow(COLUMNS)
    for bundle in iter_bundles(filters, article_questions=True, **options):
        external_id = neutralise(bundle.article["external_id"])
        for span in bundle.spans:
            row = [external_id]
            row.extend(neutralise(_cell(span.get(name))) for name in COLUMNS[1:])
            row[2] = neutralise(span["id"])
            yield writer.writerow(row)
        for cells in answer_rows(bundle.article_questions):
            row = [external_id]
            row.extend(neutralise(cells.get(name)) for name in COLUMNS[1:])
            yield writer.writerow(row)


def answer_cell(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "|".join(value)
    return str(value)


def answer_rows(questions: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The CSV cells of an article's answers (per reviewer), then its gold."""
    for given in questions.get("answers", []):
        for code in sorted(given["answers"]):
            yield {
                "layer": "answer",
                "span_id": f"{given['reviewer']}:{code}",
                "reviewer": given["reviewer"],
                "modified": given["modified"],
                "question": code,
                "answer": answer_cell(given["answers"][code]),
            }
    for code, gold in sorted(questions.get("gold", {}).items()):
        yield {
            "layer": "gold_answer",
            "span_id": f"gold:{code}",
            "decision": gold["source"],
            "decided_by": gold["decided_by"],
            "decided_at": gold["decided_at"],
            "question": code,
            "answer": answer_cell(gold["value"]),
        }
