"""Per-article sufficient statistics sum to the whole-corpus figures (to 1e-9).

The reference is the whole-scope computation with the pure functions
(`krippendorff_alpha`, `fleiss_kappa`, `coded_pair_agreement`,
`pairwise_detection`, `unitizing_alphas` on the articles laid end to end).
"""

import random
from itertools import combinations

import numpy as np
import pytest

from annotations.metrics.agreement import (
    bootstrap_alpha_ci,
    coded_pair_agreement,
    fleiss_kappa,
    krippendorff_alpha,
)
from annotations.metrics.article_stats import (
    Frame,
    Mark,
    Member,
    article_stats,
)
from annotations.metrics.spans import (
    Span,
    align_spans,
    merge_overlapping,
    pairwise_detection,
    unitizing_alphas,
)
from annotations.metrics.stats_codec import stats_decode, stats_encode
from annotations.metrics.stats_reduce import View, figures_of, figures_reduce
from annotations.metrics.stats_sums import SessionSums

FRAME = Frame(
    claim_codes=("quantity", "event", "quote", "other"),
    sourcing_codes=("primary", "named", "vague"),
    sourcing_ranks=(1.0, 2.0, 3.0),
)
SOURCES = ("Reuters", "officials", "", "Asif", "Mujahid")
THRESHOLD = 0.5


def _article(rng: random.Random, reviewers: list[str]) -> dict:
    """Random spans of a few reviewers over one article; some reviewers only done."""
    length = rng.randrange(40, 400)
    base = []
    for _ in range(rng.randrange(0, 8)):
        start = rng.randrange(0, length - 10)
        base.append((start, min(length, start + rng.randrange(1, 40))))
    marks, next_id = [], 0
    taking = [r for r in reviewers if rng.random() < 0.8]
    for reviewer in taking:
        seen = set()
        for start, end in base:
            if rng.random() < 0.2:
                continue
            start = max(0, start + rng.randrange(-3, 4))
            end = min(length, max(start + 1, end + rng.randrange(-3, 4)))
            if (start, end) in seen:
                continue
            seen.add((start, end))
            next_id += 1
            marks.append(
                Mark(
                    id=f"{reviewer}-{next_id}",
                    reviewer=reviewer,
                    start=start,
                    end=end,
                    claim_type=rng.randrange(len(FRAME.claim_codes)),
                )
            )
    values = {
        mark.id: (
            rng.randrange(len(FRAME.sourcing_codes)),
            rng.choice(SOURCES[: rng.randrange(1, len(SOURCES) + 1)]),
        )
        for mark in marks
    }
    done = {r for r in reviewers if rng.random() < 0.5}
    by_id = {mark.id: mark for mark in marks}
    units = []
    for unit in align_spans(
        [Span(id=m.id, reviewer=m.reviewer, start=m.start, end=m.end) for m in marks],
        threshold=THRESHOLD,
    ):
        units.append(
            [
                Member(
                    reviewer=span.reviewer,
                    claim_type=by_id[span.id].claim_type,
                    sourcing_quality=values[span.id][0],
                    cited_source=values[span.id][1],
                )
                for span in unit.spans
            ]
        )
    return {
        "length": length,
        "marks": marks,
        "units": units,
        "active": {m.reviewer for m in marks} | done,
    }


def _corpus(seed: int, articles: int = 12) -> list[dict]:
    rng = random.Random(seed)
    reviewers = ["ann", "bob", "cy", "dee"][: rng.randrange(2, 5)]
    return [_article(rng, reviewers) for _ in range(articles)]


def _stats(article: dict, *, with_units: bool = False):
    return article_stats(
        units=article["units"],
        marks=article["marks"],
        active=article["active"],
        length=article["length"],
        status={"agreed": len(article["units"])},
        frame=FRAME,
        threshold=THRESHOLD,
        with_units=with_units,
    )


def _reference(corpus: list[dict], needed: int) -> dict:
    """The figures computed over the whole scope at once."""
    units = [unit for article in corpus for unit in article["units"]]
    reviewers = sorted({m.reviewer for unit in units for m in unit})
    sources = sorted({m.cited_source for unit in units for m in unit})
    row = {name: index for index, name in enumerate(reviewers)}
    result = {"reviewers": reviewers, "labels": {}}
    for name, categories in (
        ("claim_type", FRAME.claim_codes),
        ("sourcing_quality", FRAME.sourcing_codes),
        ("cited_source", sources),
    ):
        matrix = np.full((len(reviewers), len(units)), np.nan)
        for column, unit in enumerate(units):
            for m in unit:
                value = getattr(m, name)
                matrix[row[m.reviewer], column] = (
                    sources.index(value) if name == "cited_source" else value
                )
        ordinal = name == "sourcing_quality"
        level = "ordinal" if ordinal else "nominal"
        domain = list(FRAME.sourcing_ranks) if ordinal else list(range(len(categories)))
        values = matrix
        if ordinal:
            values = np.where(np.isnan(matrix), np.nan, matrix + 1.0)
        present = ~np.isnan(matrix)
        pairable = int((present.sum(axis=0) >= 2).sum())
        alpha = (
            krippendorff_alpha(values, level, value_domain=domain) if pairable else None
        )
        complete = matrix[:, ~np.isnan(matrix).any(axis=0)].astype(int)
        fleiss = None
        if len(reviewers) >= 2 and complete.shape[1]:
            table = np.zeros((complete.shape[1], len(categories)))
            for r in complete:
                np.add.at(table, (np.arange(complete.shape[1]), r), 1)
            fleiss = fleiss_kappa(table)
        pairs = []
        for i, j in combinations(range(len(reviewers)), 2):
            both = present[i] & present[j]
            confusion, kappa, percent = coded_pair_agreement(
                matrix[i, both], matrix[j, both], len(categories)
            )
            pairs.append((int(both.sum()), kappa, percent, confusion.tolist()))
        per_label = {}
        for index, code in enumerate(categories):
            binary = np.where(present, (matrix == index).astype(float), np.nan)
            per_label[code] = (
                int((matrix == index).sum()),
                krippendorff_alpha(binary, "nominal", value_domain=[0.0, 1.0])
                if pairable
                else None,
            )
        result["labels"][name] = {
            "alpha": alpha,
            "ci": bootstrap_alpha_ci(
                values, level, draws=60, seed=5, value_domain=domain
            )
            if alpha is not None
            else None,
            "pairable": pairable,
            "values": int(present.sum()),
            "fleiss": fleiss,
            "pairs": pairs,
            "per_label": per_label,
        }
    detection = {}
    for mode in ("overlap", "exact"):
        totals = {}
        for article in corpus:
            if len(article["active"]) < 2:
                continue
            report = pairwise_detection(
                [
                    Span(id=m.id, reviewer=m.reviewer, start=m.start, end=m.end)
                    for m in article["marks"]
                ],
                mode=mode,
                threshold=THRESHOLD,
                reviewers=article["active"],
            )
            for p in report.pairs:
                total = totals.setdefault((p.reviewer_a, p.reviewer_b), [0, 0, 0])
                total[0] += p.matched
                total[1] += p.count_a
                total[2] += p.count_b
        detection[mode] = totals
    offset, per_reviewer, included = 0, {}, 0
    for article in corpus:
        if len(article["active"]) < needed:
            continue
        included += 1
        for name in article["active"]:
            per_reviewer.setdefault(name, {})
        for m in article["marks"]:
            per_reviewer[m.reviewer].setdefault(m.claim_type, []).append(
                Span(
                    id=m.id,
                    reviewer=m.reviewer,
                    start=m.start + offset,
                    end=m.end + offset,
                    label=FRAME.claim_codes[m.claim_type],
                )
            )
        offset += article["length"]
    spans = {
        name: [s for own in by_label.values() for s in merge_overlapping(own)]
        for name, by_label in per_reviewer.items()
    }
    if len(spans) < 2 or offset == 0:
        result["unitizing"] = (included, None, {})
    else:
        overall, by_label = unitizing_alphas(offset, spans)
        result["unitizing"] = (included, overall, by_label)
    result["detection"] = detection
    return result


def _close(a, b):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= 1e-9


def _assert_matches(figures: dict, reference: dict, *, with_ci: bool) -> None:
    assert figures["reviewers"] == reference["reviewers"]
    for name, expected in reference["labels"].items():
        got = figures["labels"][name]
        assert _close(got["alpha"], expected["alpha"]), name
        assert got["pairable_units"] == expected["pairable"]
        assert got["values"] == expected["values"]
        assert _close(got["fleiss_kappa"], expected["fleiss"]), name
        assert len(got["pairs"]) == len(expected["pairs"])
        for pair, (n, kappa, percent, confusion) in zip(
            got["pairs"], expected["pairs"], strict=True
        ):
            assert pair["n"] == n
            assert _close(pair["cohen_kappa"], kappa)
            assert _close(pair["percent_agreement"], percent)
            if name != "cited_source":
                assert pair["confusion"] == confusion
        if name != "cited_source":
            for code, (n, alpha) in expected["per_label"].items():
                assert got["per_label"][code]["n"] == n
                assert _close(got["per_label"][code]["alpha"], alpha), (name, code)
        if with_ci:
            if expected["ci"] is None:
                assert got["ci"] is None
            else:
                assert got["ci"] == pytest.approx(list(expected["ci"]), abs=1e-9)
    for mode, totals in reference["detection"].items():
        got = {
            (p["reviewer_a"], p["reviewer_b"]): [
                p["matched"],
                p["count_a"],
                p["count_b"],
            ]
            for p in figures["detection"][mode]["pairs"]
        }
        assert got == totals
    included, overall, by_label = reference["unitizing"]
    unitizing = figures["unitizing"]
    assert unitizing["articles"] == included
    assert _close(unitizing["alpha"], overall)
    assert set(unitizing["per_label"]) == set(by_label)
    for code, value in by_label.items():
        assert _close(unitizing["per_label"][code], value), code


@pytest.mark.parametrize("seed", range(12))
def test_article_statistics_sum_to_the_whole_corpus_figures(seed):
    corpus = _corpus(seed)
    needed = 2 + seed % 2
    stats = [_stats(article, with_units=True) for article in corpus]
    figures = figures_reduce(
        stats,
        frame=FRAME,
        unitizing_needed=needed,
        draws=60,
        seed=5,
        bootstrap="unit",
    )
    # The per-unit bootstrap over the same units gives the very same interval.
    _assert_matches(figures, _reference(corpus, needed=needed), with_ci=True)


@pytest.mark.parametrize("seed", range(4))
def test_one_article_reduces_to_its_own_figures(seed):
    for article in _corpus(seed, articles=4):
        figures = figures_reduce(
            [_stats(article, with_units=True)],
            frame=FRAME,
            unitizing_needed=2,
            draws=40,
            seed=5,
            bootstrap="unit",
        )
        reference = _reference([article], needed=2)
        for label in reference["labels"].values():
            if label["ci"] is not None:
                label["ci"] = list(label["ci"])
        _assert_matches(figures, reference, with_ci=False)


def test_reduction_with_one_article_changed_equals_the_full_recompute():
    corpus = _corpus(99, articles=20)
    stored = [stats_decode(stats_encode(_stats(article))) for article in corpus]
    rng = random.Random(3)
    changed = _article(rng, ["ann", "bob", "cy"])
    corpus[7] = changed
    stored[7] = _stats(changed)
    incremental = figures_reduce(
        stored, frame=FRAME, unitizing_needed=3, draws=50, seed=1
    )
    scratch = figures_reduce(
        [_stats(article) for article in corpus],
        frame=FRAME,
        unitizing_needed=3,
        draws=50,
        seed=1,
    )
    assert incremental == scratch
    _assert_matches(incremental, _reference(corpus, needed=3), with_ci=False)


def test_stats_survive_encoding():
    article = _corpus(4, articles=1)[0]
    stats = _stats(article)
    back = stats_decode(stats_encode(stats))
    assert back.reviewers == stats.reviewers and back.sources == stats.sources
    for name, table in stats.tables.items():
        assert np.array_equal(back.tables[name], table), name


def test_cluster_bootstrap_is_seeded_and_brackets_alpha():
    stats = [_stats(article) for article in _corpus(8, articles=30)]
    first = figures_reduce(stats, frame=FRAME, unitizing_needed=3, draws=200, seed=7)
    again = figures_reduce(stats, frame=FRAME, unitizing_needed=3, draws=200, seed=7)
    other = figures_reduce(stats, frame=FRAME, unitizing_needed=3, draws=200, seed=8)
    claim = first["labels"]["claim_type"]
    assert claim["ci"] == again["labels"]["claim_type"]["ci"]
    assert claim["ci"] != other["labels"]["claim_type"]["ci"]
    for name in ("claim_type", "sourcing_quality", "cited_source"):
        figures = first["labels"][name]
        if figures["alpha"] is not None:
            low, high = figures["ci"]
            assert low <= high


# Hand-worked: two articles, three reviewers.
#   Article 1 (length 10): units U1 = (q, q, q), U2 = (q, e, -) [cy did not mark]
#   Article 2 (length 10): U3 = (e, e, e)
# Coincidences (claim type): U1: o_qq += 3 * 2 / 2 = 3; U2 (m = 2): o_qe = o_eq = 1;
#   U3: o_ee += 3.  n_q = 4, n_e = 4, n = 8.
#   alpha = 1 - (n - 1) (n - sum o_cc) / (n^2 - sum n_c^2) = 1 - 7 * 2 / 32 = 9/16.
# Fleiss over the units all three marked (U1, U3): P_i = 1, 1; p = (1/2, 1/2):
#   P_e = 1/2 -> kappa = (1 - 1/2) / (1 - 1/2) = 1.
def test_hand_worked_two_articles():
    def unit(*claims):
        return [
            Member(reviewer=name, claim_type=claim, sourcing_quality=0, cited_source="")
            for name, claim in zip(("ann", "bob", "cy"), claims, strict=False)
            if claim is not None
        ]

    def marks(spans):
        return [
            Mark(id=f"{r}{s}", reviewer=r, start=s, end=e, claim_type=c)
            for r, s, e, c in spans
        ]

    first = article_stats(
        units=[unit(0, 0, 0), unit(0, 1, None)],
        marks=marks(
            [("ann", 0, 2, 0), ("bob", 0, 2, 0), ("cy", 0, 2, 0)]
            + [("ann", 5, 8, 0), ("bob", 5, 8, 1)]
        ),
        active={"ann", "bob", "cy"},
        length=10,
        status={},
        frame=FRAME,
        threshold=THRESHOLD,
    )
    second = article_stats(
        units=[unit(1, 1, 1)],
        marks=marks([("ann", 3, 6, 1), ("bob", 3, 6, 1), ("cy", 3, 6, 1)]),
        active={"ann", "bob", "cy"},
        length=10,
        status={},
        frame=FRAME,
        threshold=THRESHOLD,
    )
    figures = figures_reduce(
        [first, second], frame=FRAME, unitizing_needed=3, draws=20, seed=1
    )
    claim = figures["labels"]["claim_type"]
    assert claim["alpha"] == pytest.approx(9 / 16, abs=1e-12)
    assert claim["fleiss_kappa"] == pytest.approx(1.0) and claim["fleiss_units"] == 2
    # Unitizing: the same segments on one 20-character continuum.
    spans = {
        "ann": [
            Span("a1", "ann", 0, 2, "quantity"),
            Span("a2", "ann", 5, 8, "quantity"),
            Span("a3", "ann", 13, 16, "event"),
        ],
        "bob": [
            Span("b1", "bob", 0, 2, "quantity"),
            Span("b2", "bob", 5, 8, "event"),
            Span("b3", "bob", 13, 16, "event"),
        ],
        "cy": [Span("c1", "cy", 0, 2, "quantity"), Span("c3", "cy", 13, 16, "event")],
    }
    overall, per_label = unitizing_alphas(20, spans)
    assert figures["unitizing"]["alpha"] == pytest.approx(overall, abs=1e-12)
    assert figures["unitizing"]["per_label"]["event"] == pytest.approx(
        per_label["event"], abs=1e-12
    )


@pytest.mark.parametrize("seed", range(6))
def test_session_sums_updated_one_article_at_a_time_equal_a_fresh_build(seed):
    """`SessionSums.replace` (subtract the old tables, add the new) leaves the
    state a fresh build has: the figures are identical, bootstrap included,
    and match the whole-corpus computation to 1e-9."""
    corpus = _corpus(seed, articles=15)
    needed = 2 + seed % 2
    k = len(FRAME.sourcing_codes)
    state = SessionSums.of(
        [_stats(article) for article in corpus],
        needed=needed,
        ordinal_k=k,
        claim_k=len(FRAME.claim_codes),
    )
    rng = random.Random(seed + 100)
    reviewers = ["ann", "bob", "cy", "dee", "eve"]
    for _ in range(6):
        position = rng.randrange(len(corpus))
        # New reviewers and sources appear, old ones may vanish.
        corpus[position] = _article(rng, rng.sample(reviewers, rng.randrange(1, 4)))
        state.replace(position, _stats(corpus[position]))
        fresh = SessionSums.of(
            [_stats(article) for article in corpus],
            needed=needed,
            ordinal_k=k,
            claim_k=len(FRAME.claim_codes),
        )
        for name in fresh.sums:
            got = state.table(name, View(state).rank)
            assert np.array_equal(got, fresh.table(name, View(fresh).rank)), name
        options = {"frame": FRAME, "draws": 80, "seed": 3}
        incremental = figures_of(state, **options)
        assert incremental == figures_of(fresh, **options)
        _assert_matches(incremental, _reference(corpus, needed=needed), with_ci=False)
