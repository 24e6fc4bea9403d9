"""Benchmark: the session reduction over N articles' statistics (pure, no database).

What one edit costs beyond the database at newsroom scale: decoding N stored
blobs and building the reduction state (`stats_sums.SessionSums`, a worker's
first run), the session figures from it (`stats_reduce.figures_of`, cluster
bootstrap over articles, 1,000 draws), then one article swapped and the
figures again (what one edit costs). 200 distinct synthetic articles
(3 reviewers x 30 spans, aligned) are repeated to N.

Run from the project root:
    .venv/bin/python bench/reduce_bench.py [--sizes 1000 10000] [--huge]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from annotations.metrics.article_stats import (  # noqa: E402
    Frame,
    Mark,
    Member,
    article_stats,
)
from annotations.metrics.spans import Span, align_spans  # noqa: E402
from annotations.metrics.stats_codec import stats_decode, stats_encode  # noqa: E402
from annotations.metrics.stats_reduce import figures_of  # noqa: E402
from annotations.metrics.stats_sums import SessionSums  # noqa: E402

FRAME = Frame(
    claim_codes=("quantity", "event", "quote", "causal", "other"),
    sourcing_codes=("primary", "named", "anonymous", "vague", "none"),
    sourcing_ranks=(1.0, 2.0, 3.0, 4.0, 5.0),
)
SOURCES = ("Zabihullah Mujahid", "Khawaja Asif", "Reuters", "officials", "")


def synthetic_article(rng: random.Random, spans: int = 30):
    length = 4500
    base = []
    for _ in range(spans):
        start = rng.randrange(0, length - 120)
        base.append((start, start + rng.randrange(15, 110)))
    marks, values = [], {}
    for reviewer in ("r1", "r2", "r3"):
        seen = set()
        for start, end in base:
            start = max(0, start + rng.randrange(-4, 5))
            end = min(length, end + rng.randrange(-4, 5))
            if (start, end) in seen:
                continue
            seen.add((start, end))
            mark = Mark(
                id=f"{reviewer}:{start}:{end}",
                reviewer=reviewer,
                start=start,
                end=end,
                claim_type=rng.randrange(len(FRAME.claim_codes)),
            )
            marks.append(mark)
            values[mark.id] = (rng.randrange(5), rng.choice(SOURCES))
    by_id = {m.id: m for m in marks}
    units = [
        [
            Member(
                reviewer=s.reviewer,
                claim_type=by_id[s.id].claim_type,
                sourcing_quality=values[s.id][0],
                cited_source=values[s.id][1],
            )
            for s in unit.spans
        ]
        for unit in align_spans(
            [
                Span(id=m.id, reviewer=m.reviewer, start=m.start, end=m.end)
                for m in marks
            ],
            threshold=0.5,
        )
    ]
    return article_stats(
        units=units,
        marks=marks,
        active={"r1", "r2", "r3"},
        length=length,
        status={"agreed": len(units)},
        frame=FRAME,
        threshold=0.5,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--huge", action="store_true", help="add 100,000 articles")
    parser.add_argument("--draws", type=int, default=1000)
    args = parser.parse_args()
    rng = random.Random(5)
    distinct = [synthetic_article(rng) for _ in range(200)]
    blobs = [stats_encode(s) for s in distinct]
    sizes = list(args.sizes) + ([100_000] if args.huge else [])
    print(f"load average {os.getloadavg()[0]:.1f} (shared 2-core machine)\n")
    print(
        "| articles | decode all blobs | build the state | figures (cluster "
        "bootstrap) | one article swapped | figures after it | peak RSS |"
    )
    print("|---|---|---|---|---|---|---|")
    for size in sizes:
        started = time.perf_counter()
        decoded = [stats_decode(blobs[i % len(blobs)]) for i in range(size)]
        decode_s = time.perf_counter() - started
        started = time.perf_counter()
        state = SessionSums.of(
            decoded,
            needed=3,
            ordinal_k=len(FRAME.sourcing_codes),
            claim_k=len(FRAME.claim_codes),
        )
        build_s = time.perf_counter() - started
        options = {"frame": FRAME, "draws": args.draws, "seed": 20251122}
        started = time.perf_counter()
        figures = figures_of(state, **options)
        figures_s = time.perf_counter() - started
        assert figures["labels"]["claim_type"]["ci"] is not None
        started = time.perf_counter()
        state.replace(size // 2, distinct[(size // 2 + 1) % len(distinct)])
        swap_s = time.perf_counter() - started
        started = time.perf_counter()
        figures_of(state, **options)
        after_s = time.perf_counter() - started
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"| {size:,} | {decode_s:.2f} s | {build_s:.2f} s | {figures_s:.2f} s "
            f"| {swap_s * 1000:.1f} ms | {after_s:.2f} s | {rss:.0f} MB |"
        )


if __name__ == "__main__":
    main()
