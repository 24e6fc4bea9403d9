"""Row reads of the export's hot path, branched by database vendor.

PostgreSQL spells timestamps in SQL and reads unit members by one array
parameter; elsewhere (SQLite, the embedded default) Python does the same.
"""

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models.expressions import RawSQL

from annotations.exporters.filters import ExportFilters
from annotations.exporters.queries import raw_span_queryset
from annotations.interchange import timestamp
from annotations.models import SPAN_READING_FIELDS, AgreementUnit

# PostgreSQL spells the timestamp exactly as `timestamp()` would, which saves
# parsing and re-formatting two datetimes per span on the hot path (other
# databases take the Python path in `_raw_rows`).
ISO_UTC = """'YYYY-MM-DD"T"HH24:MI:SS.US"+00:00"'"""
CREATED_TEXT = RawSQL(
    f"to_char(annotations_spanannotation.created_at AT TIME ZONE 'UTC', {ISO_UTC})",
    [],
)
MODIFIED_TEXT = RawSQL(
    f"to_char(annotations_spanannotation.updated_at AT TIME ZONE 'UTC', {ISO_UTC})",
    [],
)
RAW_FIELDS = (
    "id",
    "article_id",
    "reviewer_id",
    *SPAN_READING_FIELDS,
    "note",
    "origin",
    "created_text",
    "modified_text",
)


class _Names:
    """Usernames by user id, fetched once per id."""

    def __init__(self) -> None:
        self.by_id: dict[int, str] = {}

    def load(self, ids) -> None:
        missing = {pk for pk in ids if pk not in self.by_id}
        if missing:
            self.by_id.update(
                get_user_model()
                .objects.filter(pk__in=missing)
                .values_list("pk", "username")
            )


def _raw_rows(filters: ExportFilters, article_ids: list[int]) -> list[tuple]:
    """Reviewer span rows (RAW_FIELDS order) with their timestamps as text."""
    query = raw_span_queryset(filters).filter(article_id__in=article_ids)
    if connection.vendor == "postgresql":
        return list(
            query.annotate(
                created_text=CREATED_TEXT, modified_text=MODIFIED_TEXT
            ).values_list(*RAW_FIELDS)
        )
    # Elsewhere (SQLite, the embedded default) Python spells them the same way.
    fields = (*RAW_FIELDS[:-2], "created_at", "updated_at")
    return [
        (*row[:-2], timestamp(row[-2]), timestamp(row[-1]))
        for row in query.values_list(*fields)
    ]


def _units(session_id: int, article_ids: list[int]):
    """(span id -> (unit key, status)) and ((article id, key) -> status)."""
    units = {
        pk: (article_id, key, status)
        for pk, article_id, key, status in AgreementUnit.objects.filter(
            session_id=session_id, article_id__in=article_ids
        ).values_list("pk", "article_id", "key", "status")
    }
    status_of_key = {(a, key): status for a, key, status in units.values()}
    unit_of_span: dict[int, tuple[str, str]] = {}
    members = _unit_members(list(units))
    for span_pk, unit_pk in members:
        _, key, status = units[unit_pk]
        # A span in several units (should not happen) reports the smallest key.
        if span_pk not in unit_of_span or key < unit_of_span[span_pk][0]:
            unit_of_span[span_pk] = (key, status)
    return unit_of_span, status_of_key


def _unit_members(unit_ids: list[int]) -> list[tuple[int, int]]:
    """(span id, unit id) of the given units, by an index scan on unit id.

    Filtering through the unit's session and article made PostgreSQL hash-join
    the whole membership table once per chunk (quadratic in the corpus); an
    `IN` list of thousands of ids costs more in Django than the query itself.
    So: one array parameter, `= ANY(%s)`, on the indexed column.
    """
    if not unit_ids:
        return []
    through = AgreementUnit.spans.through._meta.db_table
    select = f"SELECT spanannotation_id, agreementunit_id FROM {through} WHERE "
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(select + "agreementunit_id = ANY(%s)", [unit_ids])
            return cursor.fetchall()
        rows: list[tuple[int, int]] = []
        for at in range(0, len(unit_ids), 900):  # SQLite's variable limit
            batch = unit_ids[at : at + 900]
            marks = ", ".join(["%s"] * len(batch))
            cursor.execute(select + f"agreementunit_id IN ({marks})", batch)
            rows.extend(cursor.fetchall())
    return rows
