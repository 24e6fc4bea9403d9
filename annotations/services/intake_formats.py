"""Article intake formats: uploaded bytes (.txt, .csv, .jsonl, .html) to records.

Each reader yields `Record`s: the fields of one article as the file gave them
(or a per-file/row error), before validation and duplicate checks. HTML goes
through trafilatura, a maintained extractor; nothing here writes.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, BinaryIO

FIELDS = (
    "text",
    "title",
    "outlet",
    "outlet_domain",
    "byline",
    "published",
    "url",
    "external_id",
)
METADATA_FIELDS = FIELDS[1:]
EXTENSIONS = (".txt", ".csv", ".jsonl", ".html", ".htm")
# Extracted text shorter than this is page furniture (a cookie banner, a menu),
# not an article: the page is refused rather than stored as one.
MIN_HTML_TEXT = 100
# An article's text can be far longer than csv's default 128 KiB field limit.
csv.field_size_limit(256 * 1024 * 1024)


@dataclass
class Record:
    """One article's fields as read, or the reason it could not be read."""

    file: str
    row: int | None
    fields: dict[str, str] = field(default_factory=dict)
    error: str = ""


def extension_of(name: str) -> str:
    lowered = name.lower()
    for extension in EXTENSIONS:
        if lowered.endswith(extension):
            return extension
    return ""


def read_file(
    name: str, stream: BinaryIO, metadata: dict[str, str] | None = None
) -> Iterator[Record]:
    """The records of one uploaded file (an unknown type is one error record).

    `stream` is read as it goes (a large CSV is never decoded whole).
    `metadata` (the form's fields) applies to a .txt file, which has none of
    its own; the other formats carry theirs.
    """
    extension = extension_of(name)
    if not extension:
        yield Record(
            name,
            None,
            error="Unknown file type: send .txt, .csv, .jsonl, .html or .htm.",
        )
        return
    if extension in (".html", ".htm"):
        yield html_record(name, stream.read())
        return
    if extension == ".txt":
        try:
            text = stream.read().decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            yield Record(
                name, None, error=f"The file is not valid UTF-8 (byte {exc.start})."
            )
            return
        yield Record(name, None, {**(metadata or {}), "text": text})
        return
    lines = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv_records if extension == ".csv" else jsonl_records
    try:
        yield from reader(name, lines)
    except UnicodeDecodeError:
        yield Record(name, None, error="The file is not valid UTF-8.")
    finally:
        lines.detach()


def csv_records(name: str, lines: Iterable[str]) -> Iterator[Record]:
    """One record per data row; rows are numbered from 1 after the header."""
    reader = csv.reader(lines)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        yield Record(name, None, error=f"The CSV header cannot be read: {exc}.")
        return
    columns = [column.strip().lower() for column in header or []]
    if "text" not in columns:
        yield Record(name, None, error="The CSV header has no `text` column.")
        return
    known = [
        (index, column) for index, column in enumerate(columns) if column in FIELDS
    ]
    row_number = 0
    while True:
        row_number += 1
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield Record(name, row_number, error=f"The CSV row cannot be read: {exc}.")
            return
        # isspace() stops at the first visible character (strip() would copy
        # every 5,000-character cell of the row).
        if not any(cell and not cell.isspace() for cell in row):
            row_number -= 1  # a blank line is not a row
            continue
        values = {column: row[index] for index, column in known if index < len(row)}
        yield Record(name, row_number, values)


def jsonl_records(name: str, lines: Iterable[str]) -> Iterator[Record]:
    """One record per non-blank line; lines are numbered from 1."""
    for line_number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            document = json.loads(line)
        except (ValueError, RecursionError) as exc:
            yield Record(name, line_number, error=f"The line is not JSON: {exc}.")
            continue
        if not isinstance(document, dict):
            yield Record(name, line_number, error="The line is not a JSON object.")
            continue
        fields, error = jsonl_fields(document)
        yield Record(name, line_number, fields, error)


def jsonl_fields(document: dict[str, Any]) -> tuple[dict[str, str], str]:
    """Our field names, or a workbench JSONL export line (metadata nested)."""
    flat = dict(document)
    metadata = document.get("metadata")
    if isinstance(metadata, dict):
        flat.update({key: value for key, value in metadata.items() if key != "outlet"})
        flat["outlet"] = metadata.get("outlet")
        flat.setdefault("published", None)
        if flat["published"] is None:
            flat["published"] = metadata.get("published_text") or metadata.get(
                "published_date"
            )
    outlet = flat.get("outlet")
    if isinstance(outlet, dict):
        flat["outlet"] = outlet.get("name")
        flat["outlet_domain"] = flat.get("outlet_domain") or outlet.get("domain")
    fields: dict[str, str] = {}
    for name in FIELDS:
        value = flat.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            return {}, f"{name}: must be a string."
        fields[name] = value
    if "text" not in fields:
        return {}, "text: this line has no `text`."
    return fields, ""


# --- HTML through trafilatura -------------------------------------------------------


def html_extract(html: str | bytes) -> dict[str, str] | None:
    """Main text (one paragraph a line) and metadata; None when nothing is found."""
    import trafilatura

    document = trafilatura.bare_extraction(
        html,
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        deduplicate=False,
    )
    if document is None:
        return None
    data = document.as_dict() if hasattr(document, "as_dict") else dict(document)
    text = data.get("text") or ""
    if len(text.strip()) < MIN_HTML_TEXT:
        return None
    return {
        "text": text,
        "title": data.get("title") or "",
        "byline": data.get("author") or "",
        "published": data.get("date") or "",
        "outlet": data.get("sitename") or "",
        "outlet_domain": data.get("hostname") or "",
        "url": data.get("url") or "",
    }


def html_record(name: str, content: bytes) -> Record:
    """An .html page (or a fetched URL) as one record."""
    try:
        fields = html_extract(content)
    except Exception as exc:  # lxml/trafilatura refuse some inputs outright
        return Record(name, None, error=f"The HTML cannot be read: {exc}.")
    if fields is None:
        return Record(
            name,
            None,
            error="No article text could be extracted from this page (fewer than "
            f"{MIN_HTML_TEXT} characters of main text).",
        )
    return Record(name, None, fields)
