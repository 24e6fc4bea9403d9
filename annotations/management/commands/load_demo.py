"""Load the seeds plus a demo session with development accounts."""

from django.core.management.base import BaseCommand

from annotations.services.seeds import (
    DEMO_ADJUDICATOR,
    DEMO_ADMIN,
    DEMO_PASSWORD,
    DEMO_REVIEWERS,
    demo_setup,
)


class Command(BaseCommand):
    help = "Seeds, demo accounts and one annotation session (development only)."

    def handle(self, *args, **options):
        session = demo_setup()
        self.stdout.write(self.style.SUCCESS(f"Session {session.pk}: {session.name}"))
        self.stdout.write(f"Development accounts (password for all: {DEMO_PASSWORD}):")
        for username in DEMO_REVIEWERS:
            self.stdout.write(f"  {username:12} reviewer")
        self.stdout.write(f"  {DEMO_ADJUDICATOR:12} adjudicator")
        self.stdout.write(f"  {DEMO_ADMIN:12} staff (Django admin at /admin/)")
