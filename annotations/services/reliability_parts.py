"""One article's share of a session's reliability report, from loaded inputs.

`article_parts` splits `Inputs` (of one article or many) into, per article:

* ``stats``: its statistics, the document `metrics.reliability_sums` adds up;
* ``claims``: the evidence entry of each claim it scored, with ``used``, the
  (kind, key, metric) of every score the claim fed;
* ``members``: the reviewer labels beside gold and beside each other, from
  which the reviewer scores' evidence is rebuilt on request;
* ``subjects``: the (kind, key) it contributes to (the evidence index);
* ``digest``: sha256 of the three documents (equal digests, equal share).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

import orjson

from annotations.metrics import reliability as rm
from annotations.metrics.annotators import peer_pairs
from annotations.metrics.reliability_sums import DIMENSIONS
from annotations.metrics.sources import source_key
from annotations.services.reliability_inputs import ClaimRow, Inputs

OUTLET, CITED_SOURCE, REVIEWER = "outlet", "cited_source", "reviewer"
TRUST = "truthfinder_trust"


def canonical(value: Any) -> bytes:
    """Canonical JSON (sorted keys, compact, UTF-8): the same data, the same bytes."""
    return orjson.dumps(
        value, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS, default=str
    )


@dataclass
class ArticleParts:
    article_id: int
    external_id: str
    outlet: str = ""
    stats: dict[str, Any] = field(default_factory=dict)
    claims: list[dict] = field(default_factory=list)
    members: dict[str, list] = field(default_factory=lambda: {"gold": [], "units": []})
    subjects: set[tuple[str, str]] = field(default_factory=set)
    digest: str = ""


def _tally_doc(tally: rm.Tally) -> list:
    """A subject's tally as the share document keeps it."""
    scores = [list(item) for item in sorted(tally.scores.items())]
    return [scores, tally.supported, tally.contradicted, len(tally.evidence)]


def stored_source_key(key, external_id: str) -> str:
    """The subject key a source's rows are stored under: vague ones carry
    their article's external id."""
    return f"{key.name}@{external_id}" if key.vague else key.name


def _claims_feed(part: ArticleParts, rows: list[ClaimRow], inputs: Inputs) -> dict:
    """Outlet and source tallies of an article's claims; fills part.claims."""
    rules, outlets, sources = inputs.rules, defaultdict(rm.Tally), {}
    scores: Counter = Counter()
    for row in rows:
        claim = row.claim
        score = rm.claim_score(claim, rules)
        if score is not None:
            scores[score] += 1
        blame_source, blame_outlet = rm.accuracy_targets(claim, rules)
        used = [
            [OUTLET, claim.outlet, m]
            for m in outlets[claim.outlet].add(claim, score, blame_outlet)
        ]
        key = source_key(claim.cited_source, claim.article_id, inputs.alias_table)
        if key is not None:
            stored = stored_source_key(key, part.external_id)
            entry = sources.setdefault(stored, [key, rm.Tally(), None])
            fed = entry[1].add(claim, score, blame_source)
            if fed and entry[2] is None:
                entry[2] = claim.cited_source
            used += [[CITED_SOURCE, stored, m] for m in fed]
        if row.facts:
            used.append([OUTLET, claim.outlet, TRUST])
        if used:
            part.claims.append({**row.evidence(), "used": used})
            part.subjects.update((kind, key) for kind, key, _ in used)
    return {
        "scores": [list(item) for item in sorted(scores.items())],
        "outlets": {label: _tally_doc(t) for label, t in outlets.items() if t.evidence},
        "sources": {
            stored: {
                "tally": _tally_doc(tally),
                "name": key.name,
                "label": key.label,
                "article_id": key.article_id,
                "spelling": spelling,
            }
            for stored, (key, tally, spelling) in sources.items()
            if tally.evidence
        },
    }


def _fact_rows(rows: list[ClaimRow]) -> list[list]:
    return [
        [
            fact_id,
            value,
            row.claim.id,
            row.article_id,
            row.claim.outlet,
            row.claim.cited_source,
            row.claim.claim_type,
            row.claim.sourcing_rank,
            row.claim.verdict,
            row.gold_span_id,
            row.quote,
        ]
        for row in rows
        for fact_id, value in row.facts
    ]


def _member_doc(member) -> list:
    return [member.span_id, member.reviewer, member.labels]


def _reviewers_feed(part: ArticleParts, gold_members, unit_members) -> dict:
    """Per reviewer and dimension: (matches, n) with gold and with peers."""
    gold, peer, pairs = Counter(), Counter(), Counter()
    for gold_id, unit_key, gold_labels, members in gold_members:
        part.members["gold"].append(
            [gold_id, unit_key, gold_labels, [_member_doc(m) for m in members]]
        )
        for member in members:
            for dim in DIMENSIONS:
                match = member.labels[dim] == gold_labels[dim]
                gold[member.reviewer, dim, "m"] += match
                gold[member.reviewer, dim, "n"] += 1
    for unit_id, members in unit_members:
        part.members["units"].append([unit_id, [_member_doc(m) for m in members]])
        for one, other in peer_pairs(members):
            for dim in DIMENSIONS:
                match = one.labels[dim] == other.labels[dim]
                peer[one.reviewer, dim, "m"] += match
                peer[one.reviewer, dim, "n"] += 1
                if one.reviewer < other.reviewer:
                    pairs[one.reviewer, other.reviewer, dim, "m"] += match
                    pairs[one.reviewer, other.reviewer, dim, "n"] += 1
    part.subjects.update((REVIEWER, key[0]) for key in gold | peer)

    def rows(counts: Counter) -> list[list]:
        keys = sorted({key[:-1] for key in counts})
        return [[*key, counts[(*key, "m")], counts[(*key, "n")]] for key in keys]

    return {"gold": rows(gold), "peer": rows(peer), "pairs": rows(pairs)}


def article_parts(
    inputs: Inputs, outlets: dict[int, str], answers: dict[int, dict] | None = None
) -> dict[int, ArticleParts]:
    """Each article's share of ``inputs`` (every article in ``outlets``, its
    outlet label, gets one, claims or not). ``answers``: each article's
    resolved answers to the article questions {code: value}."""
    answers = answers or {}
    claims, golds, units = defaultdict(list), defaultdict(list), defaultdict(list)
    for row in inputs.claims:
        claims[row.article_id].append(row)
    for entry in inputs.gold_members:
        for member in entry[3][:1]:
            golds[member.article_id].append(entry)
    for entry in inputs.unit_members:
        units[entry[1][0].article_id].append(entry)
    parts = {}
    for article_id, outlet in outlets.items():
        external_id = inputs.article_keys.get(article_id, str(article_id))
        part = ArticleParts(article_id, external_id, outlet)
        rows = claims.get(article_id, [])
        part.stats = {
            "external_id": external_id,
            "outlet": outlet,
            "answers": answers.get(article_id, {}),
            "claims": [
                len(rows),
                sum(r.origin == "gold" for r in rows),
                sum(r.origin == "consensus" for r in rows),
            ],
            "excluded": dict(sorted(inputs.excluded.get(article_id, {}).items())),
            **_claims_feed(part, rows, inputs),
            **_reviewers_feed(
                part, golds.get(article_id, []), units.get(article_id, [])
            ),
            "facts": _fact_rows(rows),
        }
        part.digest = hashlib.sha256(
            canonical([part.stats, part.claims, part.members])
        ).hexdigest()
        parts[article_id] = part
    return parts
