"""Benchmark: time-to-interactive of the annotation page with 300 spans in Chromium.

Sets up its own SQLite database (seed corpus, demo accounts, 300 spans of one
reviewer on the longest seed article), serves the app with gunicorn on a free
port, and loads the annotation page N times in headless Chromium. Prints the
time from navigation start to the page's `workspace-ready` mark (text, spans,
side list and legend rendered; event handlers bound), and the time one step of
the keyboard's word cursor takes (keydown handled, highlight moved, laid out).

Run from the project root:  .venv/bin/python bench/ui_bench.py [--runs 20]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def setup_database(span_count: int, seed: int) -> tuple[int, int, int]:
    """Migrate, load the demo, add `span_count` spans; returns (session, article, n)."""
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from django.db.models.functions import Length

    from annotations.models import Article, SpanAnnotation
    from annotations.services.seeds import demo_setup
    from annotations.services.spans import annotation_bulk_create

    session = demo_setup()
    article = (
        Article.objects.filter(sessions=session)
        .annotate(size=Length("text"))
        .order_by("-size")
        .first()
    )
    reviewer = session.members.get(username="reviewer1")
    SpanAnnotation.objects.filter(session=session).delete()
    text = article.text
    words = [(match.start(), match.end()) for match in re.finditer(r"\S+", text)]
    rng = random.Random(seed)
    claims = ["quantity", "event_action", "quoted_statement", "causal", "other"]
    levels = ["primary_document", "named_on_record", "anonymous_vague", "unsupported"]
    seen: set[tuple[int, int]] = set()
    items = []
    while len(items) < span_count:
        first = rng.randrange(len(words))
        last = min(len(words) - 1, first + rng.randrange(1, 14))
        start, end = words[first][0], words[last][1]
        if (start, end) in seen:
            continue
        seen.add((start, end))
        items.append(
            {
                "article": article.pk,
                "start": start,
                "end": end,
                "quote": text[start:end],
                "claim_type": rng.choice(claims),
                "sourcing_quality": rng.choice(levels),
                "cited_source": rng.choice(["", "Khawaja Asif", "Reuters", "Geo News"]),
            }
        )
    annotation_bulk_create(session_id=session.pk, reviewer=reviewer, items=items)
    return session.pk, article.pk, len(text)


def wait_until_up(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server at {url} did not answer in {timeout}s")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--spans", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="ui_bench_"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "workbench.settings",
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "REDIS_URL": "",  # tasks run in-process; no broker needed
        "DEBUG": "true",  # WhiteNoise serves the static files from the app
        "LOG_LEVEL": "WARNING",
    }
    os.environ.update(env)
    session_id, article_id, length = setup_database(args.spans, args.seed)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "workbench.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        wait_until_up(f"{base}/accounts/login/")
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
            )
            context = browser.new_context(viewport={"width": 1400, "height": 950})
            page = context.new_page()
            page.goto(f"{base}/accounts/login/")
            page.fill("#id_username", "reviewer1")
            page.fill("#id_password", "workbench-demo")
            page.click("button[type=submit]")
            page.wait_for_url(f"{base}/")
            url = f"{base}/sessions/{session_id}/articles/{article_id}/"
            page.goto(url)  # warm-up: caches, gunicorn workers, JIT
            page.wait_for_function("() => document.body.dataset.ready === '1'")
            tti, dom_ready, api_done, segments = [], [], [], 0
            for _ in range(args.runs):
                page.goto(url)
                page.wait_for_function("() => document.body.dataset.ready === '1'")
                figures = page.evaluate(
                    """() => ({
                      ready: performance.getEntriesByName('workspace-ready')[0]
                        .startTime,
                      dom: performance.getEntriesByType('navigation')[0]
                        .domContentLoadedEventEnd,
                      api: Math.max(...performance.getEntriesByType('resource')
                        .filter((e) => e.name.includes('/api/'))
                        .map((e) => e.responseEnd)),
                      segments: document.querySelectorAll('#article-text .seg')
                        .length,
                      spans: document.querySelectorAll('#span-list li').length,
                    })"""
                )
                tti.append(figures["ready"])
                dom_ready.append(figures["dom"])
                api_done.append(figures["api"])
                segments = figures["segments"]
                assert figures["spans"] == args.spans, figures
            # The word cursor moves a CSS highlight on each key: time one step
            # from keydown to the next layout, Shift-extending as a user would.
            steps = page.evaluate(
                """(count) => {
                  const text = document.getElementById('article-text');
                  text.focus();
                  const press = (key, shiftKey) => text.dispatchEvent(
                    new KeyboardEvent('keydown', {key, shiftKey, bubbles: true}));
                  press('Home', false);
                  const times = [];
                  for (let i = 0; i < count; i++) {
                    const started = performance.now();
                    press('ArrowRight', i % 4 !== 0);
                    void text.offsetHeight;  // force the layout of the new text
                    times.push(performance.now() - started);
                  }
                  const chosen = CSS.highlights.get('word-cursor');
                  return {
                    times,
                    chosen: chosen ? [...chosen].map((r) => r.toString()).join('') : '',
                  };
                }""",
                args.runs * 5,
            )
            assert steps["chosen"], steps
            cursor = steps["times"]
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)

    print(
        f"annotation page, {args.spans} spans on a {length}-character article "
        f"({segments} highlighted segments), gunicorn x{args.workers}, SQLite, "
        f"headless Chromium, {args.runs} runs after one warm-up"
    )
    print(f"{'measure':<38}{'median ms':>10}{'p95 ms':>10}{'min ms':>10}{'max ms':>10}")
    for name, values in (
        ("DOMContentLoaded", dom_ready),
        ("last API response received", api_done),
        ("time-to-interactive (workspace-ready)", tti),
        ("word cursor step (keydown to layout)", cursor),
    ):
        print(
            f"{name:<38}{statistics.median(values):>10.1f}"
            f"{percentile(values, 0.95):>10.1f}{min(values):>10.1f}{max(values):>10.1f}"
        )


if __name__ == "__main__":
    main()
