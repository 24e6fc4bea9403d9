"""Export filters: what to export, validated field by field (400s name the field)."""

from collections.abc import Mapping
from contextlib import suppress
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q

from annotations.exporters.gold_agreed import GOLD_CHOICES, GOLD_COMPLETE
from annotations.interchange import timestamp
from annotations.models import AgreementStatus, AnnotationSession, Article
from annotations.parsing import has_nul, parse_id

LAYERS = ("both", "gold", "raw")
STATUS_NONE = "none"  # a span that no agreement unit holds (recompute not run)
STATUSES = (*AgreementStatus.values, STATUS_NONE)
# The request parameters `filters_parse` reads (API and command line alike).
FILTER_NAMES = (
    "layer",
    "gold",
    "articles",
    "reviewers",
    "statuses",
    "since",
    "until",
)


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
    layer, gold = _layer_and_gold(params, errors, described)
    article_ids = _article_ids(session, params, errors, described)
    reviewer_ids = _reviewer_ids(session, params, errors, described)
    statuses = _statuses(params, errors, described)
    bounds = _bounds(params, errors, described)
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


# Each check below adds its field's message to `errors` and what it read to
# `described` (the export job's record of the filters as asked).
Errors = dict[str, str]
Described = dict[str, Any]


def _layer_and_gold(
    params: Mapping[str, Any], errors: Errors, described: Described
) -> tuple[str, str]:
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
    return layer, gold


def _article_ids(
    session: AnnotationSession,
    params: Mapping[str, Any],
    errors: Errors,
    described: Described,
) -> tuple[int, ...] | None:
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
    return article_ids


def _reviewer_ids(
    session: AnnotationSession,
    params: Mapping[str, Any],
    errors: Errors,
    described: Described,
) -> tuple[int, ...] | None:
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
    return reviewer_ids


def _statuses(
    params: Mapping[str, Any], errors: Errors, described: Described
) -> tuple[str, ...] | None:
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
    return statuses


def _bounds(
    params: Mapping[str, Any], errors: Errors, described: Described
) -> dict[str, datetime | None]:
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
    return bounds
