"""Article intake records: the options of an import and one record's checks.

`record_clean` turns the fields a file gave (plus the lead's corrections)
into Article values, or a ValueError naming the field; `article_summary` is
what a result says of an article.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, BinaryIO

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from annotations.parsing import has_nul
from annotations.services.intake_formats import METADATA_FIELDS, Record
from annotations.text import text_sha256

SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
# A lone UTF-16 surrogate (JSON's "\ud800") is no character: UTF-8 cannot hold it.
SURROGATE = re.compile("[\ud800-\udfff]")
_LONE_SURROGATE = "{}: contains a lone surrogate (U+D800–U+DFFF), not a character."
ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})")
DATE_FORMATS = ("%d %B %Y", "%B %d, %Y", "%d %b %Y", "%b %d, %Y", "%d/%m/%Y")
LIMITS = {
    "title": 500,
    "byline": 300,
    "outlet": 200,
    "outlet_domain": 200,
    "published": 100,
    "url": 1000,
    "external_id": 100,
}
_url_valid = URLValidator(schemes=["http", "https"])
# Django's URL regex costs more than the rest of a row's checks together; a
# plain http(s) URL with a host (the common case) is told apart cheaply first.
PLAIN_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s]*)?$")


def url_valid(url: str) -> bool:
    if PLAIN_URL.match(url):
        return True
    try:
        _url_valid(url)
    except ValidationError:
        return False
    return True


@dataclass
class Upload:
    """One uploaded file: its name and a binary stream, or why it is refused."""

    name: str
    stream: BinaryIO | None = None
    error: str = ""


@dataclass(frozen=True)
class ImportOptions:
    dry_run: bool = False
    partial: bool = False
    normalize: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    # (file, row) -> corrected metadata fields, from the page's preview.
    corrections: dict[tuple[str, int | None], dict[str, str]] = field(
        default_factory=dict
    )


def published_date_of(value: str) -> date | None:
    """The date an ISO string or a common written form names; None otherwise."""
    match = ISO_DATE.match(value)
    if match:
        try:
            return date.fromisoformat(match.group(1))
        except ValueError:
            return None
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(value, pattern).date()
        except ValueError:
            continue
    return None


def record_clean(record: Record, options: ImportOptions) -> dict[str, Any]:
    """The Article values of a record; ValueError naming the field otherwise."""
    fields = {**record.fields, **options.corrections.get((record.file, record.row), {})}
    text = fields.get("text", "")
    if options.normalize == "nfc":
        text = unicodedata.normalize("NFC", text)
    if not text.strip():
        raise ValueError("text: empty: there is no article text.")
    values = {name: (fields.get(name) or "").strip() for name in METADATA_FIELDS}
    if has_nul(text):
        raise ValueError("text: contains a NUL character (U+0000).")
    try:
        sha = text_sha256(text)  # its UTF-8 encoding refuses a lone surrogate
    except UnicodeEncodeError:
        raise ValueError(_LONE_SURROGATE.format("text")) from None
    for name, value in values.items():
        if has_nul(value):
            raise ValueError(f"{name}: contains a NUL character (U+0000).")
        if SURROGATE.search(value):
            raise ValueError(_LONE_SURROGATE.format(name))
    for name, value in values.items():
        if len(value) > LIMITS[name]:
            raise ValueError(f"{name}: longer than {LIMITS[name]} characters.")
    if values["url"] and not url_valid(values["url"]):
        raise ValueError(f"url: {values['url']!r} is not an http(s) URL.")
    external_id = values["external_id"] or f"art-{sha[:16]}"
    if not SLUG.match(external_id):
        raise ValueError(
            "external_id: use only letters, digits, hyphens and underscores."
        )
    return {
        "external_id": external_id,
        "text": text,
        "text_sha256": sha,
        "title": values["title"],
        "byline": values["byline"],
        "outlet_name": values["outlet"],
        "outlet_domain": values["outlet_domain"],
        "published_text": values["published"],
        "published_date": published_date_of(values["published"]),
        "url": values["url"],
    }


def article_summary(values: dict[str, Any], article_id: int | None) -> dict[str, Any]:
    """What a result says of an article (no full text: answers stay small)."""
    outlet = None
    if values["outlet_name"]:
        outlet = {"name": values["outlet_name"], "domain": values["outlet_domain"]}
    published = values["published_date"]
    return {
        "id": article_id,
        "external_id": values["external_id"],
        "title": values["title"],
        "byline": values["byline"],
        "outlet": outlet,
        "published_text": values["published_text"],
        "published_date": published.isoformat() if published else None,
        "url": values["url"],
        "length": len(values["text"]),
        "text_sha256": values["text_sha256"],
        "text_start": values["text"][:300],
    }


def stored_summary(article: dict[str, Any]) -> dict[str, Any]:
    return article_summary(
        {
            **article,
            "outlet_name": article["outlet__name"] or "",
            "outlet_domain": article["outlet__domain"] or "",
        },
        article["id"],
    )
