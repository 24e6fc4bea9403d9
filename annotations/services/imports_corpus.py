"""Import of our own JSONL corpus export into an empty database (all or nothing)."""

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

from annotations.interchange import FORMAT_VERSION, span_id
from annotations.models import (
    AnnotationSession,
    Article,
    ClaimType,
    LabelScheme,
    SessionArticle,
    SessionMembership,
    SourcingLevel,
    SpanAnnotation,
)
from annotations.services.articles import article_upsert
from annotations.services.imports_common import (
    ImportRefused,
    _agreed,
    _membership_ensure,
    _parse_time,
    _refusal,
    _user_ensure,
)
from annotations.services.imports_extras import _ArticleExtrasImporter
from annotations.services.imports_gold import _GoldLayerImporter
from annotations.services.schemes import DEFAULT_SCHEME_SLUG, scheme_ensure_default
from annotations.services.spans import BulkValidationError, annotation_bulk_create
from annotations.text import text_sha256


class _CorpusImporter(_GoldLayerImporter, _ArticleExtrasImporter):
    def __init__(self) -> None:
        self.session: AnnotationSession | None = None
        self.session_info: dict[str, Any] | None = None
        self.claim_types: dict[str, ClaimType] = {}
        self.levels: dict[str, SourcingLevel] = {}
        self.counts = {
            "articles": 0,
            "spans": 0,
            "gold_spans": 0,
            "units": 0,
            "review_states": 0,
            "comments": 0,
            "answers": 0,
            "gold_answers": 0,
        }

    def session_for(self, info: Any) -> AnnotationSession:
        if not isinstance(info, dict):
            raise ValidationError({"session": "Must be an object."})
        if self.session is not None:
            if info != self.session_info:
                raise ValidationError(
                    {"session": "Differs from the first line's session."}
                )
            return self.session
        slug = info.get("scheme")
        if slug == DEFAULT_SCHEME_SLUG:
            scheme = scheme_ensure_default()
        else:
            scheme = LabelScheme.objects.filter(slug=slug).first()
            if scheme is None:
                raise ValidationError({"session": f"Unknown label scheme {slug!r}."})
        session = AnnotationSession(
            name=info.get("name", ""),
            description=info.get("description", ""),
            scheme=scheme,
            blind=info.get("blind", True),
            required_reviewers=info.get("required_reviewers", 3),
            alignment_threshold=info.get("alignment_threshold", 0.5),
        )
        session.full_clean()
        session.save()
        self.session, self.session_info = session, info
        self.claim_types = {c.code: c for c in scheme.claim_types.all()}
        self.levels = {s.code: s for s in scheme.sourcing_levels.all()}
        return session

    def article_for(self, record: dict[str, Any], position: int) -> Article:
        external_id = record.get("external_id")
        text = record.get("text")
        if not isinstance(external_id, str) or not isinstance(text, str):
            raise ValidationError({"external_id": "external_id and text are required."})
        if record.get("text_sha256") != text_sha256(text):
            raise ValidationError({"text_sha256": "Does not match the text."})
        if Article.objects.filter(external_id=external_id).exists():
            raise ValidationError(
                {
                    "external_id": (
                        f"Article {external_id!r} already exists: import_corpus "
                        "loads into an empty database."
                    )
                }
            )
        metadata = record.get("metadata") or {}
        outlet = metadata.get("outlet") or {}
        published = metadata.get("published_date")
        try:
            published = date.fromisoformat(published) if published else None
        except (TypeError, ValueError):
            raise ValidationError(
                {"metadata.published_date": "Must be an ISO date."}
            ) from None
        article, _ = article_upsert(
            external_id=external_id,
            text=text,
            title=metadata.get("title", ""),
            outlet_name=outlet.get("name", ""),
            outlet_domain=outlet.get("domain", ""),
            byline=metadata.get("byline", ""),
            published_text=metadata.get("published_text", ""),
            published_date=published,
            url=metadata.get("url", ""),
        )
        SessionArticle.objects.create(
            session=self.session, article=article, position=position
        )
        return article

    def spans_for(self, article: Article, spans: list[dict[str, Any]], line: int):
        created: dict[str, SpanAnnotation] = {}
        groups = _raw_groups(spans, line)
        for (username, origin), members in sorted(groups.items()):
            self.reviewer_spans_create(
                article, username, origin, members, line, created
            )
        self.counts["spans"] += len(created)
        units = self.units_for(article, spans, created)
        for index, span in enumerate(spans):
            if span["layer"] == "gold" and not _agreed(span):
                try:
                    self.gold_for(article, span, created, units)
                except ValidationError as exc:
                    raise _refusal(exc, line, f"span {index}") from None

    def reviewer_spans_create(
        self,
        article: Article,
        username: str,
        origin: str,
        members: list[tuple[int, dict[str, Any]]],
        line: int,
        created: dict[str, SpanAnnotation],
    ) -> None:
        """One reviewer's raw spans of one origin, with their recorded times;
        each lands in `created` under its portable id."""
        session = self.session
        if origin not in SpanAnnotation.Origin.values:
            raise ImportRefused(
                [{"record": line, "field": "origin", "message": f"{origin!r}?"}]
            )
        reviewer = _user_ensure(username)
        _membership_ensure(session, reviewer, SessionMembership.Role.REVIEWER)
        items = _bulk_items(article, members)
        try:
            rows = annotation_bulk_create(
                session_id=session.pk, reviewer=reviewer, items=items, origin=origin
            )
        except BulkValidationError as exc:
            raise ImportRefused(
                [
                    {
                        "record": line,
                        "where": (
                            f"span {members[error['index']][0]}"
                            if error["index"] is not None
                            else ""
                        ),
                        "field": error["field"],
                        "message": error["message"],
                    }
                    for error in exc.errors
                ]
            ) from None
        for row, (index, span) in zip(rows, members, strict=True):
            try:
                row.created_at = _parse_time(span.get("created"), "created")
                row.updated_at = _parse_time(span.get("modified"), "modified")
            except ValidationError as exc:
                raise _refusal(exc, line, f"span {index}") from None
            created[span_id(username, row.start, row.end)] = row
        # Keep the recorded times: they are part of the provenance.
        SpanAnnotation.objects.bulk_update(
            rows, ["created_at", "updated_at"], batch_size=1000
        )


def _bulk_items(
    article: Article, members: list[tuple[int, dict[str, Any]]]
) -> list[dict[str, Any]]:
    """The raw spans as `annotation_bulk_create` items."""
    return [
        {
            "article": article.pk,
            **{
                name: span.get(name)
                for name in (
                    "start",
                    "end",
                    "quote",
                    "claim_type",
                    "sourcing_quality",
                )
            },
            "cited_source": span.get("cited_source", ""),
            "note": span.get("note", ""),
        }
        for _, span in members
    ]


def _raw_groups(
    spans: list[dict[str, Any]], line: int
) -> dict[tuple[str, str], list[tuple[int, dict[str, Any]]]]:
    """The raw spans by (reviewer, origin), each with its index in the record."""
    groups: dict[tuple[str, str], list[tuple[int, dict[str, Any]]]] = {}
    for index, span in enumerate(spans):
        if not isinstance(span, dict) or span.get("layer") not in ("raw", "gold"):
            raise ImportRefused(
                [
                    {
                        "record": line,
                        "where": f"span {index}",
                        "field": "layer",
                        "message": "Must be raw or gold.",
                    }
                ]
            )
        if span["layer"] == "raw":
            key = (str(span.get("reviewer")), span.get("origin") or "manual")
            groups.setdefault(key, []).append((index, span))
    return groups


@transaction.atomic
def corpus_import(*, lines: Iterable[str]) -> dict[str, int]:
    """Load our JSONL export (one article per line) into a new session.

    Users named as reviewers or adjudicators are created inactive, without a
    password, if missing. Recorded timestamps, origins, unit keys, statuses and
    review states are kept, so exporting the imported session gives the same
    bytes, also after the agreement recompute that the import schedules (it
    derives the same portable unit keys and, from the review states and gold,
    the same statuses).
    """
    importer = _CorpusImporter()
    for line_number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ImportRefused(
                [{"record": line_number, "message": f"Not JSON: {exc}"}]
            ) from None
        if not isinstance(record, dict):
            raise ImportRefused([{"record": line_number, "message": "Not an object."}])
        if record.get("format_version") != FORMAT_VERSION:
            raise ImportRefused(
                [
                    {
                        "record": line_number,
                        "field": "format_version",
                        "message": f"Expected {FORMAT_VERSION!r}.",
                    }
                ]
            )
        try:
            importer.session_for(record.get("session"))
            article = importer.article_for(record, importer.counts["articles"])
        except ValidationError as exc:
            raise _refusal(exc, line_number) from None
        importer.counts["articles"] += 1
        spans = record.get("spans") or []
        if not isinstance(spans, list):
            raise ImportRefused(
                [{"record": line_number, "field": "spans", "message": "Not a list."}]
            )
        importer.spans_for(article, spans, line_number)
        importer.review_states_for(
            article, record.get("review_states", []), line_number
        )
        importer.threads_for(article, record.get("threads", []), line_number)
        importer.article_questions_for(
            article, record.get("article_questions"), line_number
        )
    if importer.session is None:
        raise ImportRefused([{"record": None, "message": "The file has no records."}])
    return {"session": importer.session.pk, **importer.counts}
