"""Session granularity (word for new sessions, character for existing ones),
article direction, and deleted spans kept for undo."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import annotations.models


class Migration(migrations.Migration):
    dependencies = [
        ("annotations", "0016_unit_reasons"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Existing sessions were annotated by characters: they keep it...
        migrations.AddField(
            model_name="annotationsession",
            name="granularity",
            field=models.CharField(
                choices=[("word", "Whole words"), ("character", "Characters")],
                default="character",
                max_length=10,
            ),
        ),
        # ...and sessions created from now on select whole words.
        migrations.AlterField(
            model_name="annotationsession",
            name="granularity",
            field=models.CharField(
                choices=[("word", "Whole words"), ("character", "Characters")],
                default="word",
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="annotationsession",
            constraint=models.CheckConstraint(
                condition=models.Q(granularity__in=["word", "character"]),
                name="session_granularity_valid",
            ),
        ),
        migrations.AddField(
            model_name="article",
            name="direction",
            field=models.CharField(
                blank=True,
                choices=[
                    ("", "Detect from the text"),
                    ("ltr", "Left to right"),
                    ("rtl", "Right to left"),
                ],
                default="",
                max_length=3,
            ),
        ),
        migrations.CreateModel(
            name="DeletedSpan",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True,
                        primary_key=True,
                        serialize=False,
                        verbose_name="ID",
                    ),
                ),
                ("span_id", models.PositiveIntegerField(unique=True)),
                ("version", models.PositiveIntegerField()),
                ("fields", annotations.models.DocumentField(default=dict)),
                ("deleted_at", models.DateTimeField(auto_now_add=True)),
                (
                    "article",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="annotations.article",
                    ),
                ),
                (
                    "reviewer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                (
                    "session",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="annotations.annotationsession",
                    ),
                ),
            ],
            options={"ordering": ["-deleted_at"]},
        ),
    ]
