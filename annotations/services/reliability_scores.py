"""Reliability scoring: outlets, cited sources and reviewers from the loaded claims.

The maths is in `annotations.metrics.reliability`; this module turns `Inputs`
into the report payload and one score row per (subject, metric) with its evidence.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from typing import Any

from annotations.metrics import reliability as rm
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


def _subject_rows(kind, key, label, score, by_id, level_scores, blamed) -> list:
    """Sourcing and accuracy rows of one subject, each with the claims it used."""
    sourcing_ids = [
        cid
        for cid in score.evidence
        if by_id[cid].claim.claim_type not in rm.UNSCORED_CLAIM_TYPES
        and by_id[cid].claim.sourcing_rank in level_scores
    ]
    accuracy_ids = [
        cid
        for cid in score.evidence
        if blamed(by_id[cid].claim)
        and by_id[cid].claim.claim_type not in rm.UNSCORED_CLAIM_TYPES
        and by_id[cid].claim.verdict in ("supported", "contradicted")
    ]
    return [
        _score_row(
            kind,
            key,
            label,
            "sourcing",
            _estimate(score.sourcing),
            [by_id[cid].evidence() for cid in sourcing_ids],
        ),
        _score_row(
            kind,
            key,
            label,
            "accuracy",
            _estimate(score.accuracy),
            [by_id[cid].evidence() for cid in accuracy_ids],
        ),
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


def normalise_source_is_alias(key: rm.SourceKey) -> bool:
    # An alias hit keeps the canonical spelling as its label; otherwise the
    # label is the normalised (lower-case) key.
    return key.label != key.name


def _source_subject_key(key: rm.SourceKey, display: str, article_keys: dict) -> tuple:
    """(subject_key, label, vague): vague sources carry their article."""
    if key.vague:
        external = article_keys.get(key.article_id, str(key.article_id))
        return f"{key.name}@{external}", f"{display} ({external})", True
    return key.name, display, False


def _annotators(inputs: Inputs) -> tuple[list[dict], list[dict], dict]:
    """Per reviewer: agreement with gold and with the other reviewers."""
    pairs = []
    gold_evidence: dict[tuple[str, str], list] = defaultdict(list)
    for gold_id, unit_key, gold_labels, members in inputs.gold_members:
        for member in members:
            for dimension in DIMENSIONS:
                label, gold = member.labels[dimension], gold_labels[dimension]
                pairs.append(rm.GoldLabel(member.reviewer, dimension, label, gold))
                gold_evidence[member.reviewer, dimension].append(
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
    with_gold = rm.annotator_agreement_with_gold(pairs)
    peer: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    peer_evidence: dict[tuple[str, str], list] = defaultdict(list)
    pair_table: dict[str, dict[str, dict]] = defaultdict(dict)
    pair_counts: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for unit_id, members in inputs.unit_members:
        for one in members:
            for other in members:
                if one.reviewer == other.reviewer:
                    continue
                for dimension in DIMENSIONS:
                    match = one.labels[dimension] == other.labels[dimension]
                    tally = peer[one.reviewer, dimension]
                    tally[0] += match
                    tally[1] += 1
                    peer_evidence[one.reviewer, dimension].append(
                        {
                            "unit_id": unit_id,
                            "span_id": one.span_id,
                            "article_id": one.article_id,
                            "other_reviewer": other.reviewer,
                            "other_span_id": other.span_id,
                            "label": one.labels[dimension],
                            "other_label": other.labels[dimension],
                            "match": match,
                        }
                    )
                    if one.reviewer < other.reviewer:
                        counts = pair_counts[one.reviewer, other.reviewer, dimension]
                        counts[0] += match
                        counts[1] += 1
    for (first, second, dimension), (matches, n) in sorted(pair_counts.items()):
        pair_table[f"{first}|{second}"][dimension] = {
            "matches": matches,
            "n": n,
            "rate": matches / n,
        }
    reviewers = sorted({r for r, _ in gold_evidence} | {r for r, _ in peer_evidence})
    rows, summary = [], []
    for reviewer in reviewers:
        entry: dict[str, Any] = {"reviewer": reviewer, "gold": {}, "peers": {}}
        for dimension in DIMENSIONS:
            agreement = with_gold.get((reviewer, dimension))
            gold_estimate = (
                {
                    "value": agreement.rate,
                    "ci_low": agreement.low,
                    "ci_high": agreement.high,
                    "n": agreement.n,
                    "matches": agreement.matches,
                    "insufficient": False,
                }
                if agreement
                else None
            )
            matches, n = peer.get((reviewer, dimension), (0, 0))
            low, high = rm.wilson_interval(matches, n)
            peer_estimate = (
                {
                    "value": matches / n,
                    "ci_low": low,
                    "ci_high": high,
                    "n": n,
                    "matches": matches,
                    "insufficient": False,
                }
                if n
                else None
            )
            entry["gold"][dimension] = gold_estimate
            entry["peers"][dimension] = peer_estimate
            rows.append(
                _score_row(
                    REVIEWER,
                    reviewer,
                    reviewer,
                    f"gold_{dimension}",
                    gold_estimate,
                    gold_evidence.get((reviewer, dimension), []),
                )
            )
            rows.append(
                _score_row(
                    REVIEWER,
                    reviewer,
                    reviewer,
                    f"peer_{dimension}",
                    peer_estimate,
                    peer_evidence.get((reviewer, dimension), []),
                )
            )
        summary.append(entry)
    return summary, rows, dict(pair_table)


def reliability_compute(inputs: Inputs, params: dict[str, Any]) -> tuple[dict, list]:
    """(payload, score rows) from loaded inputs; pure apart from the inputs."""
    by_id = {row.claim.id: row for row in inputs.claims}
    claims = [row.claim for row in inputs.claims]
    scored = [
        inputs.level_scores[c.sourcing_rank]
        for c in claims
        if c.claim_type not in rm.UNSCORED_CLAIM_TYPES
        and c.sourcing_rank in inputs.level_scores
    ]
    corpus_mean = sum(scored) / len(scored) if scored else 0.5
    options = dict(level_scores=inputs.level_scores, corpus_mean=corpus_mean, **params)
    outlets = rm.score_outlets(claims, **options)
    sources = rm.score_sources(claims, inputs.alias_table, **options)
    fact_claims: dict[int, list[rm.Claim]] = defaultdict(list)
    for row in inputs.claims:
        for fact_id, value in row.facts:
            fact_claims[fact_id].append(replace(row.claim, value=value))
    facts = [rm.Fact(fid, tuple(fact_claims[fid])) for fid in sorted(fact_claims)]
    conflicts = rm.fact_conflicts(facts)
    truth = rm.truthfinder(facts)

    rows: list[dict] = []
    outlet_summary = []
    accuracy_order = {
        s.subject: i + 1 for i, s in enumerate(rm.rank_subjects(outlets, by="accuracy"))
    }
    for rank, score in enumerate(rm.rank_subjects(outlets), start=1):
        key = label = score.name
        rows += _subject_rows(
            OUTLET,
            key,
            label,
            score,
            by_id,
            inputs.level_scores,
            lambda c: rm.accuracy_targets(c)[1],
        )
        trust = truth.trust.get(score.name)
        outlet_summary.append(
            _subject_summary(
                rank,
                key,
                label,
                score,
                accuracy_rank=accuracy_order[score.subject],
                truthfinder_trust=trust,
            )
        )
    for name, trust in truth.trust.items():
        provided = [
            by_id[c.id].evidence()
            for fact in facts
            for c in fact.claims
            if c.outlet == name
        ]
        rows.append(
            _score_row(
                OUTLET,
                name,
                name,
                "truthfinder_trust",
                {
                    "value": trust,
                    "ci_low": None,
                    "ci_high": None,
                    "n": len(provided),
                    "insufficient": False,
                },
                provided,
            )
        )
    source_summary = []
    accuracy_order = {
        s.subject: i + 1 for i, s in enumerate(rm.rank_subjects(sources, by="accuracy"))
    }
    for rank, score in enumerate(rm.rank_subjects(sources), start=1):
        key, label, vague = _source_subject_key(
            score.subject, _source_display(score, by_id), inputs.article_keys
        )
        rows += _subject_rows(
            CITED_SOURCE,
            key,
            label,
            score,
            by_id,
            inputs.level_scores,
            lambda c: rm.accuracy_targets(c)[0],
        )
        source_summary.append(
            _subject_summary(
                rank,
                key,
                label,
                score,
                accuracy_rank=accuracy_order[score.subject],
                vague=vague,
            )
        )
    conflict_list = [
        {
            "fact_id": conflict.fact_id,
            "label": inputs.facts.get(conflict.fact_id, ""),
            "values": [
                {
                    "value": reported.value,
                    "confidence": truth.confidence.get(conflict.fact_id, {}).get(
                        reported.value
                    ),
                    "reported_by": [
                        {
                            "claim": a.claim_id,
                            "gold_span_id": by_id[a.claim_id].gold_span_id,
                            "outlet": a.outlet,
                            "article_id": a.article_id,
                            "article_external_id": by_id[
                                a.claim_id
                            ].article_external_id,
                            "cited_source": a.cited_source,
                            "quote": by_id[a.claim_id].quote,
                        }
                        for a in reported.reported_by
                    ],
                }
                for reported in conflict.values
            ],
            "truthfinder_winner": truth.winners.get(conflict.fact_id),
        }
        for conflict in conflicts
    ]
    annotators, reviewer_rows, pair_table = _annotators(inputs)
    rows += reviewer_rows
    payload = {
        "version": PAYLOAD_VERSION,
        "params": params,
        "level_scores": {str(rank): s for rank, s in inputs.level_scores.items()},
        "corpus_mean": corpus_mean if scored else None,
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
        "conflicts": conflict_list,
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
    return payload, rows
