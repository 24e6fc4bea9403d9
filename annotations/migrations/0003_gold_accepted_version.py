"""GoldSpan.accepted_span / accepted_reviewer: whose version an accepted decision took.

Decisions recorded before this migration are backfilled where the gold span
still matches exactly one of its source spans (offsets, labels and cited
source, at the version the decision was made from); otherwise they stay null.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def accepted_versions_backfill(apps, schema_editor):
    GoldSpan = apps.get_model("annotations", "GoldSpan")
    accepted = GoldSpan.objects.filter(
        decision="accepted", accepted_span__isnull=True
    ).prefetch_related("source_spans")
    for gold in accepted.iterator(chunk_size=500):
        matches = [
            span
            for span in gold.source_spans.all()
            if (span.start, span.end, span.claim_type_id, span.sourcing_quality_id)
            == (gold.start, gold.end, gold.claim_type_id, gold.sourcing_quality_id)
            and span.cited_source == gold.cited_source
            and gold.source_versions.get(str(span.pk)) == span.version
        ]
        if len(matches) == 1:
            GoldSpan.objects.filter(pk=gold.pk).update(
                accepted_span_id=matches[0].pk,
                accepted_reviewer_id=matches[0].reviewer_id,
            )


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0002_default_scheme"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="goldspan",
            name="accepted_reviewer",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AddField(
            model_name="goldspan",
            name="accepted_span",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="accepted_as_gold",
                to="annotations.spanannotation",
            ),
        ),
        migrations.AddConstraint(
            model_name="goldspan",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("decision", "accepted"),
                    models.Q(
                        ("accepted_span__isnull", True),
                        ("accepted_reviewer__isnull", True),
                    ),
                    _connector="OR",
                ),
                name="gold_accepted_version_only_when_accepted",
            ),
        ),
        migrations.RunPython(
            accepted_versions_backfill, migrations.RunPython.noop, elidable=True
        ),
    ]
