"""Article intake: uploaded files and URLs to new articles, per file/row results.

Two phases. First every record is read, validated and checked for duplicates
(same text sha256 or same URL, in the database or earlier in the batch) with
nothing written; a dry run stops there. Then, unless an error refuses the
batch (all-or-nothing, the default), the good articles are written in one
transaction, a batch at a time: one query checks a batch's duplicates, one
COPY writes it (`intake_store`). `partial` writes the good ones anyway.
New articles belong to no session yet, so nothing needs recomputing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction

from annotations.services.intake_fetch import FetchRefused, url_fetch
from annotations.services.intake_formats import Record, html_record, read_file
from annotations.services.intake_records import (
    ImportOptions,
    Upload,
    article_summary,
    record_clean,
    stored_summary,
)
from annotations.services.intake_store import (
    OutletCache,
    article_of,
    articles_insert,
    stored_matches,
)

__all__ = ["ImportOptions", "ImportOutcome", "Upload", "articles_import"]

BATCH = 1000
CREATED, DUPLICATE, ERROR = "created", "duplicate", "error"
NORMALIZE_CHOICES = ("", "nfc")
NOT_WRITTEN = (
    "Not imported: other files or rows have errors and the batch is "
    "all-or-nothing (choose to import the good ones to write this one)."
)


@dataclass
class ImportOutcome:
    results: list[dict[str, Any]]
    written: bool
    dry_run: bool = False

    @property
    def created(self) -> int:
        return sum(1 for result in self.results if result["status"] == CREATED)

    @property
    def http_status(self) -> int:
        """200 dry run or nothing new; 201 written; 400 refused with errors."""
        if self.dry_run:
            return 200
        if self.written and self.created:
            return 201
        if any(result["status"] == ERROR for result in self.results):
            return 400
        return 200


def records_of(
    uploads: Iterable[Upload], urls: Iterable[str], options: ImportOptions
) -> Iterator[Record]:
    """Every record of the uploads, then of the URLs (fetched only when enabled)."""
    for upload in uploads:
        if upload.error:
            yield Record(upload.name, None, error=upload.error)
            continue
        yield from read_file(upload.name, upload.stream, options.metadata)
    for url in urls:
        try:
            final_url, body = url_fetch(url)
        except FetchRefused as exc:
            yield Record(url, None, error=str(exc))
            continue
        record = html_record(url, body)
        if not record.error and not record.fields.get("url"):
            record.fields["url"] = final_url
        yield record


class _Checker:
    """Phase one: validation and duplicate checks, a batch of records at a time."""

    def __init__(self, options: ImportOptions) -> None:
        self.options = options
        self.results: list[dict[str, Any]] = []
        # (result, values) of this batch's articles to create.
        self.pending: list[tuple[dict[str, Any], dict[str, Any]]] = []
        self.by_sha: dict[str, dict[str, Any]] = {}
        self.by_url: dict[str, dict[str, Any]] = {}
        self.external_ids: set[str] = set()
        self.outlets = OutletCache()
        self.errors = 0

    @property
    def has_errors(self) -> bool:
        return self.errors > 0

    def check(self, records: list[Record]) -> None:
        cleaned = []
        for record in records:
            # Appended now, decided below: results keep the order of the input.
            result = {"file": record.file, "row": record.row, "article": None}
            self.results.append(result)
            if record.error:
                self._error(result, record.error)
                continue
            try:
                values = record_clean(record, self.options)
            except ValueError as exc:
                self._error(result, str(exc))
                continue
            cleaned.append((result, values))
        self._check_stored(cleaned)

    def _error(self, result: dict, message: str) -> None:
        self.errors += 1
        result.update(status=ERROR, message=message)

    def _check_stored(self, cleaned: list) -> None:
        """Every duplicate check of the batch in one query."""
        shas = {values["text_sha256"] for _, values in cleaned}
        urls = {values["url"] for _, values in cleaned if values["url"]}
        ids = {values["external_id"] for _, values in cleaned}
        taken: set[str] = set()
        for article in stored_matches(shas, urls, ids):
            if article["text_sha256"] in shas:
                self.by_sha.setdefault(article["text_sha256"], stored_summary(article))
            if article["url"] in urls:
                self.by_url.setdefault(article["url"], stored_summary(article))
            if article["external_id"] in ids:
                taken.add(article["external_id"])
        for result, values in cleaned:
            self._decide(result, values, taken)

    def _decide(self, result: dict, values: dict, taken: set[str]) -> None:
        same = self.by_sha.get(values["text_sha256"])
        why = "the same text as"
        if same is None and values["url"]:
            same, why = self.by_url.get(values["url"]), "the same URL as"
        if same is not None:
            where = f"article {same['id']}" if same["id"] else "an earlier record"
            message = (
                f"Duplicate: {why} {where} ({same['external_id']}); not imported again."
            )
            result.update(status=DUPLICATE, article=same, message=message)
            return
        external_id = values["external_id"]
        if external_id in taken or external_id in self.external_ids:
            message = (
                f"external_id: {external_id!r} is already used by another article."
            )
            result.update(status=ERROR, message=message)
            return
        summary = article_summary(values, None)
        self.by_sha[values["text_sha256"]] = summary
        if values["url"]:
            self.by_url[values["url"]] = summary
        self.external_ids.add(external_id)
        self.pending.append((result, values))
        result.update(status=CREATED, article=summary, message="")


def _write_pending(checker: _Checker) -> int:
    """Create the batch's pending articles (one COPY); returns how many."""
    pending, checker.pending = checker.pending, []
    if not pending:
        return 0
    names: dict[str, str] = {}
    for _, values in pending:
        if values["outlet_name"]:
            names.setdefault(values["outlet_name"], values["outlet_domain"])
    outlets = checker.outlets.resolve(names)
    rows = [values for _, values in pending]
    try:
        with transaction.atomic():
            ids = articles_insert(rows, outlets)
    except IntegrityError:
        ids = _insert_one_by_one(pending, outlets)
    written = 0
    for (result, _), pk in zip(pending, ids, strict=True):
        if pk is None:
            checker.errors += 1
            continue
        result["article"]["id"] = pk
        written += 1
    return written


def _insert_one_by_one(pending: list, outlets: dict[str, int]) -> list[int | None]:
    """Row by row when another import took an external id meanwhile."""
    ids: list[int | None] = []
    for result, values in pending:
        article = article_of(values, outlets)
        try:
            with transaction.atomic():
                article.save(force_insert=True)
        except IntegrityError:
            result.update(
                status=ERROR,
                message=f"external_id: {article.external_id!r} was taken by an "
                "article imported at the same time.",
            )
            ids.append(None)
            continue
        ids.append(article.pk)
    return ids


def _forget_rolled_back(results: list[dict[str, Any]]) -> None:
    """After a rollback: no result may name an article that is not stored."""
    unwritten = {
        result["article"]["id"]
        for result in results
        if result["status"] == CREATED and result["article"]["id"] is not None
    }
    for result in results:
        if result["status"] == DUPLICATE and result["article"]["id"] in unwritten:
            name = result["article"]["external_id"]
            result["message"] = (
                f"Duplicate of an earlier record of this import ({name})."
            )
    for result in results:
        if result["status"] == CREATED:
            result["article"]["id"] = None
            result["message"] = NOT_WRITTEN


def _batches(records: Iterable[Record]) -> Iterator[list[Record]]:
    batch: list[Record] = []
    for record in records:
        batch.append(record)
        if len(batch) >= BATCH:
            yield batch
            batch = []
    yield batch


def articles_import(
    *,
    uploads: Iterable[Upload] = (),
    urls: Iterable[str] = (),
    options: ImportOptions,
    progress: Callable[[int], None] | None = None,
) -> ImportOutcome:
    """Import articles; see the module docstring for the all-or-nothing rule.

    One pass, a batch at a time, inside one transaction: each batch is checked
    and (unless a dry run, or an error already refuses an all-or-nothing
    batch) written at once, so memory holds one batch of texts. An
    all-or-nothing import that met an error rolls the transaction back.
    `progress(records read)` is called after each batch.
    """
    checker = _Checker(options)
    seen = written = 0
    with transaction.atomic():
        for batch in _batches(records_of(uploads, urls, options)):
            checker.check(batch)
            refused = checker.has_errors and not options.partial
            if options.dry_run or refused:
                checker.pending = []  # never written: keep no texts
            else:
                written += _write_pending(checker)
            seen += len(batch)
            if progress:
                progress(seen)
        refused = checker.has_errors and not options.partial
        if refused and not options.dry_run:
            transaction.set_rollback(True)
            checker.outlets.forget()
            written = 0
            _forget_rolled_back(checker.results)
    return ImportOutcome(
        results=checker.results, written=written > 0, dry_run=options.dry_run
    )
