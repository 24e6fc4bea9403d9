"""Label Studio or doccano span annotations as one reviewer's pre-annotations.

All or nothing: any bad record refuses the whole file, with errors naming the
record and the span.
"""

import json
import re
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from annotations.models import (
    AnnotationSession,
    Article,
    ClaimType,
    SessionMembership,
    SourcingLevel,
    SpanAnnotation,
)
from annotations.services.imports_common import ImportRefused
from annotations.services.spans import (
    MAX_BULK_SPANS,
    OFFSET_UNITS,
    BulkValidationError,
    annotation_bulk_create,
)
from annotations.text import OffsetMap, text_sha256

SOURCE_FORMATS = ("labelstudio", "doccano")
ARTICLE_MATCHES = ("external_id", "text_sha256")


def _normalise_label(value: str) -> str:
    return re.sub(r"[\s\-/]+", "_", value.strip().lower())


def label_resolver(scheme, label_map: dict[str, str] | None):
    """Their label -> our claim type code: the explicit map, else code or name."""
    codes = dict(ClaimType.objects.filter(scheme=scheme).values_list("code", "name"))
    lookup = {}
    for code, name in codes.items():
        lookup[_normalise_label(code)] = code
        lookup[_normalise_label(name)] = code
    label_map = label_map or {}
    for theirs, ours in label_map.items():
        if ours not in codes:
            raise ValidationError(
                {"label_map": f"{theirs!r} maps to unknown claim type {ours!r}."}
            )

    def resolve(label: Any) -> str | None:
        if not isinstance(label, str):
            return None
        if label in label_map:
            return label_map[label]
        return lookup.get(_normalise_label(label))

    return resolve


def _records_labelstudio(data: Any):
    """(record, text, match fields, [(where, start, end, text|None, label)])."""
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        raise ImportRefused(
            [{"message": "Expected a JSON list of Label Studio tasks."}]
        )
    for number, task in enumerate(data, start=1):
        task_data = task.get("data") if isinstance(task, dict) else None
        if not isinstance(task_data, dict):
            yield number, None, {}, [("", None, None, None, "no data")]
            continue
        spans = []
        for a_index, annotation in enumerate(task.get("annotations") or []):
            if not isinstance(annotation, dict) or annotation.get("was_cancelled"):
                continue
            for r_index, result in enumerate(annotation.get("result") or []):
                where = f"annotation {a_index} result {r_index}"
                if not isinstance(result, dict) or result.get("type") != "labels":
                    continue  # relations, choices and ratings are not spans
                value = result.get("value") or {}
                labels = value.get("labels") or []
                label = labels[0] if len(labels) == 1 else labels
                spans.append(
                    (
                        where,
                        value.get("start"),
                        value.get("end"),
                        value.get("text"),
                        label,
                    )
                )
        meta = task.get("meta") if isinstance(task.get("meta"), dict) else {}
        match = {"external_id": task_data.get("external_id") or meta.get("external_id")}
        yield number, task_data.get("text"), match, spans


def _records_doccano(lines: Iterable[str]):
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, {}, [("", None, None, None, f"not JSON: {exc}")]
            continue
        if not isinstance(record, dict):
            yield number, None, {}, [("", None, None, None, "not an object")]
            continue
        spans = []
        items = record.get("label", record.get("entities")) or []
        key = "label" if "label" in record else "entities"
        for index, item in enumerate(items if isinstance(items, list) else [None]):
            where = f"{key} {index}"
            if isinstance(item, dict):
                start = item.get("start_offset", item.get("start"))
                end = item.get("end_offset", item.get("end"))
                spans.append((where, start, end, None, item.get("label")))
            elif isinstance(item, list | tuple) and len(item) == 3:
                spans.append((where, item[0], item[1], None, item[2]))
            else:
                spans.append((where, None, None, None, item))
        meta = record.get("meta") if isinstance(record.get("meta"), dict) else {}
        match = {"external_id": record.get("external_id") or meta.get("external_id")}
        yield number, record.get("text"), match, spans


def preannotations_import(
    *,
    session_id: int,
    reviewer_username: str,
    source_format: str,
    content: str,
    article_match: str = "external_id",
    label_map: dict[str, str] | None = None,
    default_sourcing: str = "unsupported",
    offset_unit: str = "codepoint",
) -> dict[str, int]:
    """Import Label Studio or doccano spans as `reviewer_username`'s spans.

    Offsets are taken as code points (what both tools' Python exports carry);
    pass offset_unit="utf16" for offsets counted by a browser. Every span is
    checked against the article text before anything is written.
    """
    session, reviewer = _preannotations_check(
        session_id=session_id,
        reviewer_username=reviewer_username,
        source_format=source_format,
        article_match=article_match,
        default_sourcing=default_sourcing,
        offset_unit=offset_unit,
    )
    reader = _SpanReader(
        articles=Article.objects.filter(sessions=session),
        resolve=label_resolver(session.scheme, label_map),
        article_match=article_match,
        offset_unit=offset_unit,
        default_sourcing=default_sourcing,
    )
    for number, text, match, spans in _records(source_format, content):
        reader.record(number, text, match, spans)
    if reader.problems:
        raise ImportRefused(reader.problems)
    _preannotations_write(session, reviewer, reader.items, reader.origins, offset_unit)
    items = reader.items
    return {
        "spans": len(items),
        "articles": len({item["article"] for item in items}),
    }


def _preannotations_check(
    *,
    session_id: int,
    reviewer_username: str,
    source_format: str,
    article_match: str,
    default_sourcing: str,
    offset_unit: str,
):
    """(session, reviewer) of a pre-annotation import; ValidationError naming
    each bad parameter."""
    errors: dict[str, str] = {}
    if source_format not in SOURCE_FORMATS:
        errors["format"] = f"Must be one of {', '.join(SOURCE_FORMATS)}."
    if article_match not in ARTICLE_MATCHES:
        errors["article_match"] = f"Must be one of {', '.join(ARTICLE_MATCHES)}."
    if offset_unit not in OFFSET_UNITS:
        errors["offset_unit"] = f"Must be one of {', '.join(OFFSET_UNITS)}."
    session = AnnotationSession.objects.filter(pk=session_id).first()
    if session is None:
        errors["session"] = f"Session {session_id} does not exist."
    reviewer = get_user_model().objects.filter(username=reviewer_username).first()
    if reviewer is None:
        errors["reviewer"] = f"User {reviewer_username!r} does not exist."
    elif (
        session is not None
        and not SessionMembership.objects.filter(
            session=session, user=reviewer, role=SessionMembership.Role.REVIEWER
        ).exists()
    ):
        errors["reviewer"] = f"{reviewer_username} is not a reviewer of this session."
    if (
        session is not None
        and not SourcingLevel.objects.filter(
            scheme=session.scheme, code=default_sourcing
        ).exists()
    ):
        errors["default_sourcing"] = f"Unknown sourcing quality {default_sourcing!r}."
    if errors:
        raise ValidationError(errors)
    return session, reviewer


def _records(source_format: str, content: str):
    """The file's records as (number, text, match fields, spans)."""
    if source_format == "labelstudio":
        try:
            return _records_labelstudio(json.loads(content))
        except json.JSONDecodeError as exc:
            raise ImportRefused([{"message": f"Not JSON: {exc}"}]) from None
    else:
        return _records_doccano(content.splitlines())


def _preannotations_write(session, reviewer, items, origins, offset_unit) -> None:
    """Create the spans in batches, all or nothing (errors name their record)."""
    with transaction.atomic():
        for offset in range(0, len(items), MAX_BULK_SPANS):
            batch = items[offset : offset + MAX_BULK_SPANS]
            try:
                annotation_bulk_create(
                    session_id=session.pk,
                    reviewer=reviewer,
                    items=batch,
                    offset_unit=offset_unit,
                    origin=SpanAnnotation.Origin.IMPORT,
                )
            except BulkValidationError as exc:
                raise ImportRefused(
                    [
                        {
                            "record": origins[offset + error["index"]][0]
                            if error["index"] is not None
                            else None,
                            "where": origins[offset + error["index"]][1]
                            if error["index"] is not None
                            else "",
                            "field": error["field"],
                            "message": error["message"],
                        }
                        for error in exc.errors
                    ]
                ) from None


class _SpanReader:
    """Checks each record's spans against its article text; collects the span
    items to create, or the problems (all of them, in file order)."""

    def __init__(
        self, *, articles, resolve, article_match, offset_unit, default_sourcing
    ):
        self.articles = articles
        self.resolve = resolve
        self.article_match = article_match
        self.offset_unit = offset_unit
        self.default_sourcing = default_sourcing
        self.problems: list[dict[str, Any]] = []
        self.items: list[dict[str, Any]] = []
        self.origins: list[tuple[int, str]] = []
        self.seen: dict[tuple[int, int, int], tuple[str, int, str]] = {}

    def refuse(self, record: int, where: str, field: str, message: str) -> None:
        self.problems.append(
            {"record": record, "where": where, "field": field, "message": message}
        )

    def record(self, number, text, match, spans) -> None:
        if not isinstance(text, str):
            self.refuse(number, "", "text", "The record has no text.")
            return
        if self.article_match == "external_id":
            article = self.articles.filter(external_id=match.get("external_id")).first()
        else:
            article = self.articles.filter(text_sha256=text_sha256(text)).first()
        if article is None:
            self.refuse(
                number,
                "",
                "article",
                f"No article of this session matches by {self.article_match} "
                f"({match.get('external_id') or text_sha256(text)[:12]}).",
            )
            return
        if article.text != text:
            self.refuse(number, "", "text", "Differs from the article's stored text.")
            return
        offset_map = OffsetMap(text) if self.offset_unit == "utf16" else None
        for where, start, end, quote, label in spans:
            self.span(
                number, where, article, text, offset_map, start, end, quote, label
            )

    def span(self, number, where, article, text, offset_map, start, end, quote, label):
        bounds = self.offsets(number, where, text, offset_map, start, end, label)
        if bounds is None:
            return
        cp_start, cp_end = bounds
        if quote is not None and text[cp_start:cp_end] != quote:
            self.refuse(
                number,
                where,
                "text",
                f"The text at [{start}, {end}) reads "
                f"{text[cp_start:cp_end][:60]!r}, not {str(quote)[:60]!r}.",
            )
            return
        code = self.resolve(label)
        if code is None:
            self.refuse(
                number,
                where,
                "label",
                f"{label!r} maps to no claim type (use a label map).",
            )
            return
        key = (article.pk, cp_start, cp_end)
        if key in self.seen:
            if self.seen[key][2] != code:
                self.refuse(
                    number,
                    where,
                    "label",
                    f"Conflicts with record {self.seen[key][1]} {self.seen[key][0]}.",
                )
            return  # the same span twice (e.g. two annotators) imports once
        self.seen[key] = (where, number, code)
        self.items.append(
            {
                "article": article.pk,
                "start": start,
                "end": end,
                "quote": text[cp_start:cp_end],
                "claim_type": code,
                "sourcing_quality": self.default_sourcing,
            }
        )
        self.origins.append((number, where))

    def offsets(self, number, where, text, offset_map, start, end, label):
        """The span's code-point bounds, or None (refused) when they are bad."""
        ints = all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end))
        if not ints:
            self.refuse(number, where, "start", f"Offsets must be integers ({label}).")
            return None
        try:
            cp_start, cp_end = (
                (offset_map.to_codepoint(start), offset_map.to_codepoint(end))
                if offset_map
                else (start, end)
            )
        except ValueError as exc:
            self.refuse(number, where, "start", str(exc))
            return None
        if not 0 <= cp_start < cp_end <= len(text):
            self.refuse(
                number,
                where,
                "end",
                f"[{start}, {end}) is not a span of a {len(text)}-character text.",
            )
            return None
        return cp_start, cp_end
