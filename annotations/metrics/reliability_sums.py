"""A session's reliability statistics as a sum over its articles.

Every figure of a reliability report is a function of sums over articles
(docs/reliability.md, "Incremental recompute"): per outlet and cited source the
claims' sourcing-rank counts, supported and contradicted verdicts and the
number of claims; per reviewer and dimension the matches and comparisons, with
gold and with peers; per reviewer pair the same; the corpus's rank counts; the
fact claims (few) that TruthFinder and the conflicts read. One article's share
is a plain JSON document (``article_stats`` builds it in the service); this
module adds and subtracts such documents and scores the sums. No Django.

Document layout (lists of pairs, so JSON keeps the numbers' type):

* ``external_id``, ``outlet`` (label), ``answers`` ({question code: value});
* ``claims``: [total, from_gold, from_consensus]; ``excluded``: {status: n};
* ``scores``: [[level score, n]] of every scored claim (the corpus mean);
* ``outlets``: {label: tally}; ``sources``: {stored key: {"tally", "name",
  "label", "article_id" (vague sources only), "spelling"}}, where
  ``tally = [[[level score, n]], supported, contradicted, claims]``;
* ``gold``, ``peer``: [[reviewer, dimension, matches, n]];
  ``pairs``: [[first, second, dimension, matches, n]];
* ``facts``: [[fact_id, value, claim_id, article_id, outlet, cited_source,
  claim_type, rank, verdict, gold_span_id, quote]].
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from annotations.metrics import reliability as rm
from annotations.metrics.sources import SourceKey

# The labels reviewers are compared on, with gold and with each other.
DIMENSIONS = ("claim_type", "sourcing_quality", "cited_source")


@dataclass
class SubjectSum:
    scores: Counter = field(default_factory=Counter)  # level score -> claims
    supported: int = 0
    contradicted: int = 0
    n: int = 0  # distinct claims in evidence

    def add(self, tally: list, sign: int) -> None:
        scores, supported, contradicted, n = tally
        for score, count in scores:
            self.scores[score] += sign * count
            if not self.scores[score]:
                del self.scores[score]
        self.supported += sign * supported
        self.contradicted += sign * contradicted
        self.n += sign * n


@dataclass
class SourceSum(SubjectSum):
    name: str = ""
    label: str = ""
    article_id: int | None = None  # vague sources are per article
    spellings: dict[str, str] = field(default_factory=dict)  # external id -> text

    def display(self) -> str:
        """The alias's canonical name, else the first spelling (article order)."""
        if self.label != self.name or not self.spellings:
            return self.label
        first = self.spellings[min(self.spellings)]
        return " ".join(first.split()) or self.label


def _counts_add(target: dict, key: tuple, matches: int, n: int, sign: int) -> None:
    current = target.get(key, (0, 0))
    total = (current[0] + sign * matches, current[1] + sign * n)
    if total[1]:
        target[key] = total
    else:
        target.pop(key, None)


@dataclass
class SessionSums:
    """The sum of a session's article documents; add and subtract them."""

    claims: list[int] = field(default_factory=lambda: [0, 0, 0])
    excluded: Counter = field(default_factory=Counter)
    scores: Counter = field(default_factory=Counter)  # level score -> claims
    outlets: dict[str, SubjectSum] = field(default_factory=dict)
    sources: dict[str, SourceSum] = field(default_factory=dict)
    gold: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    peer: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    pairs: dict[tuple[str, str, str], tuple[int, int]] = field(default_factory=dict)
    facts: dict[str, list] = field(default_factory=dict)  # external id -> claims
    # external id -> (outlet label, {question code: resolved answer})
    answers: dict[str, tuple[str, dict]] = field(default_factory=dict)
    articles: int = 0

    def add(self, doc: Mapping[str, Any], sign: int = 1) -> None:
        self.articles += sign
        self.claims = [
            a + sign * b for a, b in zip(self.claims, doc["claims"], strict=False)
        ]
        for status, count in doc["excluded"].items():
            self.excluded[status] += sign * count
        self.excluded = +self.excluded
        for score, count in doc["scores"]:
            self.scores[score] += sign * count
        self.scores = +self.scores
        for label, tally in doc["outlets"].items():
            self._subject_add(self.outlets, label, SubjectSum(), tally, sign)
        for key, entry in doc["sources"].items():
            blank = SourceSum(name=entry["name"], label=entry["label"])
            blank.article_id = entry["article_id"]
            source = self._subject_add(self.sources, key, blank, entry["tally"], sign)
            if source is not None and entry["spelling"] is not None:
                if sign > 0:
                    source.spellings[doc["external_id"]] = entry["spelling"]
                else:
                    source.spellings.pop(doc["external_id"], None)
        for target, rows in ((self.gold, doc["gold"]), (self.peer, doc["peer"])):
            for reviewer, dimension, matches, n in rows:
                _counts_add(target, (reviewer, dimension), matches, n, sign)
        for first, second, dimension, matches, n in doc["pairs"]:
            _counts_add(self.pairs, (first, second, dimension), matches, n, sign)
        for target, value in (
            (self.facts, doc["facts"]),
            (self.answers, (doc["outlet"], doc["answers"]) if doc["answers"] else None),
        ):
            if value and sign > 0:
                target[doc["external_id"]] = value
            elif value:
                target.pop(doc["external_id"], None)

    @staticmethod
    def _subject_add(subjects: dict, key: str, blank, tally: list, sign: int):
        subject = subjects.setdefault(key, blank)
        subject.add(tally, sign)
        if subject.n <= 0:
            del subjects[key]
            return None
        return subject

    def corpus_mean(self) -> float | None:
        return rm.mean_from_counts(self.scores)

    def fact_claims(self) -> list[tuple[int, rm.Claim, dict]]:
        """(fact id, claim with the value, reporter fields) in article order."""
        out = []
        for external_id in sorted(self.facts):
            for fid, value, cid, aid, *labels, gold, quote in self.facts[external_id]:
                outlet, cited, ctype, rank, verdict = labels
                claim = rm.Claim(cid, aid, outlet, cited, ctype, rank, verdict, value)
                reporter = {"gold_span_id": gold, "quote": quote}
                out.append((fid, claim, reporter | {"external_id": external_id}))
        return out


def subject_scores(
    sums: SessionSums, mean: float, options: dict
) -> tuple[dict[str, rm.SubjectScore], dict[SourceKey, tuple]]:
    """(outlet label -> score, source -> (stored key, its sum, score)) of the
    sums. A source's score is named by its normalised key (the ranking's tie
    break); ``SourceSum.display`` gives the name to show."""
    outlets = {
        label: rm.subject_score(
            label,
            label,
            s.scores,
            s.supported,
            s.contradicted,
            n=s.n,
            mean=mean,
            options=options,
        )
        for label, s in sums.outlets.items()
    }
    sources = {}
    for key, s in sums.sources.items():
        subject = SourceKey(s.name, s.article_id, s.label)
        sources[subject] = (
            key,
            s,
            rm.subject_score(
                subject,
                s.label,
                s.scores,
                s.supported,
                s.contradicted,
                n=s.n,
                mean=mean,
                options=options,
            ),
        )
    return outlets, sources
