"""Reliability scoring: outlets, cited sources and reviewers from summed statistics.

The maths is in `annotations.metrics` (`reliability`, `reliability_sums`,
`consistency`, `annotators`); this module turns a session's summed article
statistics (`SessionSums`) into the report payload and one score row per
(subject, metric). The evidence behind a row is stored per article
(`ReliabilityArticle`) and read back by `selectors.reliability`.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from annotations.metrics import annotators as am
from annotations.metrics import consistency as cm
from annotations.metrics import reliability as rm
from annotations.metrics.reliability_sums import SessionSums, subject_scores
from annotations.services.reliability_inputs import PAYLOAD_VERSION, Inputs
from annotations.services.reliability_parts import (
    CITED_SOURCE,
    DIMENSIONS,
    OUTLET,
    REVIEWER,
    TRUST,
    article_parts,
)

# --- Scoring ------------------------------------------------------------------


def _estimate(estimate: rm.ScoreEstimate | None) -> dict[str, Any] | None:
    if estimate is None:
        return None
    return {
        "value": estimate.value,
        "ci_low": estimate.low,
        "ci_high": estimate.high,
        "n": estimate.n,
        "insufficient": estimate.insufficient,
    }


def _score_row(kind, key, label, metric, estimate: dict | None) -> dict:
    estimate = estimate or {
        "value": None,
        "ci_low": None,
        "ci_high": None,
        "n": 0,
        "insufficient": True,
    }
    return {
        "subject_kind": kind,
        "subject_key": key,
        "subject_label": label,
        "metric": metric,
        "value": estimate["value"],
        "ci_low": estimate["ci_low"],
        "ci_high": estimate["ci_high"],
        "n": estimate["n"],
        "insufficient": estimate["insufficient"],
    }


def _subject_rows(kind, key, label, score: rm.SubjectScore) -> list:
    """Sourcing and accuracy rows of one subject."""
    return [
        _score_row(kind, key, label, metric, _estimate(estimate))
        for metric, estimate in (
            ("sourcing", score.sourcing),
            ("accuracy", score.accuracy),
        )
    ]


def _subject_summary(rank, key, label, score: rm.SubjectScore, **extra) -> dict:
    return {
        "rank": rank,
        "key": key,
        "label": label,
        "sourcing": _estimate(score.sourcing),
        "accuracy": _estimate(score.accuracy),
        "supported": score.supported,
        "contradicted": score.contradicted,
        "n": score.n,
        **extra,
    }


def _rate_estimate(agreement: am.LabelAgreement | None) -> dict[str, Any] | None:
    if agreement is None:
        return None
    return {
        "value": agreement.rate,
        "ci_low": agreement.low,
        "ci_high": agreement.high,
        "n": agreement.n,
        "matches": agreement.matches,
        "insufficient": False,
    }


def _annotators(sums: SessionSums) -> tuple[list[dict], list[dict], dict]:
    """Per reviewer: agreement with gold and with the other reviewers."""
    with_gold = am.rates_from_counts(sums.gold)
    with_peers = am.rates_from_counts(sums.peer)
    pair_table: dict[str, dict[str, dict]] = defaultdict(dict)
    for pair in am.pairs_from_counts(sums.pairs).values():
        pair_table[f"{pair.first}|{pair.second}"][pair.dimension] = {
            "matches": pair.matches,
            "n": pair.n,
            "rate": pair.rate,
        }
    reviewers = sorted({r for r, _ in sums.gold} | {r for r, _ in sums.peer})
    rows, summary = [], []
    for reviewer in reviewers:
        entry: dict[str, Any] = {"reviewer": reviewer, "gold": {}, "peers": {}}
        for dimension in DIMENSIONS:
            for part, agreements in (("gold", with_gold), ("peer", with_peers)):
                estimate = _rate_estimate(agreements.get((reviewer, dimension)))
                entry["gold" if part == "gold" else "peers"][dimension] = estimate
                rows.append(
                    _score_row(
                        REVIEWER,
                        reviewer,
                        reviewer,
                        f"{part}_{dimension}",
                        estimate,
                    )
                )
        summary.append(entry)
    return summary, rows, dict(pair_table)


def _ranked_subjects(kind, scores, subject) -> tuple:
    """(score rows, summary) of scored subjects, best sourcing first.

    ``subject(score)`` gives the (key, label, extra summary fields) of one.
    """
    rows: list[dict] = []
    summary = []
    accuracy_order = {
        s.subject: i + 1 for i, s in enumerate(rm.rank_subjects(scores, by="accuracy"))
    }
    for rank, score in enumerate(rm.rank_subjects(scores), start=1):
        key, label, extra = subject(score)
        rows += _subject_rows(kind, key, label, score)
        summary.append(
            _subject_summary(
                rank,
                key,
                label,
                score,
                accuracy_rank=accuracy_order[score.subject],
                **extra,
            )
        )
    return rows, summary


def _outlets(outlets, truth: cm.TruthFinderResult, fact_claims) -> tuple:
    """(score rows, summary) of the outlets, best sourcing first."""

    def subject(score: rm.SubjectScore) -> tuple:
        trust = truth.trust.get(score.name)
        return score.name, score.name, {"truthfinder_trust": trust}

    rows, summary = _ranked_subjects(OUTLET, outlets, subject)
    for name, trust in truth.trust.items():
        provided = sum(claim.outlet == name for _, claim, _ in fact_claims)
        estimate = {"value": trust, "ci_low": None, "ci_high": None}
        estimate |= {"n": provided, "insufficient": False}
        rows.append(_score_row(OUTLET, name, name, TRUST, estimate))
    return rows, summary


def _sources(sources: dict) -> tuple:
    """(score rows, summary) of the cited sources, best sourcing first."""

    def subject(score: rm.SubjectScore) -> tuple:
        key, source, _ = sources[score.subject]
        display = source.display()
        if source.article_id is None:
            return key, display, {"vague": False}
        return key, f"{display} ({min(source.spellings)})", {"vague": True}

    return _ranked_subjects(
        CITED_SOURCE, [score for _, _, score in sources.values()], subject
    )


def _conflicts(conflicts, truth: cm.TruthFinderResult, labels: dict, reporters):
    """Facts reported with different values: who reported which, how trusted."""

    def reporter(attribution: cm.Attribution) -> dict:
        extra = reporters[attribution.claim_id]
        return {
            "claim": attribution.claim_id,
            "gold_span_id": extra["gold_span_id"],
            "outlet": attribution.outlet,
            "article_id": attribution.article_id,
            "article_external_id": extra["external_id"],
            "cited_source": attribution.cited_source,
            "quote": extra["quote"],
        }

    return [
        {
            "fact_id": conflict.fact_id,
            "label": labels.get(conflict.fact_id, ""),
            "values": [
                {
                    "value": reported.value,
                    "confidence": truth.confidence.get(conflict.fact_id, {}).get(
                        reported.value
                    ),
                    "reported_by": [reporter(a) for a in reported.reported_by],
                }
                for reported in conflict.values
            ],
            "truthfinder_winner": truth.winners.get(conflict.fact_id),
        }
        for conflict in conflicts
    ]


def _facts(fact_claims) -> list[cm.Fact]:
    """Linked facts, each with the claims that report a value of it."""
    by_fact: dict[int, list[rm.Claim]] = defaultdict(list)
    for fact_id, claim, _ in fact_claims:
        by_fact[fact_id].append(claim)
    return [cm.Fact(fid, tuple(by_fact[fid])) for fid in sorted(by_fact)]


def reliability_score_sums(
    sums: SessionSums, *, rules: rm.SchemeRules, params: dict, context: dict
) -> tuple[dict, list]:
    """(payload, score rows) of a session's summed statistics.

    ``context``: ``facts`` (fact id -> label) and ``warnings`` of the load.
    """
    mean = sums.corpus_mean()
    options = dict(params)
    outlets, sources = subject_scores(sums, 0.5 if mean is None else mean, options)
    fact_claims = sums.fact_claims()
    facts = _facts(fact_claims)
    truth = cm.truthfinder(facts)
    reporters = {claim.id: extra for _, claim, extra in fact_claims}
    outlet_rows, outlet_summary = _outlets(outlets, truth, fact_claims)
    source_rows, source_summary = _sources(sources)
    annotators, reviewer_rows, pair_table = _annotators(sums)
    total, from_gold, from_consensus = sums.claims
    payload = {
        "version": PAYLOAD_VERSION,
        "params": params,
        "level_scores": {str(r): s for r, s in rules.level_scores.items()},
        "corpus_mean": mean,
        "claims": {
            "total": total,
            "from_gold": from_gold,
            "from_consensus": from_consensus,
        },
        "excluded": {
            "total": sum(sums.excluded.values()),
            "by_status": dict(sorted(sums.excluded.items())),
        },
        "outlets": outlet_summary,
        "cited_sources": source_summary,
        "conflicts": _conflicts(
            cm.fact_conflicts(facts), truth, context["facts"], reporters
        ),
        "truthfinder": {
            "trust": truth.trust,
            "winners": {str(k): v for k, v in truth.winners.items()},
            "iterations": truth.iterations,
            "converged": truth.converged,
        },
        "annotators": annotators,
        "annotator_pairs": pair_table,
        "warnings": context["warnings"],
    }
    return payload, outlet_rows + source_rows + reviewer_rows


def reliability_compute(inputs: Inputs, params: dict[str, Any]) -> tuple[dict, list]:
    """(payload, score rows) of loaded inputs: their articles' parts, summed."""
    outlets = {row.article_id: row.claim.outlet for row in inputs.claims}
    for article_id in inputs.article_keys:
        outlets.setdefault(article_id, "")
    sums = SessionSums()
    for part in article_parts(inputs, outlets).values():
        sums.add(part.stats)
    return reliability_score_sums(
        sums,
        rules=inputs.rules,
        params=params,
        context={"facts": inputs.facts, "warnings": inputs.warnings},
    )
