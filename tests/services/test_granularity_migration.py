"""Migration 0013: sessions made before it keep character granularity, new ones
select words."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from annotations.models import AnnotationSession, LabelScheme

MIGRATION = ("annotations", "0013_session_granularity")


@pytest.mark.django_db(transaction=True)
def test_existing_sessions_keep_character_and_new_ones_select_words():
    executor = MigrationExecutor(connection)
    parent = next(
        node.key
        for node in executor.loader.graph.node_map[MIGRATION].parents
        if node.key[0] == "annotations"
    )
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate([parent])
    try:
        old_apps = executor.loader.project_state([parent]).apps
        scheme = old_apps.get_model("annotations", "LabelScheme").objects.create(
            slug="before-0013", name="Before 0013"
        )
        before = old_apps.get_model("annotations", "AnnotationSession").objects.create(
            name="made before 0013", scheme=scheme
        )
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(leaves)
    assert AnnotationSession.objects.get(pk=before.pk).granularity == "character"
    after = AnnotationSession.objects.create(
        name="made after 0013", scheme=LabelScheme.objects.get(slug="before-0013")
    )
    assert after.granularity == "word"
