"""Article intake, the database side: one lookup and one write per batch.

`stored_matches` answers the duplicate checks of a whole batch in one query
(stored articles with the same text sha256 or URL, and which external ids
are taken); `OutletCache` resolves a batch's outlet names, creating the
missing ones, and remembers them for the next batch; `articles_insert`
writes the batch with one COPY on PostgreSQL (ids drawn from the sequence
first, so no read-back) and a bulk insert elsewhere (the embedded SQLite).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from annotations.models import ARTICLE_CONTENT_FIELDS, Article, Outlet

# Article columns as COPY receives them (the order of `_copy_line`).
COLUMNS = (
    "id",
    "external_id",
    "outlet_id",
    *ARTICLE_CONTENT_FIELDS,
    "text_sha256",
    "direction",
    "created_at",
)
STORED = (
    "id",
    "external_id",
    "text",
    "text_sha256",
    "title",
    "byline",
    "outlet__name",
    "outlet__domain",
    "published_text",
    "published_date",
    "url",
)


def stored_matches(
    shas: Iterable[str], urls: Iterable[str], external_ids: Iterable[str]
) -> list[dict[str, Any]]:
    """Stored articles sharing a text sha256, a URL or an external id: one query."""
    shas, external_ids = list(shas), list(external_ids)
    urls = [url for url in urls if url]
    if not (shas or external_ids):
        return []
    if connection.vendor == "postgresql":
        return _matches_postgresql(shas, urls, external_ids)
    condition = Q(text_sha256__in=shas) | Q(external_id__in=external_ids)
    if urls:
        condition |= Q(url__in=urls)
    rows = Article.objects.filter(condition).order_by("external_id").values(*STORED)
    return list(rows)


def _matches_postgresql(shas, urls, external_ids) -> list[dict[str, Any]]:
    """Three arrays as three parameters: a batch's thousands of values are not
    spliced into the SQL one placeholder each (which costs more than the query)."""
    sql = (
        "SELECT a.id, a.external_id, a.text, a.text_sha256, a.title, a.byline, "
        "o.name, o.domain, a.published_text, a.published_date, a.url "
        f"FROM {Article._meta.db_table} a LEFT JOIN {Outlet._meta.db_table} o "
        "ON o.id = a.outlet_id WHERE a.text_sha256 = ANY(%s) "
        "OR a.external_id = ANY(%s) OR a.url = ANY(%s) ORDER BY a.external_id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [shas, external_ids, urls])
        return [dict(zip(STORED, row, strict=True)) for row in cursor.fetchall()]


class OutletCache:
    """Outlet name -> id over a whole import (a few names, thousands of rows)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}

    def resolve(self, names: dict[str, str]) -> dict[str, int]:
        """Ids of `names` (name -> domain), creating the outlets not stored yet."""
        missing = [name for name in names if name not in self.ids]
        if missing:
            self._load(missing)
            absent = [name for name in missing if name not in self.ids]
            if absent:
                Outlet.objects.bulk_create(
                    [Outlet(name=name, domain=names[name]) for name in absent],
                    ignore_conflicts=True,
                )
                self._load(absent)
        return self.ids

    def _load(self, names: list[str]) -> None:
        self.ids.update(Outlet.objects.filter(name__in=names).values_list("name", "pk"))

    def forget(self) -> None:
        """After a rollback the outlets created meanwhile are gone too."""
        self.ids.clear()


def _copy_text(value: str) -> str:
    """A value in COPY's text format (backslash escapes; no NUL ever reaches here)."""
    return (
        value.replace("\\", "\\\\")
        .replace("\t", "\\t")
        .replace("\n", "\\n")
        .replace("\r", "\\r")
    )


def _copy_line(pk: int, values: dict[str, Any], outlet: int | None, stamp) -> str:
    published = values["published_date"]
    fields = (
        str(pk),
        _copy_text(values["external_id"]),
        "\\N" if outlet is None else str(outlet),
        _copy_text(values["title"]),
        _copy_text(values["byline"]),
        _copy_text(values["published_text"]),
        published.isoformat() if published else "\\N",
        _copy_text(values["url"]),
        _copy_text(values["text"]),
        values["text_sha256"],
        "",
        stamp,
    )
    return "\t".join(fields) + "\n"


def articles_insert(rows: list[dict[str, Any]], outlets: dict[str, int]) -> list[int]:
    """Write the articles of `rows` (cleaned values); their ids, in order.

    Raises IntegrityError (nothing written) when a unique key is taken.
    """
    if connection.vendor != "postgresql":  # the embedded SQLite default
        created = Article.objects.bulk_create(
            [article_of(values, outlets) for values in rows]
        )
        return [article.pk for article in created]
    table = Article._meta.db_table
    stamp = timezone.now().isoformat()
    with connection.cursor() as cursor:
        _prefer_lz4(cursor)
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
            "FROM generate_series(1, %s)",
            [table, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        payload = "".join(
            _copy_line(pk, values, outlets.get(values["outlet_name"]), stamp)
            for pk, values in zip(ids, rows, strict=True)
        )
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper
        sql = f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN"
        with connection.wrap_database_errors, raw.copy(sql) as copy:
            copy.write(payload.encode())
    return ids


_LZ4: dict[str, bool] = {}


def _prefer_lz4(cursor) -> None:
    """Compress this transaction's new texts with lz4 where the server has it.

    TOAST compresses every text over ~2 kB; pglz, the default, was two thirds
    of the server's time in an import's COPY; lz4 takes a third of that and
    reads back transparently. A transaction-local setting (`SET LOCAL`): no
    other write and no stored value changes.
    """
    alias = connection.alias
    if alias not in _LZ4:
        cursor.execute(
            "SELECT 'lz4' = ANY(enumvals) FROM pg_settings "
            "WHERE name = 'default_toast_compression'"
        )
        row = cursor.fetchone()
        _LZ4[alias] = bool(row and row[0])
    if _LZ4[alias]:
        cursor.execute("SET LOCAL default_toast_compression = lz4")


def article_of(values: dict[str, Any], outlets: dict[str, int]) -> Article:
    fields = {
        key: value
        for key, value in values.items()
        if key not in ("outlet_name", "outlet_domain")
    }
    return Article(outlet_id=outlets.get(values["outlet_name"]), **fields)
