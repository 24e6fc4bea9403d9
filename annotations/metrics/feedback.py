"""A reviewer's feedback against gold: which of their spans gold agrees with.

Pure: plain spans in, plain dicts out. A reviewer span matches the gold span of
the same agreement unit (`unit_key`); failing that, the unmatched gold span it
overlaps most (Jaccard, ties: earliest gold). A span whose unit the adjudicator
rejected ("not a claim") matches nothing. Offsets are code points, end exclusive.
"""

from __future__ import annotations

from dataclasses import dataclass

from annotations.metrics.sources import normalise_source

FIELDS = ("offsets", "claim_type", "sourcing_quality", "cited_source")


@dataclass(frozen=True)
class FeedbackSpan:
    """A reviewer span or a gold span (`id`: span id, or the gold reading's)."""

    id: int | str
    start: int
    end: int
    claim_type: str
    sourcing_quality: str
    cited_source: str = ""
    unit_key: str | None = None


def _jaccard(a: FeedbackSpan, b: FeedbackSpan) -> float:
    inter = min(a.end, b.end) - max(a.start, b.start)
    if inter <= 0:
        return 0.0
    return inter / (max(a.end, b.end) - min(a.start, b.start))


def differences(span: FeedbackSpan, gold: FeedbackSpan) -> list[str]:
    """The fields (of FIELDS) in which the reviewer's span and gold differ."""
    differ = []
    if (span.start, span.end) != (gold.start, gold.end):
        differ.append("offsets")
    if span.claim_type != gold.claim_type:
        differ.append("claim_type")
    if span.sourcing_quality != gold.sourcing_quality:
        differ.append("sourcing_quality")
    if normalise_source(span.cited_source) != normalise_source(gold.cited_source):
        differ.append("cited_source")
    return differ


def match_gold(
    spans: list[FeedbackSpan],
    gold: list[FeedbackSpan],
    rejected_keys: frozenset[str] = frozenset(),
) -> tuple[list[dict], list[FeedbackSpan]]:
    """Per reviewer span {span, gold, differs, rejected}; then the missed gold."""
    free = {g.id: g for g in gold}
    by_key = {g.unit_key: g for g in gold if g.unit_key}
    matched: dict[int | str, FeedbackSpan] = {}
    ordered = sorted(spans, key=lambda s: (s.start, s.end, str(s.id)))
    for span in ordered:  # first pass: the same agreement unit
        target = by_key.get(span.unit_key) if span.unit_key else None
        if target is not None and target.id in free:
            matched[span.id] = free.pop(target.id)
    for span in ordered:  # second pass: the most overlapping gold left
        if span.id in matched or span.unit_key in rejected_keys:
            continue
        best = max(
            free.values(),
            key=lambda g: (_jaccard(span, g), -g.start, -g.end),
            default=None,
        )
        if best is not None and _jaccard(span, best) > 0:
            matched[span.id] = free.pop(best.id)
    rows = []
    for span in ordered:
        target = matched.get(span.id)
        rows.append(
            {
                "span": span,
                "gold": target,
                "differs": differences(span, target) if target else [],
                "rejected": target is None and span.unit_key in rejected_keys,
            }
        )
    missed = sorted(free.values(), key=lambda g: (g.start, g.end, str(g.id)))
    return rows, missed


def _f1(hits: int, n_spans: int, n_gold: int) -> dict:
    precision = hits / n_spans if n_spans else None
    recall = hits / n_gold if n_gold else None
    total = n_spans + n_gold
    return {
        "precision": precision,
        "recall": recall,
        "f1": 2 * hits / total if total else None,
        "hits": hits,
    }


def feedback_summary(
    rows: list[dict], n_gold: int, unit_statuses: list[str] | None = None
) -> dict:
    """Span F1 against gold (exact and overlap), label agreement, peer agreement.

    `unit_statuses`: the status of each distinct unit holding one of the
    reviewer's spans; the peer figure is the share that is "agreed".
    """
    pairs = [row for row in rows if row["gold"] is not None]
    exact = sum(1 for row in pairs if "offsets" not in row["differs"])
    labels = {}
    for field in ("claim_type", "sourcing_quality", "cited_source"):
        same = sum(1 for row in pairs if field not in row["differs"])
        labels[field] = same / len(pairs) if pairs else None
    both = sum(
        1
        for row in pairs
        if not {"claim_type", "sourcing_quality"} & set(row["differs"])
    )
    statuses = unit_statuses or []
    agreed = sum(1 for status in statuses if status == "agreed")
    return {
        "spans": len(rows),
        "gold": n_gold,
        "matched": len(pairs),
        "exact": _f1(exact, len(rows), n_gold),
        "overlap": _f1(len(pairs), len(rows), n_gold),
        "label_agreement": both / len(pairs) if pairs else None,
        "field_agreement": labels,
        "peers": {
            "units": len(statuses),
            "agreed": agreed,
            "agreed_share": agreed / len(statuses) if statuses else None,
        },
    }


def peer_pairs(labels: dict, reviewer: str) -> dict:
    """The reviewer's pairwise agreement with peers from a report's `labels`.

    Per label field: the pairs holding `reviewer`, averaged weighted by each
    pair's n (percent agreement) and plainly (Cohen's kappa, defined pairs only).
    Peers stay unnamed.
    """
    out = {}
    for field, stats in sorted((labels or {}).items()):
        pairs = [
            p
            for p in (stats or {}).get("pairs", [])
            if reviewer in (p.get("reviewer_a"), p.get("reviewer_b")) and p.get("n")
        ]
        n = sum(p["n"] for p in pairs)
        percents = [p for p in pairs if p.get("percent_agreement") is not None]
        kappas = [p["cohen_kappa"] for p in pairs if p.get("cohen_kappa") is not None]
        weight = sum(p["n"] for p in percents)
        out[field] = {
            "peers": len(pairs),
            "n": n,
            "percent_agreement": (
                sum(p["percent_agreement"] * p["n"] for p in percents) / weight
                if weight
                else None
            ),
            "cohen_kappa": sum(kappas) / len(kappas) if kappas else None,
        }
    return out
