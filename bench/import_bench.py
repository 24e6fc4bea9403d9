"""Article intake throughput: CSV and JSONL at 10,000 articles, HTML at 1,000.

Builds its own PostgreSQL database (default `wb_bench_import`), writes the
upload files to a temporary folder (as Django spools large uploads to disk)
and runs the import service (`articles_import`, the code behind
`POST /api/articles/import/`) in this process. Prints articles/s and the peak
RSS growth during each import (psutil, sampled in a thread); the HTML figure
is per process, trafilatura's extraction dominating it.

    .venv/bin/python bench/import_bench.py
    .venv/bin/python bench/import_bench.py --articles 2000 --pages 200 --keep
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
WORDS = (
    "officials said the ministry confirmed on Monday that talks would resume "
    "after the ceasefire held across the border districts despite reports of "
    "shelling near the crossing where traders waited for days"
).split()


def article_text(index: int, length: int = 5000) -> str:
    """About `length` characters in paragraphs, unique to `index`."""
    words, size, step = [], 0, index
    while size < length:
        step = (step * 1103515245 + 12345) % 2**31
        word = WORDS[step % len(WORDS)]
        words.append(word)
        size += len(word) + 1
    text = " ".join(words)[:length]
    paragraphs = [text[i : i + 700] for i in range(0, len(text), 700)]
    return f"Report {index}: “quoted”. " + "\n".join(paragraphs)


def html_page(index: int) -> str:
    body = "".join(
        f"<p>{paragraph}</p>\n" for paragraph in article_text(index, 3000).split("\n")
    )
    return f"""<!doctype html><html><head><title>Story {index} | Bench Daily</title>
<meta property="og:site_name" content="Bench Daily">
<meta name="author" content="Reporter {index % 17}">
<meta property="article:published_time" content="2025-0{index % 9 + 1}-1{index % 9}">
<link rel="canonical" href="https://bench.example/story/{index}"></head><body>
<div class="cookie">We use cookies. <button>Accept</button></div>
<nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Story {index}</h1>{body}</article>
<aside><h3>Related</h3><a href="/1">One</a> <a href="/2">Two</a></aside>
<footer>© Bench Daily</footer></body></html>"""


def create_database(name: str) -> str:
    base = "postgres://postgres@127.0.0.1:5432"
    for sql in (f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"'):
        subprocess.run(["psql", f"{base}/postgres", "-q", "-c", sql], check=True)
    return f"{base}/{name}"


class PeakRss:
    """The process's peak RSS growth over a block, sampled every 10 ms."""

    def __enter__(self):
        self.process = psutil.Process()
        self.start = self.peak = self.process.memory_info().rss
        self.running = True
        self.thread = threading.Thread(target=self.sample, daemon=True)
        self.thread.start()
        return self

    def sample(self):
        while self.running:
            self.peak = max(self.peak, self.process.memory_info().rss)
            time.sleep(0.01)

    def __exit__(self, *exc):
        self.running = False
        self.thread.join()
        self.peak = max(self.peak, self.process.memory_info().rss)

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.start) / 2**20


def write_files(folder: Path, articles: int, pages: int) -> dict[str, list[Path]]:
    csv_path = folder / "articles.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "title", "outlet", "byline", "published", "url"])
        for index in range(articles):
            writer.writerow(
                [
                    article_text(index),
                    f"CSV article {index}",
                    f"Outlet {index % 40}",
                    f"Reporter {index % 17}",
                    "2025-03-04",
                    f"https://csv.example/{index}",
                ]
            )
    jsonl_path = folder / "articles.jsonl"
    with jsonl_path.open("w", encoding="utf-8") as handle:
        for index in range(articles, 2 * articles):
            record = {
                "text": article_text(index),
                "title": f"JSONL article {index}",
                "outlet": f"Outlet {index % 40}",
                "published": "4 March 2025",
            }
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    html_paths = []
    for index in range(pages):
        path = folder / f"page{index:04d}.html"
        path.write_text(html_page(2 * articles + index), encoding="utf-8")
        html_paths.append(path)
    return {"csv": [csv_path], "jsonl": [jsonl_path], "html": html_paths}


def run_import(label: str, paths: list[Path], expected: int) -> None:
    from django.db import connection

    from annotations.services.intake import ImportOptions, Upload, articles_import

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = psutil.Process(cursor.fetchone()[0])
    server_started = sum(backend.cpu_times()[:2])
    handles = [path.open("rb") for path in paths]
    uploads = [
        Upload(name=path.name, stream=h) for path, h in zip(paths, handles, strict=True)
    ]
    started, cpu_started = time.perf_counter(), time.process_time()
    with PeakRss() as rss:
        outcome = articles_import(uploads=uploads, options=ImportOptions())
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    server_cpu = sum(backend.cpu_times()[:2]) - server_started
    for handle in handles:
        handle.close()
    created = outcome.created
    assert created == expected, (label, created, outcome.results[:3])
    print(
        f"{label:6} {created:6d} articles in {elapsed:6.2f} s = "
        f"{created / elapsed:8.0f} articles/s, peak RSS growth {rss.growth_mb:6.1f} MB"
        f"\n       CPU: this process {cpu:.2f} s, its PostgreSQL backend"
        f" {server_cpu:.2f} s = {created / (cpu + server_cpu):.0f} articles per"
        f" CPU-second of both; load average {os.getloadavg()[0]:.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--pages", type=int, default=1_000)
    parser.add_argument("--database", default="wb_bench_import")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    args = parser.parse_args()
    os.environ["DATABASE_URL"] = create_database(args.database)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
    os.environ["REDIS_URL"] = ""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    with tempfile.TemporaryDirectory() as folder:
        files = write_files(Path(folder), args.articles, args.pages)
        size = sum(path.stat().st_size for path in files["csv"]) / 2**20
        print(
            f"{args.articles} CSV + {args.articles} JSONL articles "
            f"(~5,000 characters, CSV {size:.0f} MB), {args.pages} HTML pages"
        )
        run_import("csv", files["csv"], args.articles)
        run_import("jsonl", files["jsonl"], args.articles)
        run_import("html", files["html"], args.pages)
    if not args.keep:
        from django.db import connections

        connections.close_all()
        base = "postgres://postgres@127.0.0.1:5432/postgres"
        sql = f'DROP DATABASE IF EXISTS "{args.database}"'
        subprocess.run(["psql", base, "-q", "-c", sql], check=True)


if __name__ == "__main__":
    main()
