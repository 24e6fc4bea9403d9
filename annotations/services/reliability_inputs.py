"""What a reliability recompute reads: the best label of each claim, its fingerprint.

Claims come from gold spans where adjudicated, else from reviewer consensus;
cited sources are folded through the alias table before they are counted.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from annotations.metrics import reliability as rm
from annotations.metrics.sources import normalise_aliases
from annotations.models import (
    AgreementStatus,
    AgreementUnit,
    AnnotationSession,
    Article,
    ClaimType,
    FactLink,
    GoldSpan,
    SourceAlias,
    SourcingLevel,
)
from annotations.services.reliability_members import (
    MemberLabel,
    SourceKeys,
    member_labels,
    member_spans,
    unit_consensus,
)
from annotations.services.schemes import (
    DEFAULT_SOURCING_LEVELS,
    UNSCORED_CLAIM_TYPES,
    UNSUPPORTED_LEVEL,
)

PAYLOAD_VERSION = 1


def outlet_label(outlet_name: str | None, external_id: str) -> str:
    """The outlet subject of an article; each unknown-outlet article is its own."""
    if outlet_name is not None:
        return outlet_name
    return f"Unknown outlet ({external_id})"


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
class Inputs:
    claims: list[ClaimRow]
    excluded: dict[int, Counter]  # article id -> status -> units left out
    facts: dict[int, str]  # fact id -> label
    alias_table: dict[str, str]
    rules: rm.SchemeRules  # level scores and special codes of the session's scheme
    warnings: list[str]
    # For annotators: (gold span id, unit key, gold labels, members) per gold.
    gold_members: list[tuple[int, str, dict[str, str], list[MemberLabel]]]
    # Every unit with two or more reviewers: (unit id, members).
    unit_members: list[tuple[int, list[MemberLabel]]]
    article_keys: dict[int, str]  # article id -> external id


def _level_scores(levels: list[tuple], warnings: list[str]) -> dict:
    ranks = [rank for _, rank, _ in levels] or [
        rank for _, _, _, rank, _ in DEFAULT_SOURCING_LEVELS
    ]
    weights = {rank: weight for _, rank, weight in levels}
    if levels and all(weight is not None for weight in weights.values()):
        try:
            return rm.sourcing_level_scores(ranks, weights)
        except ValueError as exc:
            warnings.append(f"sourcing weights ignored ({exc}); ranks evenly spaced")
    return rm.sourcing_level_scores(ranks)


def scheme_rules(session: AnnotationSession, warnings: list[str]) -> rm.SchemeRules:
    """What the session's scheme says about scoring: level scores, special codes."""
    levels = list(
        SourcingLevel.objects.filter(scheme_id=session.scheme_id).values_list(
            "code", "rank", "weight"
        )
    )
    claim_types = ClaimType.objects.filter(scheme_id=session.scheme_id)
    return rm.SchemeRules(
        level_scores=_level_scores(levels, warnings),
        unscored_claim_types=UNSCORED_CLAIM_TYPES
        & set(claim_types.values_list("code", flat=True)),
        unsupported_rank=next(
            (rank for code, rank, _ in levels if code == UNSUPPORTED_LEVEL), None
        ),
    )


def _claim_row(
    row_id: str,
    origin: str,
    article: Article,
    start: int,
    end: int,
    labels: dict[str, Any],
    *,
    verdict: str = "",
    facts: list[tuple[int, str]] | None = None,
    **provenance: Any,
) -> ClaimRow:
    """One input claim: its scored labels and where they came from."""
    level = labels["sourcing_quality"]
    facts = facts or []
    return ClaimRow(
        claim=rm.Claim(
            id=row_id,
            article_id=article.pk,
            outlet=outlet_label(
                article.outlet.name if article.outlet_id else None, article.external_id
            ),
            cited_source=labels["cited_source"],
            claim_type=labels["claim_type"].code,
            sourcing_rank=level.rank,
            verdict=verdict or None,
            value=facts[0][1] if facts else None,
        ),
        origin=origin,
        article_id=article.pk,
        article_external_id=article.external_id,
        start=start,
        end=end,
        quote=article.text[start:end],
        claim_type=labels["claim_type"].code,
        sourcing_quality=level.code,
        cited_source=labels["cited_source"],
        verdict=verdict or "",
        facts=facts,
        **provenance,
    )


def _fact_links(golds: list[GoldSpan]) -> tuple[dict, dict[int, str]]:
    """(gold span id -> [(fact id, value)], fact id -> label) of the gold spans."""
    links: dict[int, list[tuple[int, str]]] = defaultdict(list)
    facts: dict[int, str] = {}
    for link in (
        FactLink.objects.filter(gold_span__in=[g.pk for g in golds])
        .select_related("fact")
        .order_by("fact_id", "gold_span_id")
    ):
        links[link.gold_span_id].append((link.fact_id, link.value))
        facts[link.fact_id] = link.fact.label
    return links, facts


def _gold_claims(
    golds, units_by_key, unit_spans, links, *, session_id, articles, keys, excluded
):
    """(claims, gold members) of the current gold; rejected ones go to excluded."""
    gold_sources = member_spans(
        GoldSpan.source_spans.through,
        "goldspan_id",
        goldspan__session_id=session_id,
        goldspan__is_current=True,
        goldspan__article_id__in=list(articles),
    )
    claims, gold_members = [], []
    for gold in golds:
        if gold.decision == GoldSpan.Decision.REJECTED:
            excluded[gold.article_id]["rejected"] += 1
            continue
        unit = units_by_key.get((gold.article_id, gold.unit_key))
        members = gold_sources.get(gold.pk) or (
            unit_spans.get(unit.pk, []) if unit else []
        )
        labels = {
            "claim_type": gold.claim_type,
            "sourcing_quality": gold.sourcing_quality,
            "cited_source": gold.cited_source,
        }
        claims.append(
            _claim_row(
                f"gold:{gold.pk}",
                "gold",
                articles[gold.article_id],
                gold.start,
                gold.end,
                labels,
                verdict=gold.verdict,
                facts=links.get(gold.pk, []),
                gold_span_id=gold.pk,
                unit_id=unit.pk if unit else gold.unit_id,
                unit_key=gold.unit_key,
                span_ids=sorted(span.pk for span in members),
            )
        )
        gold_labels = {
            "claim_type": gold.claim_type.code,
            "sourcing_quality": gold.sourcing_quality.code,
            "cited_source": keys[gold.cited_source],
        }
        members = member_labels(members, keys)
        gold_members.append((gold.pk, gold.unit_key, gold_labels, members))
    return claims, gold_members


def _unit_claims(units, unit_spans, golden_keys, *, articles, keys, excluded):
    """(claims, members of units of two or more) of agreed units without gold."""
    claims, unit_members = [], []
    for unit in units:
        spans = unit_spans.get(unit.pk, [])
        members = member_labels(spans, keys)
        if len(members) >= 2:
            unit_members.append((unit.pk, members))
        if (unit.article_id, unit.key) in golden_keys:
            continue
        if unit.status != AgreementStatus.AGREED:
            excluded[unit.article_id][unit.status] += 1
            continue
        consensus = unit_consensus(spans, keys)
        if consensus is None:
            excluded[unit.article_id]["agreed_without_consensus"] += 1
            continue
        claims.append(
            _claim_row(
                f"unit:{unit.pk}",
                "consensus",
                articles[unit.article_id],
                unit.start,
                unit.end,
                consensus,
                gold_span_id=None,
                unit_id=unit.pk,
                unit_key=unit.key,
                span_ids=consensus["span_ids"],
            )
        )
    return claims, unit_members


def _session_rows(session_id: int, article_ids) -> tuple[dict, list, list, dict]:
    """(articles by id, current gold spans, units, unit member spans) of a
    session, or of some of its articles (``article_ids``, None: all)."""
    articles = Article.objects.filter(sessionarticle__session_id=session_id)
    if article_ids is not None:
        articles = articles.filter(pk__in=list(article_ids))
    articles = {
        article.pk: article
        for article in articles.select_related("outlet").only(
            "pk", "external_id", "text", "outlet__name", "outlet_id"
        )
    }
    golds = list(
        GoldSpan.objects.filter(
            session_id=session_id, is_current=True, article_id__in=articles
        )
        .select_related("claim_type", "sourcing_quality")
        .order_by("article_id", "start", "end", "pk")
    )
    units = list(
        AgreementUnit.objects.filter(session_id=session_id, article_id__in=articles)
        .only("pk", "article_id", "key", "start", "end", "status")
        .order_by("article_id", "start", "end", "key")
    )
    unit_spans = member_spans(
        AgreementUnit.spans.through,
        "agreementunit_id",
        agreementunit__session_id=session_id,
        agreementunit__article_id__in=list(articles),
    )
    return articles, golds, units, unit_spans


def session_aliases() -> dict[str, str]:
    """The alias table, keys normalised (what cited sources are folded through)."""
    return normalise_aliases(
        dict(SourceAlias.objects.values_list("alias", "canonical"))
    )


def reliability_inputs_load(
    *,
    session_id: int,
    article_ids: list[int] | None = None,
    alias_table: dict[str, str] | None = None,
    rules: rm.SchemeRules | None = None,
) -> Inputs:
    """The best label of every claim of the session (or of ``article_ids``),
    and what was left out. ``alias_table`` and ``rules``: what the caller
    already read (a chunked recompute reads them once); None reads them.

    A current gold span wins (rejected gold is not a claim); otherwise an agreed
    unit contributes its members' shared labels. Pending and disputed units,
    and agreed units whose members disagree, are counted as excluded.
    """
    session = AnnotationSession.objects.get(pk=session_id)
    warnings: list[str] = []
    if alias_table is None:
        alias_table = session_aliases()
    if rules is None:
        rules = scheme_rules(session, warnings)
    keys = SourceKeys(alias_table)
    articles, golds, units, unit_spans = _session_rows(session_id, article_ids)
    units_by_key = {(unit.article_id, unit.key): unit for unit in units}
    links, facts = _fact_links(golds)
    excluded: dict[int, Counter] = defaultdict(Counter)
    gold_claims, gold_members = _gold_claims(
        golds,
        units_by_key,
        unit_spans,
        links,
        session_id=session_id,
        articles=articles,
        keys=keys,
        excluded=excluded,
    )
    golden_keys = {(gold.article_id, gold.unit_key) for gold in golds}
    unit_claims, unit_members = _unit_claims(
        units,
        unit_spans,
        golden_keys,
        articles=articles,
        keys=keys,
        excluded=excluded,
    )
    claims = sorted(
        gold_claims + unit_claims,
        key=lambda row: (row.article_external_id, row.start, row.end, row.claim.id),
    )
    return Inputs(
        claims=claims,
        excluded=excluded,
        facts=facts,
        alias_table=alias_table,
        rules=rules,
        warnings=warnings,
        gold_members=gold_members,
        unit_members=unit_members,
        article_keys={pk: article.external_id for pk, article in articles.items()},
    )
