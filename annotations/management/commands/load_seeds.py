"""Load the seed corpus (and the default label scheme); safe to run twice."""

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from annotations.services.seeds import seeds_load


class Command(BaseCommand):
    help = "Load the seed articles listed in seeds/manifest.json (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=None, help="seed folder")

    def handle(self, *args, **options):
        try:
            results = seeds_load(directory=options["dir"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        for result in results:
            state = "loaded" if result.changed else "unchanged"
            self.stdout.write(
                f"{state:9} {result.article.external_id}  "
                f"{len(result.article.text):6} chars  {result.article.text_sha256[:12]}"
            )
        changed = sum(result.changed for result in results)
        self.stdout.write(
            self.style.SUCCESS(f"{len(results)} articles, {changed} changed")
        )
