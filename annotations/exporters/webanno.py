"""W3C Web Annotation (JSON-LD): one Annotation per span, as a collection or lines."""

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote as url_quote

from annotations.exporters.base import (
    ExportFilters,
    article_iri,
    dumps,
    iter_bundles,
)
from annotations.interchange import PROVENANCE_AGREED

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
CONTEXT_LENGTH = 32  # code points of prefix/suffix in a TextQuoteSelector


def _body(purpose: str, value: str) -> dict[str, str]:
    return {
        "type": "TextualBody",
        "purpose": purpose,
        "value": value,
        "format": "text/plain",
    }


def annotation(span: dict[str, Any], text: str, external_id: str) -> dict[str, Any]:
    """The Web Annotation of one exported span of the article `external_id`."""
    start, end = span["start"], span["end"]
    bodies = []
    if span["claim_type"] is not None:
        bodies.append(_body("classifying", span["claim_type"]))
    if span["sourcing_quality"] is not None:
        bodies.append(_body("tagging", f"sourcing_quality:{span['sourcing_quality']}"))
    if span["cited_source"]:
        bodies.append(_body("identifying", span["cited_source"]))
    if span["note"]:
        bodies.append(_body("commenting", span["note"]))
    agreed = span.get("provenance") == PROVENANCE_AGREED
    if agreed:
        # No adjudicator: every reviewer of the unit marked it alike.
        bodies.append(_body("assessing", "provenance:agreed"))
        creator = [_person(name) for name in span["agreed_by"]]
        created = modified = span["decided_at"]
    elif span["layer"] == "gold":
        bodies.append(_body("assessing", f"decision:{span['decision']}"))
        if span["verdict"]:
            bodies.append(_body("assessing", f"verdict:{span['verdict']}"))
        creator = _person(span["decided_by"])
        created = modified = span["decided_at"]
    else:
        creator = _person(span["reviewer"])
        created, modified = span["created"], span["modified"]
    motivation = ["classifying", "tagging"]
    if span["layer"] == "gold" and span["decision"] == "rejected":
        motivation = ["assessing"]
    return {
        "id": (
            f"urn:workbench:annotation:{url_quote(external_id, safe='-_.~')}:"
            f"{url_quote(span['id'], safe='-_.~:@')}"
        ),
        "type": "Annotation",
        "motivation": motivation,
        "body": bodies,
        "target": _target(text, start, end, external_id),
        "creator": creator,
        "created": created,
        "modified": modified,
        "workbench:layer": span["layer"],
        "workbench:unit": span["unit_key"],
        "workbench:agreementStatus": span["agreement_status"],
        **(
            {"workbench:provenance": span["provenance"]} if "provenance" in span else {}
        ),
    }


def _target(text: str, start: int, end: int, external_id: str) -> dict[str, Any]:
    """The span's place in the article: quote (with context) and code points."""
    return {
        "source": article_iri(external_id),
        "type": "Text",
        "selector": [
            {
                "type": "TextQuoteSelector",
                "exact": text[start:end],
                "prefix": text[max(0, start - CONTEXT_LENGTH) : start],
                "suffix": text[end : end + CONTEXT_LENGTH],
            },
            {"type": "TextPositionSelector", "start": start, "end": end},
        ],
    }


def _person(name: str) -> dict[str, str]:
    return {
        "id": f"urn:workbench:user:{url_quote(name, safe='-_.@+')}",
        "type": "Person",
        "nickname": name,
    }


def _annotations(filters: ExportFilters, options: dict[str, Any]) -> Iterator[dict]:
    for bundle in iter_bundles(filters, **options):
        text = bundle.article["text"]
        external_id = bundle.article["external_id"]
        for span in bundle.spans:
            yield annotation(span, text, external_id)


def webanno_collection(filters: ExportFilters, **options: Any) -> Iterator[bytes]:
    """One JSON document: an AnnotationCollection whose first page holds all items.

    Streamed: the opening, then each annotation after a comma, then the closing.
    """
    opening = {
        "@context": CONTEXT,
        "id": f"urn:workbench:export:session:{filters.session_id}",
        "type": "AnnotationCollection",
        "label": f"Workbench session {filters.session_id} export",
    }
    head = dumps(opening)[:-1]
    yield head + b',"first":{"type":"AnnotationPage","items":[\n'
    separator = b""
    for item in _annotations(filters, options):
        yield separator + dumps(item)
        separator = b",\n"
    yield b"\n]}}\n"


def webanno_jsonl(filters: ExportFilters, **options: Any) -> Iterator[bytes]:
    """One self-contained Annotation (with its @context) per line."""
    for item in _annotations(filters, options):
        yield dumps({"@context": CONTEXT, **item}) + b"\n"
