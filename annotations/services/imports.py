"""Imports: our JSONL corpus into an empty database, and Label Studio or doccano
span annotations as one reviewer's pre-annotations.

Both are all or nothing: any bad record refuses the whole file, with errors
naming the line (record) and the span index.
"""

import json
import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction

from annotations.exporters.base import FORMAT_VERSION, span_id
from annotations.exporters.gold_agreed import PROVENANCE_AGREED
from annotations.models import (
    AgreementStatus,
    AgreementUnit,
    AnnotationSession,
    Article,
    ClaimType,
    GoldSpan,
    LabelScheme,
    ReviewState,
    SessionArticle,
    SessionMembership,
    SourcingLevel,
    SpanAnnotation,
    UnitComment,
)
from annotations.services.articles import article_upsert
from annotations.services.discussion import comment_text_clean
from annotations.services.imports_questions import article_questions_restore
from annotations.services.schemes import DEFAULT_SCHEME_SLUG, scheme_ensure_default
from annotations.services.spans import (
    MAX_BULK_SPANS,
    OFFSET_UNITS,
    BulkValidationError,
    annotation_bulk_create,
)
from annotations.text import OffsetMap, text_sha256

SOURCE_FORMATS = ("labelstudio", "doccano")
ARTICLE_MATCHES = ("external_id", "text_sha256")


class ImportRefused(Exception):
    """The file was refused; `errors` lists {record, index, field, message}."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        lines = [
            " ".join(
                part
                for part in (
                    f"record {error['record']}" if error.get("record") else "",
                    error.get("where", ""),
                    f"{error['field']}:" if error.get("field") else "",
                    error["message"],
                )
                if part
            )
            for error in errors[:50]
        ]
        more = f"\n… and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(
            f"{len(errors)} error(s); nothing was imported:\n" + "\n".join(lines) + more
        )


def _user_ensure(username: str):
    """An existing user, or a new inactive one without a usable password."""
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        user = user_model(username=username, is_active=False)
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
    return user


def _membership_ensure(session: AnnotationSession, user, role: str) -> None:
    SessionMembership.objects.get_or_create(
        session=session, user=user, defaults={"role": role}
    )


def _parse_time(value: Any, field: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationError({field: f"{value!r} is not an ISO 8601 time."}) from None
    if moment.tzinfo is None:
        raise ValidationError({field: "Must carry a time zone."})
    return moment


# --- Our own JSONL ---------------------------------------------------------------


class _CorpusImporter:
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
        session = self.session
        created: dict[str, SpanAnnotation] = {}
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
        for (username, origin), members in sorted(groups.items()):
            if origin not in SpanAnnotation.Origin.values:
                raise ImportRefused(
                    [{"record": line, "field": "origin", "message": f"{origin!r}?"}]
                )
            reviewer = _user_ensure(username)
            _membership_ensure(session, reviewer, SessionMembership.Role.REVIEWER)
            items = [
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
        self.counts["spans"] += len(created)
        units = self.units_for(article, spans, created)
        for index, span in enumerate(spans):
            if span["layer"] == "gold" and not _agreed(span):
                try:
                    self.gold_for(article, span, created, units)
                except ValidationError as exc:
                    raise _refusal(exc, line, f"span {index}") from None

    def review_states_for(self, article: Article, states: Any, line: int) -> None:
        """Recreate who marked the article done (they decide what is pending)."""
        if not isinstance(states, list):
            raise ImportRefused(
                [{"record": line, "field": "review_states", "message": "Not a list."}]
            )
        rows, seen = [], set()
        for index, state in enumerate(states):
            where = f"review state {index}"
            if not isinstance(state, dict):
                raise ImportRefused(
                    [{"record": line, "where": where, "message": "Not an object."}]
                )
            username, done = state.get("reviewer"), state.get("done")
            problem = None
            if not isinstance(username, str) or not username or username in seen:
                problem = ("reviewer", "A username, once per article.")
            elif not isinstance(done, bool):
                problem = ("done", "Must be true or false.")
            elif not done and state.get("done_at") is not None:
                problem = ("done_at", "Must be null when not done.")
            if problem:
                raise ImportRefused(
                    [
                        {
                            "record": line,
                            "where": where,
                            "field": problem[0],
                            "message": problem[1],
                        }
                    ]
                )
            seen.add(username)
            try:
                done_at = _parse_time(state.get("done_at"), "done_at") if done else None
            except ValidationError as exc:
                raise _refusal(exc, line, where) from None
            reviewer = _user_ensure(username)
            _membership_ensure(self.session, reviewer, SessionMembership.Role.REVIEWER)
            rows.append(
                ReviewState(
                    session=self.session,
                    article=article,
                    reviewer=reviewer,
                    done=done,
                    done_at=done_at,
                )
            )
        ReviewState.objects.bulk_create(rows)
        self.counts["review_states"] += len(rows)

    def threads_for(self, article: Article, threads: Any, line: int) -> None:
        """Recreate the units' discussion comments (authors, times, texts)."""
        if not isinstance(threads, list):
            raise ImportRefused(
                [{"record": line, "field": "threads", "message": "Not a list."}]
            )
        rows, seen = [], set()
        for index, thread in enumerate(threads):
            where = f"thread {index}"

            def refuse(field: str, message: str, at: str = where):
                return ImportRefused(
                    [{"record": line, "where": at, "field": field, "message": message}]
                )

            if not isinstance(thread, dict):
                raise refuse("threads", "Not an object.")
            key, comments = thread.get("unit_key"), thread.get("comments")
            if not isinstance(key, str) or not key or len(key) > 200 or key in seen:
                raise refuse("unit_key", "A unit key (at most 200), once per article.")
            if not isinstance(comments, list) or not comments:
                raise refuse("comments", "A non-empty list.")
            seen.add(key)
            for number, comment in enumerate(comments):
                at = f"{where} comment {number}"
                if not isinstance(comment, dict):
                    raise refuse("comments", "Not an object.", at)
                author = comment.get("author")
                if not isinstance(author, str) or not author:
                    raise refuse("author", "A username.", at)
                try:
                    text = comment_text_clean(comment.get("text"))
                    created = _parse_time(comment.get("created"), "created")
                except ValidationError as exc:
                    raise _refusal(exc, line, at) from None
                rows.append(
                    UnitComment(
                        session=self.session,
                        article=article,
                        unit_key=key,
                        author=_user_ensure(author),
                        text=text,
                        created_at=created,
                    )
                )
        UnitComment.objects.bulk_create(rows)
        self.counts["comments"] += len(rows)

    def article_questions_for(self, article: Article, data: Any, line: int) -> None:
        """Recreate the reviewers' answers and the adjudicated gold answers."""

        def user_for(username: str, role: str):
            user = _user_ensure(username)
            _membership_ensure(self.session, user, role)
            return user

        try:
            answers, gold = article_questions_restore(
                session=self.session, article=article, data=data, user_for=user_for
            )
        except ValidationError as exc:
            raise _refusal(exc, line) from None
        self.counts["answers"] += answers
        self.counts["gold_answers"] += gold

    def units_for(self, article, spans, created) -> dict[str, AgreementUnit]:
        """Recreate the units the spans name, with their stored key and status.

        A gold decision that no unit held (status null) gets none.
        """
        members: dict[str, list[SpanAnnotation]] = {}
        statuses: dict[str, str] = {}
        bounds: dict[str, tuple[int, int]] = {}
        for span in spans:
            key = span.get("unit_key")
            if not key:
                continue
            if span["layer"] == "gold" and (
                span.get("agreement_status") is None or _agreed(span)
            ):
                continue
            status = span.get("agreement_status") or AgreementStatus.PENDING
            statuses.setdefault(key, status)
            if span["layer"] == "raw":
                row = created[span_id(span["reviewer"], span["start"], span["end"])]
                members.setdefault(key, []).append(row)
            else:
                bounds[key] = (span["start"], span["end"])
        units: dict[str, AgreementUnit] = {}
        for key, status in statuses.items():
            rows = members.get(key, [])
            start, end = (
                (min(r.start for r in rows), max(r.end for r in rows))
                if rows
                else bounds[key]
            )
            unit = AgreementUnit.objects.create(
                session=self.session,
                article=article,
                key=key,
                start=start,
                end=end,
                status=status,
                reviewer_count=len({r.reviewer_id for r in rows}),
            )
            unit.spans.set(rows)
            units[key] = unit
        self.counts["units"] += len(units)
        return units

    def gold_for(self, article, span, created, units) -> None:
        start, end, quote = span.get("start"), span.get("end"), span.get("quote")
        if not (
            isinstance(start, int)
            and isinstance(end, int)
            and 0 <= start < end <= len(article.text)
            and article.text[start:end] == quote
        ):
            raise ValidationError({"quote": "Offsets do not select the quote."})
        decision = span.get("decision")
        if decision not in GoldSpan.Decision.values:
            raise ValidationError({"decision": f"Unknown decision {decision!r}."})
        claim_type = self.claim_types.get(span.get("claim_type"))
        level = self.levels.get(span.get("sourcing_quality"))
        if decision != GoldSpan.Decision.REJECTED and (claim_type is None or not level):
            raise ValidationError({"claim_type": "Gold spans need known labels."})
        evidence_changed = span.get("evidence_changed", False)
        if not isinstance(evidence_changed, bool):
            raise ValidationError({"evidence_changed": "Must be true or false."})
        decided_by = _user_ensure(str(span.get("decided_by")))
        _membership_ensure(self.session, decided_by, "adjudicator")
        gold = GoldSpan.objects.create(
            session=self.session,
            article=article,
            unit=units.get(span.get("unit_key")),
            unit_key=span.get("unit_key") or "",
            decision=decision,
            start=start,
            end=end,
            quote=quote,
            claim_type=claim_type,
            sourcing_quality=level,
            cited_source=span.get("cited_source", ""),
            note=span.get("note", ""),
            verdict=span.get("verdict") or "",
            decided_by=decided_by,
            revision=span.get("revision") or 1,
            evidence_changed=evidence_changed,
        )
        GoldSpan.objects.filter(pk=gold.pk).update(
            decided_at=_parse_time(span.get("decided_at"), "decided_at")
        )
        sources = [
            created[key] for key in span.get("source_span_ids") or [] if key in created
        ]
        gold.source_spans.set(sources)
        # The decision was made from these spans as they are now: the
        # recompute flags it only if they change after the import.
        GoldSpan.objects.filter(pk=gold.pk).update(
            source_versions={str(row.pk): row.version for row in sources}
        )
        accepted_key = span.get("accepted_span_id")
        if accepted_key is not None:
            if decision != GoldSpan.Decision.ACCEPTED:
                raise ValidationError(
                    {"accepted_span_id": "Only an accepted decision names one."}
                )
            if not isinstance(accepted_key, str) or accepted_key not in created:
                raise ValidationError(
                    {
                        "accepted_span_id": "Must be the id of one of this "
                        "article's reviewer spans, or null."
                    }
                )
            accepted = created[accepted_key]
            GoldSpan.objects.filter(pk=gold.pk).update(
                accepted_span=accepted, accepted_reviewer_id=accepted.reviewer_id
            )
        self.counts["gold_spans"] += 1


def _agreed(span: dict[str, Any]) -> bool:
    """An agreed unit's gold reading: derived from the raw layer, not stored."""
    return span.get("provenance") == PROVENANCE_AGREED


def _refusal(exc: ValidationError, line: int, where: str = "") -> ImportRefused:
    return ImportRefused(
        [
            {"record": line, "where": where, "field": name, "message": " ".join(msgs)}
            for name, msgs in exc.message_dict.items()
        ]
    )


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


# Name used in the issue and the management command's help.


# --- Label Studio / doccano pre-annotations -------------------------------------------


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
    resolve = label_resolver(session.scheme, label_map)
    if source_format == "labelstudio":
        try:
            records = _records_labelstudio(json.loads(content))
        except json.JSONDecodeError as exc:
            raise ImportRefused([{"message": f"Not JSON: {exc}"}]) from None
    else:
        records = _records_doccano(content.splitlines())

    articles = Article.objects.filter(sessions=session)
    problems: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    origins: list[tuple[int, str]] = []
    seen: dict[tuple[int, int, int], tuple[str, int, str]] = {}

    def refuse(record: int, where: str, field: str, message: str) -> None:
        problems.append(
            {"record": record, "where": where, "field": field, "message": message}
        )

    for number, text, match, spans in records:
        if not isinstance(text, str):
            refuse(number, "", "text", "The record has no text.")
            continue
        if article_match == "external_id":
            article = articles.filter(external_id=match.get("external_id")).first()
        else:
            article = articles.filter(text_sha256=text_sha256(text)).first()
        if article is None:
            refuse(
                number,
                "",
                "article",
                f"No article of this session matches by {article_match} "
                f"({match.get('external_id') or text_sha256(text)[:12]}).",
            )
            continue
        if article.text != text:
            refuse(number, "", "text", "Differs from the article's stored text.")
            continue
        offset_map = OffsetMap(text) if offset_unit == "utf16" else None
        for where, start, end, quote, label in spans:
            ints = all(
                isinstance(v, int) and not isinstance(v, bool) for v in (start, end)
            )
            if not ints:
                refuse(number, where, "start", f"Offsets must be integers ({label}).")
                continue
            try:
                cp_start, cp_end = (
                    (offset_map.to_codepoint(start), offset_map.to_codepoint(end))
                    if offset_map
                    else (start, end)
                )
            except ValueError as exc:
                refuse(number, where, "start", str(exc))
                continue
            if not 0 <= cp_start < cp_end <= len(text):
                refuse(
                    number,
                    where,
                    "end",
                    f"[{start}, {end}) is not a span of a {len(text)}-character text.",
                )
                continue
            if quote is not None and text[cp_start:cp_end] != quote:
                refuse(
                    number,
                    where,
                    "text",
                    f"The text at [{start}, {end}) reads "
                    f"{text[cp_start:cp_end][:60]!r}, not {str(quote)[:60]!r}.",
                )
                continue
            code = resolve(label)
            if code is None:
                refuse(
                    number,
                    where,
                    "label",
                    f"{label!r} maps to no claim type (use a label map).",
                )
                continue
            key = (article.pk, cp_start, cp_end)
            if key in seen:
                if seen[key][2] != code:
                    refuse(
                        number,
                        where,
                        "label",
                        f"Conflicts with record {seen[key][1]} {seen[key][0]}.",
                    )
                continue  # the same span twice (e.g. two annotators) imports once
            seen[key] = (where, number, code)
            items.append(
                {
                    "article": article.pk,
                    "start": start,
                    "end": end,
                    "quote": text[cp_start:cp_end],
                    "claim_type": code,
                    "sourcing_quality": default_sourcing,
                }
            )
            origins.append((number, where))
    if problems:
        raise ImportRefused(problems)
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
    return {
        "spans": len(items),
        "articles": len({item["article"] for item in items}),
    }
