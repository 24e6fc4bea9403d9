"""The shared export read: filters, and keyset-paginated article chunks with spans."""

from collections.abc import Callable, Iterator, Mapping
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from urllib.parse import quote as url_quote

import orjson
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import RawSQL

from annotations.exporters.answers import article_questions_by_article
from annotations.exporters.gold_agreed import (
    GOLD_CHOICES,
    GOLD_COMPLETE,
    PROVENANCE_ADJUDICATED,
    PROVENANCE_AGREED,
    agreed_gold,
)
from annotations.models import (
    AgreementStatus,
    AgreementUnit,
    AnnotationSession,
    Article,
    ClaimType,
    GoldSpan,
    ReviewState,
    SourcingLevel,
    SpanAnnotation,
    UnitComment,
)
from annotations.parsing import has_nul, parse_id

FORMAT_VERSION = "1.0"
LAYERS = ("both", "gold", "raw")
STATUS_NONE = "none"  # a span that no agreement unit holds (recompute not run)
STATUSES = (*AgreementStatus.values, STATUS_NONE)
ARTICLE_IRI = "urn:workbench:article:"


def dumps(value: Any) -> bytes:
    """Deterministic compact UTF-8 JSON (sorted keys, no spaces, no \\u escapes
    of non-ASCII): the same bytes as json.dumps(sort_keys=True,
    ensure_ascii=False, separators=(",", ":")), about ten times faster.
    """
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def article_iri(external_id: str) -> str:
    return ARTICLE_IRI + url_quote(external_id, safe="-_.~")


def timestamp(value: datetime | None) -> str | None:
    """UTC ISO 8601 with microseconds: one spelling per instant."""
    if value is None:
        return None
    return value.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class ExportFilters:
    """What to export; `until` is an exclusive bound on span/gold timestamps."""

    session_id: int
    layer: str = "both"
    article_ids: tuple[int, ...] | None = None
    reviewer_ids: tuple[int, ...] | None = None
    statuses: tuple[str, ...] | None = None
    # "complete": adjudicated decisions and agreed units; "adjudicated": only the
    # decisions (exporters/gold_agreed.py).
    gold: str = "complete"
    since: datetime | None = None
    until: datetime | None = None
    # A blind reviewer's own export: agreement units would reveal others' work.
    hide_units: bool = False
    described: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def include_raw(self) -> bool:
        return self.layer in ("raw", "both")

    @property
    def include_gold(self) -> bool:
        return self.layer in ("gold", "both")

    def to_params(self) -> dict[str, Any]:
        """JSON-able form (for an export job); `from_params` reverses it."""
        data = asdict(self)
        for name in ("since", "until"):
            data[name] = timestamp(data[name])
        for name in ("article_ids", "reviewer_ids", "statuses"):
            if data[name] is not None:
                data[name] = list(data[name])
        return data

    @classmethod
    def from_params(cls, data: Mapping[str, Any]) -> "ExportFilters":
        values = dict(data)
        for name in ("since", "until"):
            if values.get(name):
                values[name] = datetime.fromisoformat(values[name])
        for name in ("article_ids", "reviewer_ids", "statuses"):
            if values.get(name) is not None:
                values[name] = tuple(values[name])
        return cls(**values)


def _as_list(value: Any) -> list[str]:
    """Comma-separated strings (or ints) as a list; ValueError for other shapes."""
    if value is None:
        return []
    items = value if isinstance(value, list | tuple) else [value]
    result: list[str] = []
    for item in items:
        if isinstance(item, int) and not isinstance(item, bool):
            result.append(str(item))
        elif isinstance(item, str) and not has_nul(item):
            result.extend(part.strip() for part in item.split(",") if part.strip())
        else:
            raise ValueError(item)
    return result


def requested(params: Mapping[str, Any], name: str) -> list[str]:
    """The items of list filter `name` as sent; ValueError if malformed."""
    return _as_list(_get(params, name))


def _ids(items: list[str]) -> list[int]:
    """The items that are ids (ASCII digits in range); the rest are names."""
    ids = []
    for item in items:
        with suppress(ValueError):
            ids.append(parse_id(item))
    return ids


def _parse_bound(value: str, *, upper: bool) -> datetime:
    """A date means the whole day (UTC); a datetime without zone is UTC.

    ValueError for a malformed value; OverflowError for an instant Python
    cannot hold once made UTC and exclusive (`until=9999-12-31` would end in
    the year 10000).
    """
    try:
        day = date.fromisoformat(value)
    except ValueError:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
        return moment + timedelta(microseconds=1) if upper else moment
    start = datetime.combine(day, time.min, tzinfo=UTC)
    return start + timedelta(days=1) if upper else start


def _get(params: Mapping[str, Any], name: str) -> Any:
    getlist = getattr(params, "getlist", None)
    if getlist is not None:
        values = getlist(name)
        return values if len(values) > 1 else (values[0] if values else None)
    return params.get(name)


def filters_parse(
    *, session: AnnotationSession, params: Mapping[str, Any]
) -> ExportFilters:
    """Validate export filters; ValidationError names each offending field."""
    errors: dict[str, str] = {}
    described: dict[str, Any] = {"session": session.pk}
    layer = _get(params, "layer") or "both"
    if layer not in LAYERS:
        errors["layer"] = f"Must be one of {', '.join(LAYERS)}."
    described["layer"] = layer
    gold = _get(params, "gold")
    if gold is None:
        gold = GOLD_COMPLETE
    elif gold not in GOLD_CHOICES:
        errors["gold"] = f"Must be one of {', '.join(GOLD_CHOICES)}."
    described["gold"] = gold

    article_ids = None
    try:
        wanted = requested(params, "articles")
    except ValueError:
        errors["articles"] = "Must be article ids or external ids, comma-separated."
        wanted = []
    if wanted:
        in_session = Article.objects.filter(sessions=session.pk)
        rows = in_session.filter(
            Q(pk__in=_ids(wanted)) | Q(external_id__in=wanted)
        ).values_list("pk", "external_id")
        found = {str(pk): pk for pk, _ in rows} | {ext: pk for pk, ext in rows}
        missing = [item for item in wanted if item not in found]
        if missing:
            errors["articles"] = (
                f"Not articles of this session: {', '.join(missing[:10])}."
            )
        article_ids = tuple(sorted({found[item] for item in wanted if item in found}))
        described["articles"] = sorted(ext for _, ext in rows)

    reviewer_ids = None
    try:
        wanted = requested(params, "reviewers")
    except ValueError:
        errors["reviewers"] = "Must be usernames or user ids, comma-separated."
        wanted = []
    if wanted:
        # Only the session's own people: whether anyone else has an account is
        # not for an exporter to learn (the answer is the same either way).
        rows = (
            get_user_model()
            .objects.filter(Q(pk__in=_ids(wanted)) | Q(username__in=wanted))
            .filter(Q(memberships__session=session.pk) | Q(spans__session=session.pk))
            .distinct()
            .values_list("pk", "username")
        )
        found = {str(pk): pk for pk, _ in rows} | {name: pk for pk, name in rows}
        missing = [item for item in wanted if item not in found]
        if missing:
            errors["reviewers"] = (
                f"Not reviewers of this session: {', '.join(missing[:10])}."
            )
        reviewer_ids = tuple(sorted({found[item] for item in wanted if item in found}))
        described["reviewers"] = sorted(name for _, name in rows)

    statuses = None
    try:
        wanted = requested(params, "statuses")
    except ValueError:
        errors["statuses"] = "Must be a comma-separated list."
        wanted = []
    if wanted:
        unknown = [item for item in wanted if item not in STATUSES]
        if unknown:
            errors["statuses"] = (
                f"Unknown status {unknown[0]!r}; expected {', '.join(STATUSES)}."
            )
        statuses = tuple(sorted(set(wanted)))
        described["statuses"] = list(statuses)

    bounds: dict[str, datetime | None] = {"since": None, "until": None}
    for name in bounds:
        value = _get(params, name)
        if value in (None, ""):
            continue
        if not isinstance(value, str):
            errors[name] = "Must be an ISO 8601 date or datetime."
            continue
        try:
            bounds[name] = _parse_bound(value, upper=name == "until")
        except ValueError:
            errors[name] = f"{value!r} is not an ISO 8601 date or datetime."
            continue
        except OverflowError:
            errors[name] = f"{value!r} is out of range (years 1 to 9999, UTC)."
            continue
        described[name] = value
    if bounds["since"] and bounds["until"] and bounds["since"] >= bounds["until"]:
        errors["until"] = "Must be after since."
    if errors:
        raise ValidationError(errors)
    return ExportFilters(
        session_id=session.pk,
        layer=layer,
        article_ids=article_ids,
        reviewer_ids=reviewer_ids,
        statuses=statuses,
        gold=gold,
        since=bounds["since"],
        until=bounds["until"],
        described=described,
    )


# --- Querysets (also used by the data card for its counts) -------------------


def article_queryset(filters: ExportFilters):
    query = Article.objects.filter(sessions=filters.session_id)
    if filters.article_ids is not None:
        query = query.filter(pk__in=filters.article_ids)
    return query


def raw_span_queryset(filters: ExportFilters):
    query = SpanAnnotation.objects.filter(session_id=filters.session_id)
    if filters.article_ids is not None:
        query = query.filter(article_id__in=filters.article_ids)
    if filters.reviewer_ids is not None:
        query = query.filter(reviewer_id__in=filters.reviewer_ids)
    if filters.since is not None:
        query = query.filter(updated_at__gte=filters.since)
    if filters.until is not None:
        query = query.filter(updated_at__lt=filters.until)
    if filters.statuses:
        through = AgreementUnit.spans.through.objects.filter(
            spanannotation_id=OuterRef("pk")
        )
        query = query.filter(
            _status_condition(through, "agreementunit__status__in", filters.statuses)
        )
    return query.order_by()


def gold_span_queryset(filters: ExportFilters):
    query = GoldSpan.objects.filter(session_id=filters.session_id, is_current=True)
    if filters.article_ids is not None:
        query = query.filter(article_id__in=filters.article_ids)
    if filters.since is not None:
        query = query.filter(decided_at__gte=filters.since)
    if filters.until is not None:
        query = query.filter(decided_at__lt=filters.until)
    if filters.statuses:
        units = AgreementUnit.objects.filter(
            session_id=OuterRef("session_id"),
            article_id=OuterRef("article_id"),
            key=OuterRef("unit_key"),
        )
        query = query.filter(_status_condition(units, "status__in", filters.statuses))
    return query.order_by()


def _status_condition(related, lookup: str, statuses: tuple[str, ...]):
    """Spans whose unit has one of `statuses` ("none": held by no unit)."""
    named = [status for status in statuses if status != STATUS_NONE]
    condition = None
    if named:
        condition = Exists(related.filter(**{lookup: named}))
    if STATUS_NONE in statuses:
        missing = ~Exists(related)
        condition = missing if condition is None else condition | missing
    return condition


# --- Chunked read -------------------------------------------------------------

ARTICLE_FIELDS = (
    "id",
    "external_id",
    "title",
    "byline",
    "published_text",
    "published_date",
    "url",
    "text",
    "text_sha256",
    "outlet__name",
    "outlet__domain",
)
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
    "start",
    "end",
    "quote",
    "claim_type_id",
    "sourcing_quality_id",
    "cited_source",
    "note",
    "origin",
    "created_text",
    "modified_text",
)
GOLD_FIELDS = (
    "id",
    "article_id",
    "unit_key",
    "decision",
    "start",
    "end",
    "quote",
    "claim_type_id",
    "sourcing_quality_id",
    "cited_source",
    "note",
    "verdict",
    "decided_by_id",
    "decided_at",
    "revision",
    "accepted_span_id",
    "evidence_changed",
)
LAYER_ORDER = {"gold": 0, "raw": 1}


def span_id(username: str, start: int, end: int) -> str:
    """A reviewer span's portable identity (unique per session and article)."""
    return f"{username}:{start}:{end}"


def span_sort_key(span: dict[str, Any]) -> tuple:
    return (
        span["start"],
        span["end"],
        LAYER_ORDER[span["layer"]],
        span.get("reviewer") or "",
        span.get("unit_key") or "",
    )


@dataclass
class ArticleBundle:
    """One article (a values() dict) and its filtered spans, sorted."""

    article: dict[str, Any]
    spans: list[dict[str, Any]]
    # Only read when asked for (`review_states=True`): the JSONL carries them.
    review_states: list[dict[str, Any]] = field(default_factory=list)
    # Discussion threads by unit key (`threads=True`; never for hide_units).
    threads: list[dict[str, Any]] = field(default_factory=list)
    # Article-question answers and gold answers (`article_questions=True`).
    article_questions: dict[str, Any] = field(default_factory=dict)


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


def session_summary(session_id: int) -> dict[str, Any]:
    """The session as exported: portable fields only (no database ids)."""
    session = AnnotationSession.objects.select_related("scheme").get(pk=session_id)
    return {
        "alignment_threshold": session.alignment_threshold,
        "blind": session.blind,
        "description": session.description,
        "name": session.name,
        "required_reviewers": session.required_reviewers,
        "scheme": session.scheme.slug,
    }


def iter_bundles(
    filters: ExportFilters,
    *,
    chunk_size: int | None = None,
    on_chunk: Callable[[int], None] | None = None,
    review_states: bool = False,
    threads: bool = False,
    article_questions: bool = False,
) -> Iterator[ArticleBundle]:
    """Articles by external id, `chunk_size` at a time, with their spans.

    Keyset pagination keeps memory flat however large the session; each chunk
    costs a fixed handful of queries (articles, spans, gold, units, provenance,
    and with `review_states` the reviewers' done states of the raw layer, with
    `threads` the units' discussion comments).
    """
    if chunk_size is None:
        chunk_size = settings.EXPORT_CHUNK_ARTICLES
    claim_codes = dict(ClaimType.objects.values_list("pk", "code"))
    level_codes = dict(SourcingLevel.objects.values_list("pk", "code"))
    names = _Names()
    articles = article_queryset(filters).order_by("external_id")
    last: str | None = None
    done = 0
    while True:
        page = articles if last is None else articles.filter(external_id__gt=last)
        chunk = list(page.values(*ARTICLE_FIELDS)[:chunk_size])
        if not chunk:
            return
        last = chunk[-1]["external_id"]
        ids = [article["id"] for article in chunk]
        spans_by_article: dict[int, list[dict[str, Any]]] = {pk: [] for pk in ids}
        unit_of_span, status_of_key = ({}, {})
        if not filters.hide_units:
            unit_of_span, status_of_key = _units(filters.session_id, ids)
        if filters.include_raw:
            rows = _raw_rows(filters, ids)
            names.load({row[2] for row in rows})
            usernames = names.by_id
            for (
                pk,
                article_id,
                reviewer_id,
                start,
                end,
                quote,
                claim_type_id,
                level_id,
                cited_source,
                note,
                origin,
                created_at,
                updated_at,
            ) in rows:
                reviewer = usernames[reviewer_id]
                unit = unit_of_span.get(pk)
                spans_by_article[article_id].append(
                    {
                        "id": f"{reviewer}:{start}:{end}",
                        "layer": "raw",
                        "start": start,
                        "end": end,
                        "quote": quote,
                        "claim_type": claim_codes[claim_type_id],
                        "sourcing_quality": level_codes[level_id],
                        "cited_source": cited_source,
                        "note": note,
                        "reviewer": reviewer,
                        "origin": origin,
                        "created": created_at,
                        "modified": updated_at,
                        "unit_key": unit[0] if unit else None,
                        "agreement_status": unit[1] if unit else None,
                    }
                )
        if filters.include_gold:
            _add_gold(
                filters,
                ids,
                spans_by_article,
                status_of_key,
                names,
                claim_codes,
                level_codes,
            )
        states_by_article: dict[int, list[dict[str, Any]]] = {}
        if review_states and filters.include_raw:
            states_by_article = _review_states(filters, ids, names)
        threads_by_article: dict[int, list[dict[str, Any]]] = {}
        if threads and not filters.hide_units:
            threads_by_article = _threads(filters, ids, names)
        questions_by_article: dict[int, dict[str, Any]] = {}
        if article_questions:
            questions_by_article = _article_questions(filters, ids)
        for article in chunk:
            spans = spans_by_article[article["id"]]
            spans.sort(key=span_sort_key)
            yield ArticleBundle(
                article=article,
                spans=spans,
                review_states=states_by_article.get(article["id"], []),
                threads=threads_by_article.get(article["id"], []),
                article_questions=questions_by_article.get(article["id"], {}),
            )
        done += len(chunk)
        if on_chunk is not None:
            on_chunk(done)
        if len(chunk) < chunk_size:
            return


def _article_questions(filters: ExportFilters, ids: list[int]) -> dict:
    session = AnnotationSession.objects.only("scheme_id").get(pk=filters.session_id)
    return article_questions_by_article(filters, ids, session)


def _review_states(
    filters: ExportFilters, article_ids: list[int], names: _Names
) -> dict[int, list[dict[str, Any]]]:
    """Each article's review states (the reviewers filter applies), by username.

    They decide which units are still pending, so the JSONL round trip needs
    them to recompute the same statuses.
    """
    query = ReviewState.objects.filter(
        session_id=filters.session_id, article_id__in=article_ids
    )
    if filters.reviewer_ids is not None:
        query = query.filter(reviewer_id__in=filters.reviewer_ids)
    rows = list(query.values_list("article_id", "reviewer_id", "done", "done_at"))
    names.load({row[1] for row in rows})
    states: dict[int, list[dict[str, Any]]] = {}
    for article_id, reviewer_id, done, done_at in rows:
        states.setdefault(article_id, []).append(
            {
                "reviewer": names.by_id[reviewer_id],
                "done": done,
                "done_at": timestamp(done_at),
            }
        )
    for items in states.values():
        items.sort(key=lambda state: state["reviewer"])
    return states


def _threads(
    filters: ExportFilters, article_ids: list[int], names: _Names
) -> dict[int, list[dict[str, Any]]]:
    """Each article's discussion threads: by unit key, comments oldest first.

    They are the adjudication's conversation, so a blind reviewer's own export
    (`hide_units`) never carries them; no other filter applies.
    """
    rows = list(
        UnitComment.objects.filter(
            session_id=filters.session_id, article_id__in=article_ids
        )
        .order_by("article_id", "unit_key", "created_at", "pk")
        .values_list("article_id", "unit_key", "author_id", "text", "created_at")
    )
    names.load({row[2] for row in rows})
    threads: dict[int, list[dict[str, Any]]] = {}
    for article_id, unit_key, author_id, text, created_at in rows:
        items = threads.setdefault(article_id, [])
        if not items or items[-1]["unit_key"] != unit_key:
            items.append({"unit_key": unit_key, "comments": []})
        items[-1]["comments"].append(
            {
                "author": names.by_id[author_id],
                "created": timestamp(created_at),
                "text": text,
            }
        )
    return threads


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


def _add_gold(
    filters, ids, spans_by_article, status_of_key, names, claim_codes, level_codes
):
    _add_adjudicated(
        filters, ids, spans_by_article, status_of_key, names, claim_codes, level_codes
    )
    for reading in agreed_gold(filters, ids, names):
        spans_by_article[reading["article_id"]].append(
            {
                "id": f"gold:{reading['unit_key']}",
                "layer": "gold",
                "start": reading["start"],
                "end": reading["end"],
                "quote": reading["quote"],
                "claim_type": claim_codes.get(reading["claim_type_id"]),
                "sourcing_quality": level_codes.get(reading["sourcing_quality_id"]),
                "cited_source": reading["cited_source"],
                "note": "",
                "decision": None,
                "verdict": None,
                "revision": None,
                "decided_by": None,
                "decided_at": timestamp(reading["decided_at"]),
                "source_span_ids": reading["source_span_ids"],
                "accepted_span_id": None,
                "evidence_changed": False,
                "unit_key": reading["unit_key"],
                "agreement_status": AgreementStatus.AGREED.value,
                "provenance": PROVENANCE_AGREED,
                "agreed_by": reading["agreed_by"],
            }
        )


def _add_adjudicated(
    filters, ids, spans_by_article, status_of_key, names, claim_codes, level_codes
):
    rows = list(
        gold_span_queryset(filters).filter(article_id__in=ids).values_list(*GOLD_FIELDS)
    )
    if not rows:
        return
    sources: dict[int, list[str]] = {}
    portable: dict[int, str] = {}  # reviewer span pk -> its portable id
    source_rows = list(
        GoldSpan.source_spans.through.objects.filter(
            goldspan_id__in=[row[0] for row in rows]
        ).values_list(
            "goldspan_id",
            "spanannotation_id",
            "spanannotation__reviewer_id",
            "spanannotation__start",
            "spanannotation__end",
        )
    )
    names.load({row[2] for row in source_rows} | {row[12] for row in rows})
    for gold_pk, source_pk, reviewer_id, start, end in source_rows:
        portable[source_pk] = span_id(names.by_id[reviewer_id], start, end)
        sources.setdefault(gold_pk, []).append(portable[source_pk])
    for (
        pk,
        article_id,
        unit_key,
        decision,
        start,
        end,
        quote,
        claim_type_id,
        level_id,
        cited_source,
        note,
        verdict,
        decided_by_id,
        decided_at,
        revision,
        accepted_pk,
        evidence_changed,
    ) in rows:
        status = (
            None if filters.hide_units else status_of_key.get((article_id, unit_key))
        )
        spans_by_article[article_id].append(
            {
                "id": f"gold:{unit_key}",
                "layer": "gold",
                "start": start,
                "end": end,
                "quote": quote,
                "claim_type": claim_codes.get(claim_type_id),
                "sourcing_quality": level_codes.get(level_id),
                "cited_source": cited_source,
                "note": note,
                "decision": decision,
                "verdict": verdict or None,
                "revision": revision,
                "decided_by": names.by_id[decided_by_id],
                "decided_at": timestamp(decided_at),
                "source_span_ids": sorted(sources.get(pk, [])),
                # The accepted decision's reviewer version (one of the sources).
                "accepted_span_id": portable.get(accepted_pk),
                # Its unit's spans changed since the decision: needs review.
                "evidence_changed": evidence_changed,
                "unit_key": unit_key,
                "agreement_status": status,
                "provenance": PROVENANCE_ADJUDICATED,
                "agreed_by": None,
            }
        )
