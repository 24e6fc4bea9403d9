"""Reliability scoring: outlets, cited sources and reviewers from the loaded claims.

The maths is in `annotations.metrics` (`reliability`, `consistency`,
`annotators`); this module turns `Inputs` into the report payload and one score
row per (subject, metric) with its evidence.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any

from annotations.metrics import annotators as am
from annotations.metrics import consistency as cm
from annotations.metrics import reliability as rm
from annotations.metrics.sources import SourceKey
from annotations.models import ReliabilityScore
from annotations.services.reliability_inputs import PAYLOAD_VERSION, Inputs

DIMENSIONS = ("claim_type", "sourcing_quality", "cited_source")
OUTLET = ReliabilityScore.SubjectKind.OUTLET.value
CITED_SOURCE = ReliabilityScore.SubjectKind.CITED_SOURCE.value
REVIEWER = ReliabilityScore.SubjectKind.REVIEWER.value


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


def _score_row(kind, key, label, metric, estimate: dict | None, evidence) -> dict:
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
        "evidence": evidence,
    }


def _subject_rows(kind, key, label, score: rm.SubjectScore, by_id) -> list:
    """Sourcing and accuracy rows of one subject, each with the claims it used."""
    return [
        _score_row(
            kind,
            key,
            label,
            metric,
            _estimate(estimate),
            [by_id[cid].evidence() for cid in evidence],
        )
        for metric, estimate, evidence in (
            ("sourcing", score.sourcing, score.sourcing_evidence),
            ("accuracy", score.accuracy, score.accuracy_evidence),
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


def _source_display(score: rm.SubjectScore, by_id: dict) -> str:
    """The alias's canonical name, else the first spelling as annotated."""
    key = score.subject
    if normalise_source_is_alias(key):
        return key.label
    return " ".join(by_id[score.evidence[0]].cited_source.split()) or key.label


def normalise_source_is_alias(key: SourceKey) -> bool:
    # An alias hit keeps the canonical spelling as its label; otherwise the
    # label is the normalised (lower-case) key.
    return key.label != key.name


def _source_subject_key(key: SourceKey, display: str, article_keys: dict) -> tuple:
    """(subject_key, label, vague): vague sources carry their article."""
    if key.vague:
        external = article_keys.get(key.article_id, str(key.article_id))
        return f"{key.name}@{external}", f"{display} ({external})", True
    return key.name, display, False


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


def _gold_comparisons(inputs: Inputs) -> tuple[list[am.GoldLabel], dict]:
    """Each reviewer label beside its gold label, and the evidence of each."""
    pairs = []
    evidence: dict[tuple[str, str], list] = defaultdict(list)
    for gold_id, unit_key, gold_labels, members in inputs.gold_members:
        for member in members:
            for dimension in DIMENSIONS:
                label, gold = member.labels[dimension], gold_labels[dimension]
                pairs.append(am.GoldLabel(member.reviewer, dimension, label, gold))
                evidence[member.reviewer, dimension].append(
                    {
                        "gold_span_id": gold_id,
                        "unit_key": unit_key,
                        "span_id": member.span_id,
                        "article_id": member.article_id,
                        "label": label,
                        "gold": gold,
                        "match": label == gold,
                    }
                )
    return pairs, evidence


def _peer_evidence(inputs: Inputs) -> dict[tuple[str, str], list]:
    """Per (reviewer, dimension): each comparison with another unit member."""
    evidence: dict[tuple[str, str], list] = defaultdict(list)
    for unit_id, members in inputs.unit_members:
        for one, other in am.peer_pairs(members):
            for dimension in DIMENSIONS:
                evidence[one.reviewer, dimension].append(
                    {
                        "unit_id": unit_id,
                        "span_id": one.span_id,
                        "article_id": one.article_id,
                        "other_reviewer": other.reviewer,
                        "other_span_id": other.span_id,
                        "label": one.labels[dimension],
                        "other_label": other.labels[dimension],
                        "match": one.labels[dimension] == other.labels[dimension],
                    }
                )
    return evidence


def _annotators(inputs: Inputs) -> tuple[list[dict], list[dict], dict]:
    """Per reviewer: agreement with gold and with the other reviewers."""
    pairs, gold_evidence = _gold_comparisons(inputs)
    with_gold = am.annotator_agreement_with_gold(pairs)
    peer_evidence = _peer_evidence(inputs)
    with_peers, by_pair = am.peer_agreement(
        (members for _, members in inputs.unit_members), DIMENSIONS
    )
    pair_table: dict[str, dict[str, dict]] = defaultdict(dict)
    for pair in by_pair.values():
        pair_table[f"{pair.first}|{pair.second}"][pair.dimension] = {
            "matches": pair.matches,
            "n": pair.n,
            "rate": pair.rate,
        }
    reviewers = sorted({r for r, _ in gold_evidence} | {r for r, _ in peer_evidence})
    rows, summary = [], []
    for reviewer in reviewers:
        entry: dict[str, Any] = {"reviewer": reviewer, "gold": {}, "peers": {}}
        for dimension in DIMENSIONS:
            for part, agreements, evidence in (
                ("gold", with_gold, gold_evidence),
                ("peer", with_peers, peer_evidence),
            ):
                estimate = _rate_estimate(agreements.get((reviewer, dimension)))
                entry["gold" if part == "gold" else "peers"][dimension] = estimate
                rows.append(
                    _score_row(
                        REVIEWER,
                        reviewer,
                        reviewer,
                        f"{part}_{dimension}",
                        estimate,
                        evidence.get((reviewer, dimension), []),
                    )
                )
        summary.append(entry)
    return summary, rows, dict(pair_table)


def _ranked_subjects(kind, scores, by_id, subject) -> tuple:
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
        rows += _subject_rows(kind, key, label, score, by_id)
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


def _outlets(outlets, truth: cm.TruthFinderResult, facts, by_id) -> tuple:
    """(score rows, summary) of the outlets, best sourcing first."""

    def subject(score: rm.SubjectScore) -> tuple:
        trust = truth.trust.get(score.name)
        return score.name, score.name, {"truthfinder_trust": trust}

    rows, summary = _ranked_subjects(OUTLET, outlets, by_id, subject)
    for name, trust in truth.trust.items():
        provided = [
            by_id[c.id].evidence()
            for fact in facts
            for c in fact.claims
            if c.outlet == name
        ]
        estimate = {"value": trust, "ci_low": None, "ci_high": None}
        estimate |= {"n": len(provided), "insufficient": False}
        rows.append(
            _score_row(OUTLET, name, name, "truthfinder_trust", estimate, provided)
        )
    return rows, summary


def _sources(sources, inputs: Inputs, by_id) -> tuple:
    """(score rows, summary) of the cited sources, best sourcing first."""

    def subject(score: rm.SubjectScore) -> tuple:
        key, label, vague = _source_subject_key(
            score.subject, _source_display(score, by_id), inputs.article_keys
        )
        return key, label, {"vague": vague}

    return _ranked_subjects(CITED_SOURCE, sources, by_id, subject)


def _reporter(attribution: cm.Attribution, by_id) -> dict:
    row = by_id[attribution.claim_id]
    return {
        "claim": attribution.claim_id,
        "gold_span_id": row.gold_span_id,
        "outlet": attribution.outlet,
        "article_id": attribution.article_id,
        "article_external_id": row.article_external_id,
        "cited_source": attribution.cited_source,
        "quote": row.quote,
    }


def _conflicts(conflicts, truth: cm.TruthFinderResult, inputs: Inputs, by_id):
    """Facts reported with different values: who reported which, how trusted."""
    return [
        {
            "fact_id": conflict.fact_id,
            "label": inputs.facts.get(conflict.fact_id, ""),
            "values": [
                {
                    "value": reported.value,
                    "confidence": truth.confidence.get(conflict.fact_id, {}).get(
                        reported.value
                    ),
                    "reported_by": [_reporter(a, by_id) for a in reported.reported_by],
                }
                for reported in conflict.values
            ],
            "truthfinder_winner": truth.winners.get(conflict.fact_id),
        }
        for conflict in conflicts
    ]


def _facts(inputs: Inputs) -> list[cm.Fact]:
    """Linked facts, each with the claims that report a value of it."""
    fact_claims: dict[int, list[rm.Claim]] = defaultdict(list)
    for row in inputs.claims:
        for fact_id, value in row.facts:
            fact_claims[fact_id].append(replace(row.claim, value=value))
    return [cm.Fact(fid, tuple(fact_claims[fid])) for fid in sorted(fact_claims)]


def reliability_compute(inputs: Inputs, params: dict[str, Any]) -> tuple[dict, list]:
    """(payload, score rows) from loaded inputs; pure apart from the inputs."""
    by_id = {row.claim.id: row for row in inputs.claims}
    claims = [row.claim for row in inputs.claims]
    mean = rm.corpus_mean(claims, inputs.rules)
    options = dict(rules=inputs.rules, corpus_mean=0.5 if mean is None else mean)
    outlets = rm.score_outlets(claims, **options, **params)
    sources = rm.score_sources(claims, inputs.alias_table, **options, **params)
    facts = _facts(inputs)
    truth = cm.truthfinder(facts)
    outlet_rows, outlet_summary = _outlets(outlets, truth, facts, by_id)
    source_rows, source_summary = _sources(sources, inputs, by_id)
    annotators, reviewer_rows, pair_table = _annotators(inputs)
    payload = {
        "version": PAYLOAD_VERSION,
        "params": params,
        "level_scores": {str(r): s for r, s in inputs.rules.level_scores.items()},
        "corpus_mean": mean,
        "claims": {
            "total": len(inputs.claims),
            "from_gold": sum(r.origin == "gold" for r in inputs.claims),
            "from_consensus": sum(r.origin == "consensus" for r in inputs.claims),
        },
        "excluded": {
            "total": sum(inputs.excluded.values()),
            "by_status": dict(sorted(inputs.excluded.items())),
        },
        "outlets": outlet_summary,
        "cited_sources": source_summary,
        "conflicts": _conflicts(cm.fact_conflicts(facts), truth, inputs, by_id),
        "truthfinder": {
            "trust": truth.trust,
            "winners": {str(k): v for k, v in truth.winners.items()},
            "iterations": truth.iterations,
            "converged": truth.converged,
        },
        "annotators": annotators,
        "annotator_pairs": pair_table,
        "warnings": inputs.warnings,
    }
    return payload, outlet_rows + source_rows + reviewer_rows
