"""Import our JSONL corpus, or Label Studio / doccano spans as pre-annotations."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from annotations.management.errors import command_error
from annotations.services.imports import (
    ARTICLE_MATCHES,
    SOURCE_FORMATS,
    ImportRefused,
    corpus_import,
    preannotations_import,
)


def _label_map(value: str | None) -> dict[str, str] | None:
    """A JSON file of {their label: claim type code}, or "A=b,C=d"."""
    if not value:
        return None
    path = Path(value)
    if path.is_file():
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict):
            raise CommandError("label-map: the file must hold a JSON object.")
        return {str(key): str(code) for key, code in data.items()}
    pairs = [item.split("=", 1) for item in value.split(",") if item.strip()]
    if any(len(pair) != 2 for pair in pairs):
        raise CommandError("label-map: use THEIR_LABEL=claim_type,... or a JSON file.")
    return {theirs.strip(): ours.strip() for theirs, ours in pairs}


class Command(BaseCommand):
    help = (
        "Import FILE: our JSONL export into an empty database (default), or with "
        "--format labelstudio|doccano a tool's spans as one reviewer's "
        "pre-annotations (origin=import). Offsets are taken as code points."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--format", default="workbench", choices=["workbench", *SOURCE_FORMATS]
        )
        parser.add_argument("--session", type=int)
        parser.add_argument("--reviewer")
        parser.add_argument(
            "--article-match", default="external_id", choices=ARTICLE_MATCHES
        )
        parser.add_argument("--label-map")
        parser.add_argument("--default-sourcing", default="unsupported")
        parser.add_argument(
            "--offset-unit", default="codepoint", choices=["codepoint", "utf16"]
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"file: {path} does not exist.")
        try:
            if options["format"] == "workbench":
                with open(path, encoding="utf-8") as lines:
                    summary = corpus_import(lines=lines)
            else:
                if not options["session"] or not options["reviewer"]:
                    raise CommandError(
                        "--session and --reviewer are required for pre-annotations."
                    )
                summary = preannotations_import(
                    session_id=options["session"],
                    reviewer_username=options["reviewer"],
                    source_format=options["format"],
                    content=path.read_text(encoding="utf-8"),
                    article_match=options["article_match"],
                    label_map=_label_map(options["label_map"]),
                    default_sourcing=options["default_sourcing"],
                    offset_unit=options["offset_unit"],
                )
        except ImportRefused as exc:
            raise CommandError(str(exc)) from None
        except ValidationError as exc:
            raise command_error(exc) from None
        self.stdout.write(json.dumps(summary, sort_keys=True))
