"""Source reliability of a session: claims from gold/consensus scored and stored.

The maths is in `annotations.metrics.reliability`; this module chooses the input
claims (the best label of each claim), stores one `ReliabilityScore` row per
(subject, metric) with the evidence it used, and schedules coalesced recomputes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from annotations.metrics import reliability as rm
from annotations.models import (
    AgreementStatus,
    AgreementUnit,
    AnnotationSession,
    Article,
    FactLink,
    GoldSpan,
    ReliabilityReport,
    ReliabilityScore,
    SourceAlias,
    SourcingLevel,
)
from annotations.services.recompute import redis_client, tasks_run_inline

logger = logging.getLogger(__name__)

PAYLOAD_VERSION = 1
DIMENSIONS = ("claim_type", "sourcing_quality", "cited_source")
DEBOUNCE_KEY = "workbench:reliability:debounce:{session_id}"
SCORE_FIELDS = (
    "subject_label",
    "value",
    "ci_low",
    "ci_high",
    "n",
    "insufficient",
    "evidence",
)
OUTLET = ReliabilityScore.SubjectKind.OUTLET.value
CITED_SOURCE = ReliabilityScore.SubjectKind.CITED_SOURCE.value
REVIEWER = ReliabilityScore.SubjectKind.REVIEWER.value


def reliability_params() -> dict[str, Any]:
    """Prior strength, minimum evidence and bootstrap draws from settings."""
    return {
        "prior_strength": float(getattr(settings, "RELIABILITY_PRIOR_STRENGTH", 5.0)),
        "min_n": int(getattr(settings, "RELIABILITY_MIN_N", 5)),
        "draws": int(getattr(settings, "RELIABILITY_BOOTSTRAP_DRAWS", 2000)),
        "seed": 0,
        "confidence": 0.95,
    }


def outlet_label(article: Article) -> str:
    """The outlet subject of an article; each unknown-outlet article is its own."""
    if article.outlet_id is not None:
        return article.outlet.name
    return f"Unknown outlet ({article.external_id})"


# --- Inputs -------------------------------------------------------------------


@dataclass
class ClaimRow:
    """One input claim with its provenance (what its evidence entries show)."""

    claim: rm.Claim
    origin: str  # "gold" or "consensus"
    gold_span_id: int | None
    unit_id: int | None
    unit_key: str
    span_ids: list[int]
    article_id: int
    article_external_id: str
    start: int
    end: int
    quote: str
    claim_type: str
    sourcing_quality: str
    cited_source: str
    verdict: str
    facts: list[tuple[int, str]] = field(default_factory=list)  # (fact id, value)

    def evidence(self) -> dict[str, Any]:
        return {
            "claim": self.claim.id,
            "origin": self.origin,
            "gold_span_id": self.gold_span_id,
            "unit_id": self.unit_id,
            "unit_key": self.unit_key,
            "span_ids": self.span_ids,
            "article_id": self.article_id,
            "article_external_id": self.article_external_id,
            "outlet": self.claim.outlet,
            "start": self.start,
            "end": self.end,
            "quote": self.quote,
            "labels": {
                "claim_type": self.claim_type,
                "sourcing_quality": self.sourcing_quality,
                "cited_source": self.cited_source,
                "verdict": self.verdict,
            },
            "facts": [{"fact_id": fid, "value": value} for fid, value in self.facts],
        }


@dataclass
class MemberLabel:
    """One reviewer's labels on a unit (first span of theirs in the unit)."""

    span_id: int
    reviewer: str
    article_id: int
    labels: dict[str, str]


@dataclass
class Inputs:
    claims: list[ClaimRow]
    excluded: Counter
    facts: dict[int, str]  # fact id -> label
    alias_table: dict[str, str]
    level_scores: dict[int, float]
    warnings: list[str]
    # For annotators: (gold span id, unit key, gold labels, members) per gold.
    gold_members: list[tuple[int, str, dict[str, str], list[MemberLabel]]]
    # Every unit with two or more reviewers: (unit id, members).
    unit_members: list[tuple[int, list[MemberLabel]]]
    article_keys: dict[int, str]  # article id -> external id


def _level_scores(session: AnnotationSession, warnings: list[str]) -> dict:
    levels = list(
        SourcingLevel.objects.filter(scheme_id=session.scheme_id).values_list(
            "rank", "weight"
        )
    )
    ranks = [rank for rank, _ in levels] or list(rm.SOURCING_RANKS.values())
    weights = {rank: weight for rank, weight in levels}
    if levels and all(weight is not None for weight in weights.values()):
        try:
            return rm.sourcing_level_scores(ranks, weights)
        except ValueError as exc:
            warnings.append(f"sourcing weights ignored ({exc}); ranks evenly spaced")
    return rm.sourcing_level_scores(ranks)


def _member_labels(spans, alias_table: dict[str, str]) -> list[MemberLabel]:
    """One entry per reviewer (their first span), ordered by username."""
    first: dict[str, Any] = {}
    for span in sorted(spans, key=lambda s: s.pk):
        first.setdefault(span.reviewer.username, span)
    return [
        MemberLabel(
            span_id=span.pk,
            reviewer=username,
            article_id=span.article_id,
            labels={
                "claim_type": span.claim_type.code,
                "sourcing_quality": span.sourcing_quality.code,
                "cited_source": rm.normalise_source(span.cited_source, alias_table),
            },
        )
        for username, span in sorted(first.items())
    ]


def _consensus(spans, alias_table: dict[str, str]) -> dict[str, Any] | None:
    """Shared labels of an agreed unit's members; None when they differ.

    Claim type and sourcing must be identical; the cited source is the most
    common spelling after normalisation and aliases (ties: first reviewer).
    """
    members = sorted(spans, key=lambda s: (s.reviewer.username, s.pk))
    if not members:
        return None
    claim_types = {span.claim_type_id for span in members}
    levels = {span.sourcing_quality_id for span in members}
    if len(claim_types) != 1 or len(levels) != 1:
        return None
    keys = Counter(rm.normalise_source(s.cited_source, alias_table) for s in members)
    best = max(keys.values())
    cited = next(
        s.cited_source
        for s in members
        if keys[rm.normalise_source(s.cited_source, alias_table)] == best
    )
    return {
        "claim_type": members[0].claim_type,
        "sourcing_quality": members[0].sourcing_quality,
        "cited_source": cited,
        "span_ids": sorted(span.pk for span in members),
    }


def reliability_inputs_load(*, session_id: int) -> Inputs:
    """The best label of every claim of the session, and what was left out.

    A current gold span wins (rejected gold is not a claim); otherwise an agreed
    unit contributes its members' shared labels. Pending and disputed units,
    and agreed units whose members disagree, are counted as excluded.
    """
    session = AnnotationSession.objects.get(pk=session_id)
    warnings: list[str] = []
    alias_table = rm.normalise_aliases(
        dict(SourceAlias.objects.values_list("alias", "canonical"))
    )
    articles = {
        article.pk: article
        for article in Article.objects.filter(sessionarticle__session_id=session_id)
        .select_related("outlet")
        .only("pk", "external_id", "text", "outlet__name", "outlet_id")
    }
    golds = list(
        GoldSpan.objects.filter(
            session_id=session_id, is_current=True, article_id__in=articles
        )
        .select_related("claim_type", "sourcing_quality")
        .prefetch_related(
            "source_spans__reviewer",
            "source_spans__claim_type",
            "source_spans__sourcing_quality",
        )
        .order_by("article_id", "start", "end", "pk")
    )
    units = list(
        AgreementUnit.objects.filter(session_id=session_id, article_id__in=articles)
        .prefetch_related(
            "spans__reviewer", "spans__claim_type", "spans__sourcing_quality"
        )
        .order_by("article_id", "start", "end", "key")
    )
    units_by_key = {(unit.article_id, unit.key): unit for unit in units}
    links: dict[int, list[tuple[int, str]]] = defaultdict(list)
    facts: dict[int, str] = {}
    for link in (
        FactLink.objects.filter(gold_span__in=[g.pk for g in golds])
        .select_related("fact")
        .order_by("fact_id", "gold_span_id")
    ):
        links[link.gold_span_id].append((link.fact_id, link.value))
        facts[link.fact_id] = link.fact.label
    excluded: Counter = Counter()
    claims: list[ClaimRow] = []
    gold_members = []
    golden_keys = set()

    def add(row_id, origin, article_id, start, end, labels, **extra) -> None:
        article = articles[article_id]
        level = labels["sourcing_quality"]
        fact_values = extra.pop("facts", [])
        claims.append(
            ClaimRow(
                claim=rm.Claim(
                    id=row_id,
                    article_id=article_id,
                    outlet=outlet_label(article),
                    cited_source=labels["cited_source"],
                    claim_type=labels["claim_type"].code,
                    sourcing_rank=level.rank,
                    verdict=extra.get("verdict") or None,
                    value=fact_values[0][1] if fact_values else None,
                ),
                origin=origin,
                article_id=article_id,
                article_external_id=article.external_id,
                start=start,
                end=end,
                quote=article.text[start:end],
                claim_type=labels["claim_type"].code,
                sourcing_quality=level.code,
                cited_source=labels["cited_source"],
                verdict=extra.pop("verdict", "") or "",
                facts=fact_values,
                **extra,
            )
        )

    for gold in golds:
        golden_keys.add((gold.article_id, gold.unit_key))
        if gold.decision == GoldSpan.Decision.REJECTED:
            excluded["rejected"] += 1
            continue
        unit = units_by_key.get((gold.article_id, gold.unit_key))
        members = list(gold.source_spans.all()) or (
            list(unit.spans.all()) if unit else []
        )
        labels = {
            "claim_type": gold.claim_type,
            "sourcing_quality": gold.sourcing_quality,
            "cited_source": gold.cited_source,
        }
        add(
            f"gold:{gold.pk}",
            "gold",
            gold.article_id,
            gold.start,
            gold.end,
            labels,
            gold_span_id=gold.pk,
            unit_id=unit.pk if unit else gold.unit_id,
            unit_key=gold.unit_key,
            span_ids=sorted(span.pk for span in members),
            verdict=gold.verdict,
            facts=links.get(gold.pk, []),
        )
        gold_labels = {
            "claim_type": gold.claim_type.code,
            "sourcing_quality": gold.sourcing_quality.code,
            "cited_source": rm.normalise_source(gold.cited_source, alias_table),
        }
        gold_members.append(
            (
                gold.pk,
                gold.unit_key,
                gold_labels,
                _member_labels(members, alias_table),
            )
        )
    unit_members = []
    for unit in units:
        spans = list(unit.spans.all())
        members = _member_labels(spans, alias_table)
        if len(members) >= 2:
            unit_members.append((unit.pk, members))
        if (unit.article_id, unit.key) in golden_keys:
            continue
        if unit.status != AgreementStatus.AGREED:
            excluded[unit.status] += 1
            continue
        consensus = _consensus(spans, alias_table)
        if consensus is None:
            excluded["agreed_without_consensus"] += 1
            continue
        add(
            f"unit:{unit.pk}",
            "consensus",
            unit.article_id,
            unit.start,
            unit.end,
            consensus,
            gold_span_id=None,
            unit_id=unit.pk,
            unit_key=unit.key,
            span_ids=consensus["span_ids"],
        )
    claims.sort(
        key=lambda row: (row.article_external_id, row.start, row.end, row.claim.id)
    )
    return Inputs(
        claims=claims,
        excluded=excluded,
        facts=facts,
        alias_table=alias_table,
        level_scores=_level_scores(session, warnings),
        warnings=warnings,
        gold_members=gold_members,
        unit_members=unit_members,
        article_keys={pk: article.external_id for pk, article in articles.items()},
    )


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def reliability_fingerprint(inputs: Inputs, params: dict[str, Any]) -> str:
    """sha256 of everything the scores depend on (canonical JSON)."""
    data = {
        "version": PAYLOAD_VERSION,
        "params": params,
        "levels": sorted(inputs.level_scores.items()),
        "aliases": sorted(inputs.alias_table.items()),
        "claims": [row.evidence() for row in inputs.claims],
        "excluded": sorted(inputs.excluded.items()),
        "facts": sorted(inputs.facts.items()),
        "gold_members": [
            (gid, key, labels, [vars(m) for m in members])
            for gid, key, labels, members in inputs.gold_members
        ],
        "unit_members": [
            (uid, [vars(m) for m in members]) for uid, members in inputs.unit_members
        ],
    }
    return hashlib.sha256(_canonical(data).encode("utf-8")).hexdigest()


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


# --- Storing ------------------------------------------------------------------


def _scores_store(report: ReliabilityReport, rows: list[dict]) -> dict[str, int]:
    """Upsert rows on (kind, key, metric); delete subjects that vanished."""
    existing = {
        (s.subject_kind, s.subject_key, s.metric): s for s in report.scores.all()
    }
    changed, created, seen = [], [], set()
    for row in rows:
        identity = (row["subject_kind"], row["subject_key"], row["metric"])
        seen.add(identity)
        current = existing.get(identity)
        if current is None:
            created.append(ReliabilityScore(report=report, **row))
            continue
        if any(getattr(current, name) != row[name] for name in SCORE_FIELDS):
            for name in SCORE_FIELDS:
                setattr(current, name, row[name])
            changed.append(current)
    vanished = [s.pk for identity, s in existing.items() if identity not in seen]
    if vanished:
        ReliabilityScore.objects.filter(pk__in=vanished).delete()
    if changed:
        ReliabilityScore.objects.bulk_update(changed, SCORE_FIELDS, batch_size=500)
    if created:
        ReliabilityScore.objects.bulk_create(created, batch_size=500)
    return {"created": len(created), "updated": len(changed), "deleted": len(vanished)}


def reliability_recompute(
    *, session_id: int, force: bool = False, task_id: str = ""
) -> ReliabilityReport:
    """Recompute and store a session's reliability scores; no-op when unchanged.

    Runs in one transaction holding the report row's lock, so concurrent runs
    serialise and the second sees the first's fingerprint. Raises
    AnnotationSession.DoesNotExist for an unknown session.
    """
    started = time.perf_counter()
    AnnotationSession.objects.only("pk").get(pk=session_id)
    ReliabilityReport.objects.get_or_create(session_id=session_id)
    with transaction.atomic():
        report = ReliabilityReport.objects.select_for_update().get(
            session_id=session_id
        )
        params = reliability_params()
        inputs = reliability_inputs_load(session_id=session_id)
        fingerprint = reliability_fingerprint(inputs, params)
        if fingerprint == report.fingerprint and not force:
            if report.stale:
                report.stale = False
                report.save(update_fields=["stale"])
            return report
        payload, rows = reliability_compute(inputs, params)
        payload["rows"] = _scores_store(report, rows)
        report.fingerprint = fingerprint
        report.payload = payload
        report.excluded_count = payload["excluded"]["total"]
        report.computed_at = timezone.now()
        report.duration_ms = (time.perf_counter() - started) * 1000
        report.stale = False
        if task_id:
            report.task_id = task_id
        report.save()
    return report


# --- Scheduling ---------------------------------------------------------------


def _debounce_seconds() -> float:
    return float(getattr(settings, "RELIABILITY_DEBOUNCE_SECONDS", 5))


def reliability_enqueue(*, session_id: int) -> None:
    """Schedule one coalesced recompute after the current transaction commits.

    With Redis, the first call of a burst sets a `SET NX EX` key and schedules
    the task after the debounce delay; later calls in the window are dropped
    (the scheduled run reads their data). Without Redis (eager mode) the
    recompute runs inline. Errors are logged, never raised: the write that
    triggered this must not fail; the report just stays stale.
    """
    transaction.on_commit(lambda: reliability_schedule(session_id=session_id))


def reliability_schedule(*, session_id: int) -> str | None:
    """Schedule (or, in eager mode, run) the recompute now; never raises.

    Returns the task id, "inline" after an eager run, or None when a recompute
    is already scheduled for this burst (or scheduling failed, which is logged).
    """
    try:
        if tasks_run_inline():
            reliability_recompute(session_id=session_id)
            return "inline"
        from annotations.tasks import recompute_reliability

        delay = _debounce_seconds()
        key = DEBOUNCE_KEY.format(session_id=session_id)
        if not redis_client().set(key, "1", nx=True, ex=max(1, round(delay))):
            return None
        result = recompute_reliability.apply_async(args=[session_id], countdown=delay)
        ReliabilityReport.objects.filter(session_id=session_id).update(
            task_id=result.id
        )
        return result.id
    except Exception:  # a failed schedule must not fail the write
        logger.exception("reliability recompute for session %s not run", session_id)
        return None


def reliability_task_run(
    *, session_id: int, force: bool = False, task_id: str = ""
) -> dict[str, Any]:
    """What the task does: release the debounce key, then recompute.

    Releasing first means edits made while this run reads are scheduled anew
    instead of being dropped by the debounce.
    """
    if settings.REDIS_URL:
        try:
            redis_client().delete(DEBOUNCE_KEY.format(session_id=session_id))
        except Exception:  # the recompute itself still runs
            logger.warning("could not release reliability debounce key", exc_info=True)
    try:
        report = reliability_recompute(
            session_id=session_id, force=force, task_id=task_id
        )
    except AnnotationSession.DoesNotExist:
        logger.info("reliability: session %s no longer exists", session_id)
        return {"session_id": session_id, "skipped": "no such session"}
    return {
        "session_id": session_id,
        "fingerprint": report.fingerprint,
        "computed_at": report.computed_at.isoformat() if report.computed_at else None,
        "excluded_count": report.excluded_count,
    }
