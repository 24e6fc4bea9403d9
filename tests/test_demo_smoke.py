"""Smoke test of the first README command's steps, on SQLite in a temp folder."""

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
