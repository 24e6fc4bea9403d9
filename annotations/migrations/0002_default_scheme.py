"""Ship the default label scheme as data (reversible)."""

from django.db import migrations

from annotations.services.schemes import (
    DEFAULT_CLAIM_TYPES,
    DEFAULT_SCHEME_SLUG,
    DEFAULT_SOURCING_LEVELS,
)


def create_default_scheme(apps, schema_editor):
    scheme_model = apps.get_model("annotations", "LabelScheme")
    claim_model = apps.get_model("annotations", "ClaimType")
    level_model = apps.get_model("annotations", "SourcingLevel")
    scheme, _ = scheme_model.objects.get_or_create(
        slug=DEFAULT_SCHEME_SLUG,
        defaults={
            "name": "Claim type × sourcing quality (default)",
            "description": "Claim types after Full Fact; ordinal sourcing scale.",
        },
    )
    for position, (code, name, description, color, shortcut) in enumerate(
        DEFAULT_CLAIM_TYPES
    ):
        claim_model.objects.get_or_create(
            scheme=scheme, code=code,
            defaults={"name": name, "description": description, "color": color,
                      "shortcut": shortcut, "position": position},
        )
    for code, name, description, rank, shortcut in DEFAULT_SOURCING_LEVELS:
        level_model.objects.get_or_create(
            scheme=scheme, code=code,
            defaults={"name": name, "description": description, "rank": rank,
                      "shortcut": shortcut},
        )


def remove_default_scheme(apps, schema_editor):
    scheme_model = apps.get_model("annotations", "LabelScheme")
    scheme_model.objects.filter(slug=DEFAULT_SCHEME_SLUG, sessions__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("annotations", "0001_initial")]
    operations = [migrations.RunPython(create_default_scheme, remove_default_scheme)]
