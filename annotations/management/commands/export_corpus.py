"""Export a session's corpus to a file or stdout in any export format."""

import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from annotations.exporters.base import FILTER_NAMES, filters_parse
from annotations.management.errors import command_error
from annotations.models import AnnotationSession
from annotations.services.exports import FORMATS, export_stream


class Command(BaseCommand):
    help = "Stream a session's labelled corpus (all layers unless filtered)."

    def add_arguments(self, parser):
        parser.add_argument("--session", type=int, required=True)
        parser.add_argument("--format", default="jsonl", choices=sorted(FORMATS))
        parser.add_argument("--layer", choices=["both", "gold", "raw"])
        parser.add_argument(
            "--gold",
            choices=["complete", "adjudicated"],
            help="gold = adjudicated and agreed units (complete, the default) "
            "or adjudicated decisions only",
        )
        parser.add_argument("--articles", help="ids or external ids, comma-separated")
        parser.add_argument("--reviewers", help="usernames or ids, comma-separated")
        parser.add_argument("--statuses", help="e.g. adjudicated,agreed (or none)")
        parser.add_argument("--since", help="ISO date or datetime (inclusive)")
        parser.add_argument("--until", help="ISO date or datetime (inclusive)")
        parser.add_argument("--output", "-o", help="file to write (default stdout)")

    def handle(self, *args, **options):
        session = AnnotationSession.objects.filter(pk=options["session"]).first()
        if session is None:
            raise CommandError(f"session: {options['session']} does not exist.")
        params = {name: options[name] for name in FILTER_NAMES if options[name]}
        try:
            filters = filters_parse(session=session, params=params)
        except ValidationError as exc:
            raise command_error(exc) from None
        pieces = export_stream(filters=filters, format=options["format"])
        if options["output"]:
            with open(options["output"], "wb") as out:
                for block in pieces:
                    out.write(block)
        else:
            out = sys.stdout.buffer
            for block in pieces:
                out.write(block)
            out.flush()
