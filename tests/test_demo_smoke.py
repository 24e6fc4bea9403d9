"""Smoke test of the first README command's steps, on SQLite in a temp folder."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run(args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )


def test_migrate_load_seeds_and_demo_on_sqlite(tmp_path):
    database = tmp_path / "demo.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "REDIS_URL": ""}
    run(["migrate", "--noinput"], env)
    demo = run(["load_demo"], env)
    assert "reviewer1" in demo.stdout and "adjudicator" in demo.stdout
    again = run(["load_seeds"], env)
    assert "5 articles, 0 changed" in again.stdout
    with sqlite3.connect(database) as connection:
        (articles,) = connection.execute(
            "select count(*) from annotations_article"
        ).fetchone()
        (members,) = connection.execute(
            "select count(*) from annotations_sessionmembership"
        ).fetchone()
    assert (articles, members) == (5, 4)


SPANS_ON_SQLITE = r"""
from django.contrib.auth import get_user_model
from annotations.models import AnnotationSession
from annotations.services.review import review_state_set
from annotations.services.spans import annotation_create

session = AnnotationSession.objects.get()
article = session.articles.order_by("external_id").first()
phrase = article.text.split(".")[0].strip()
start = article.text.index(phrase)
for name, claim in (
    ("reviewer1", "event_action"),
    ("reviewer2", "event_action"),
    ("reviewer3", "quoted_statement"),
):
    reviewer = get_user_model().objects.get(username=name)
    annotation_create(
        session_id=session.pk, article_id=article.pk, reviewer=reviewer,
        start=start, end=start + len(phrase), quote=phrase, claim_type=claim,
        sourcing_quality="named_on_record", cited_source="Khawaja Asif",
    )
    review_state_set(
        session_id=session.pk, article_id=article.pk, reviewer=reviewer, done=True
    )
print("SESSION", session.pk, "QUOTE", phrase)
"""


def test_embedded_mode_computes_reports_and_exports_on_sqlite(tmp_path):
    """The demo's SQLite + eager-task path: agreement, reliability, every export."""
    database = tmp_path / "demo.sqlite3"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}", "REDIS_URL": ""}
    run(["migrate", "--noinput"], env)
    run(["load_demo"], env)
    made = run(["shell", "-c", SPANS_ON_SQLITE], env).stdout
    session_id = made.split("SESSION ")[1].split()[0]
    quote = made.split("QUOTE ", 1)[1].strip()
    # Spans were written with no broker: the eager agreement task stored a report.
    with sqlite3.connect(database) as connection:
        statuses = connection.execute(
            "select status from annotations_agreementunit"
        ).fetchall()
    assert statuses == [("disputed",)]  # 2 x event_action vs 1 x quoted_statement
    agreement = run(["agreement_report", session_id], env).stdout
    assert "disputed" in agreement.lower()
    reliability = run(["reliability_report", session_id, "--inline"], env).stdout
    assert "excluded" in reliability.lower()
    exported = run(["export_corpus", "--session", session_id], env).stdout
    records = [json.loads(line) for line in exported.splitlines()]
    assert len(records) == 5
    spans = [span for record in records for span in record["spans"]]
    assert [span["quote"] for span in spans] == [quote] * 3
    assert {span["agreement_status"] for span in spans} == {"disputed"}
    for fmt in ("webanno", "webanno-jsonl", "csv", "conll", "datacard-json"):
        output = run(["export_corpus", "--session", session_id, "--format", fmt], env)
        assert output.stdout.strip(), fmt
