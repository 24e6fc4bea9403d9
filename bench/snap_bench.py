"""Benchmark: boundary noise from the interface, before and after word snapping.

The scripted three-reviewer judgements of the dashboard test (tests/browser/
test_dashboard.py: four claims on two seed articles), made identical: every
reviewer marks the same words with the same labels. They are entered the way
people select: reviewer1 with the old keyboard cursor (runs of non-whitespace,
so quotation marks and a trailing comma come along), reviewer2 and reviewer3
with a mouse (each drag starts and ends inside the first and last words or in
the spaces and punctuation next to them, never on another word: at random with
a fixed seed). Figures: exact-offset span F1 between reviewers and disputed units,
before and after snapping the same selections to whole words with the server's
rule (annotations/text.py, the rule the browser applies in word sessions).
Metrics are the real ones: annotations/metrics/spans.py (alignment, pairwise
detection) and annotations/metrics/agreement.py (unit status).

Run from the project root:  .venv/bin/python bench/snap_bench.py [--trials N]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from functools import lru_cache
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from annotations.metrics.agreement import unit_status  # noqa: E402
from annotations.metrics.spans import (  # noqa: E402
    Span,
    align_spans,
    pairwise_detection,
)
from annotations.text import snap_to_words  # noqa: E402
from annotations.text import word_spans as _word_spans  # noqa: E402

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
REVIEWERS = ("reviewer1", "reviewer2", "reviewer3")
# (seed article, the words every reviewer means, claim type) — the dashboard
# test's units U3, U4, U1, U2.
JUDGEMENTS = [
    (
        "001_cefd5e004259460d",
        "Afghan officials reportedly rejected the demand as “unrealistic” and "
        "“beyond capacity",
        "quoted_statement",
    ),
    (
        "001_cefd5e004259460d",
        "the Taliban regained control of Afghanistan following the withdrawal",
        "event_action",
    ),
    (
        "003_347a960315ef51da",
        "the Pakistani army reported 23 soldiers killed and 29 injured",
        "quantity",
    ),
    (
        "003_347a960315ef51da",
        "recent clashes have left 50 Afghan civilians dead and over 440 wounded",
        "quantity",
    ),
]


@lru_cache(maxsize=8)
def word_spans(text: str) -> list[tuple[int, int]]:
    return _word_spans(text)


def keyboard_like(text: str, start: int, end: int) -> tuple[int, int]:
    """The old word cursor: whole runs of non-whitespace (punctuation included)."""
    runs = [match.span() for match in re.finditer(r"\S+", text)]
    first = next(run for run in runs if run[1] > start)
    last = [run for run in runs if run[0] < end][-1]
    return first[0], last[1]


def mouse_like(
    text: str, start: int, end: int, words: list[tuple[int, int]], rng: random.Random
) -> tuple[int, int]:
    """A drag over the same words: it starts anywhere from just after the word
    before (in the space or punctuation between) to inside the first word, and ends
    anywhere from inside the last word to just before the next one; so it cuts
    words and takes or leaves quotation marks and commas at random."""
    inside = [word for word in words if word[1] > start and word[0] < end]
    first, last = inside[0], inside[-1]
    before = [word[1] for word in words if word[1] <= first[0]]
    after = [word[0] for word in words if word[0] >= last[1]]
    low = before[-1] if before else 0
    high = after[0] if after else len(text)
    new_start = rng.randint(low, first[1] - 1)
    new_end = rng.randint(max(last[0] + 1, new_start + 1), high)
    return new_start, new_end


def entered(texts: dict[str, str], rng: random.Random) -> list[tuple]:
    """(reviewer, article, start, end, label) as each reviewer's selection gave it."""
    rows = []
    for index, (article, phrase, label) in enumerate(JUDGEMENTS):
        text = texts[article]
        start = text.index(phrase)
        end = start + len(phrase)
        words = word_spans(text)
        for reviewer in REVIEWERS:
            if reviewer == "reviewer1":
                offsets = keyboard_like(text, start, end)
            else:
                offsets = mouse_like(text, start, end, words, rng)
            rows.append((reviewer, article, *offsets, label, index))
    return rows


def snapped(texts: dict[str, str], rows: list[tuple]) -> list[tuple]:
    words = {article: word_spans(text) for article, text in texts.items()}
    out = []
    for reviewer, article, start, end, label, index in rows:
        result = snap_to_words(texts[article], start, end, words[article])
        out.append((reviewer, article, *result, label, index))
    return out


def figures(rows: list[tuple]) -> dict[str, float | int]:
    """Exact-offset micro F1 over the reviewer pairs, and disputed units (exact
    alignment: a unit holds the spans with identical offsets)."""
    f1_parts, disputed, units_total = [], 0, 0
    for article in sorted({row[1] for row in rows}):
        spans = [
            Span(id=f"{r}-{i}", reviewer=r, start=s, end=e, label=label)
            for r, a, s, e, label, i in rows
            if a == article
        ]
        report = pairwise_detection(spans, mode="exact", threshold=1.0)
        f1_parts.extend(
            (pair.matched, pair.count_a + pair.count_b) for pair in report.pairs
        )
        for unit in align_spans(spans, mode="exact", threshold=1.0):
            units_total += 1
            status = unit_status(
                required_reviewers=len(REVIEWERS),
                reviewers_done=len(REVIEWERS),
                dimensions={"claim_type": [span.label for span in unit.spans]},
                has_gold=False,
            )
            disputed += status == "disputed"
    matched = sum(part[0] for part in f1_parts)
    counted = sum(part[1] for part in f1_parts)
    return {"f1": 2 * matched / counted, "disputed": disputed, "units": units_total}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=200, help="random mouse drags")
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    texts = {
        article: (SEEDS / f"{article}.txt").read_bytes().decode("utf-8")
        for article, _, _ in JUDGEMENTS
    }
    rng = random.Random(args.seed)
    before, after = [], []
    example = None
    for _ in range(args.trials):
        rows = entered(texts, rng)
        example = example or rows
        before.append(figures(rows))
        after.append(figures(snapped(texts, rows)))

    def mean(results, key):
        return sum(result[key] for result in results) / len(results)

    print(f"{len(JUDGEMENTS)} identical judgements x {len(REVIEWERS)} reviewers,")
    print(f"{args.trials} trials of mouse drags (seed {args.seed})\n")
    print(f"{'':28}{'exact F1':>10}{'disputed units':>16}{'units':>8}")
    for name, results in (("as selected", before), ("snapped to words", after)):
        print(
            f"{name:28}{mean(results, 'f1'):>10.3f}"
            f"{mean(results, 'disputed'):>16.2f}{mean(results, 'units'):>8.2f}"
        )
    worst_after = min(result["f1"] for result in after)
    print(f"\nlowest F1 after snapping over all trials: {worst_after:.3f}")
    print("\nfirst trial, U3 as entered and as snapped:")
    snapped_example = snapped(texts, example)
    for raw, snap in zip(example[:3], snapped_example[:3], strict=True):
        text = texts[raw[1]]
        print(f"  {raw[0]}: {text[raw[2] : raw[3]]!r}")
        print(f"  {'':9}-> {text[snap[2] : snap[3]]!r}")


if __name__ == "__main__":
    main()
