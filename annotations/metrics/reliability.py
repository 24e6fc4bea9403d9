"""Reliability of outlets, sources and annotators: scores, consistency, gold."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from statistics import NormalDist
from typing import Literal

import numpy as np

SOURCING_RANKS = {
    "primary_document": 1,
    "named_on_record": 2,
    "named_institution": 3,
    "secondary_media": 4,
    "anonymous_vague": 5,
    "unsupported": 6,
}
UNSUPPORTED_RANK = SOURCING_RANKS["unsupported"]
# Opinions are not checkable facts: they carry no sourcing score and no verdict.
UNSCORED_CLAIM_TYPES = frozenset({"opinion_not_claim"})
Verdict = Literal["supported", "contradicted", "unverifiable"]

# --- Source names -------------------------------------------------------------

# Deleted, not spaced: "U.S." -> "us", "Pakistan's" -> "pakistans".
_URL_PREFIX = re.compile(r"^(?:[a-z][a-z0-9+.-]*://)?(?:www\.)?")
_JOINING_MARKS = frozenset("'.\u2018\u2019\u02bc")
# Heads that make an attribution vague when nothing names a person or body.
VAGUE_PLURAL_HEADS = frozenset(
    "sources officials analysts observers experts reports critics diplomats insiders "
    "residents witnesses eyewitnesses people aides authorities circles quarters "
    "commentators officers figures leaders members locals villagers accounts "
    "rumours rumors estimates media".split()
)
VAGUE_SINGULAR_HEADS = frozenset(
    "source official analyst observer expert diplomat insider resident witness "
    "aide officer spokesman spokeswoman spokesperson person report".split()
)
# Singular heads are vague only after one of these ("an official", "a source").
_INDEFINITE = frozenset("a an one another unnamed anonymous unidentified".split())
# Modifiers that describe without naming.  An unknown modifier ("isi officials")
# is taken to name someone, so the list errs towards "named".
VAGUE_MODIFIERS = _INDEFINITE | frozenset(
    "the some several many most few various certain other unnamed anonymous "
    "unidentified senior top high ranking level junior "
    "local foreign international western regional government official security "
    "diplomatic military intelligence political police defence defense independent "
    "informed reliable credible knowledgeable concerned relevant "
    "number handful group couple of two three four five dozen dozens us "
    "afghan pakistani indian american british chinese iranian russian saudi "
    "turkish european arab israeli palestinian qatari emirati french german "
    "taliban baloch kashmiri bangladeshi tribal provincial federal state "
    "news media medical hospital rescue party administration".split()
)
# Words that end the descriptive part: "sources close to ...", "officials said".
_TAIL_WORDS = frozenset(
    "familiar close in of at within from who with speaking privy aware involved "
    "said say says told claimed claim believe believed quoted cited".split()
)
VAGUE_PHRASES = frozenset(
    "some|they|many|others|it is understood|it is believed|it is said|sources say|"
    "social media|unnamed|anonymous".split("|")
)


def normalise_source(text: str, aliases: Mapping[str, str] | None = None) -> str:
    """Casefolded, punctuation-free, single-spaced form, then the alias lookup.

    A leading URL scheme and "www." are dropped.  Letters, digits and
    combining marks of any script are kept; format
    characters (the zero-width joiners of Persian and Urdu) are dropped; any
    other character becomes a space.  ``aliases`` maps a *normalised* alias to a
    canonical display name, which is returned as is.
    """
    folded = unicodedata.normalize("NFKC", text).casefold().strip()
    folded = _URL_PREFIX.sub("", folded)
    chars = []
    for char in folded:
        category = unicodedata.category(char)
        if char in _JOINING_MARKS or category == "Cf":
            continue
        chars.append(char if category[0] in "LNM" else " ")
    key = " ".join("".join(chars).split())
    return aliases.get(key, key) if aliases else key


def normalise_aliases(aliases: Mapping[str, str] | None) -> dict[str, str]:
    """Alias table with normalised keys, plus each canonical name as its own key."""
    table = {normalise_source(alias): name for alias, name in (aliases or {}).items()}
    # The canonical spelling maps to itself, so it is displayed the same way.
    for name in set(table.values()):
        table.setdefault(normalise_source(name), name)
    return table


def is_vague_source(normalised: str) -> bool:
    """Whether a normalised attribution names nobody ("diplomatic sources").

    Vague when the whole text is a stock phrase, or when it reads
    ``[modifiers] head [tail]`` with every modifier in ``VAGUE_MODIFIERS``, a
    plural head in ``VAGUE_PLURAL_HEADS`` (or a singular head after "a", "an",
    "one", "unnamed"...) and a tail opening with a word such as "familiar",
    "close", "in" or "said".
    """
    text = normalised.removeprefix("according to ").strip()
    if not text:
        return False
    if text in VAGUE_PHRASES:
        return True
    tokens = text.split()
    for position, token in enumerate(tokens):
        plural = token in VAGUE_PLURAL_HEADS
        if not plural and token not in VAGUE_SINGULAR_HEADS:
            continue
        modifiers, tail = tokens[:position], tokens[position + 1 :]
        if tail and tail[0] not in _TAIL_WORDS:
            continue
        if not all(word in VAGUE_MODIFIERS or word.isdigit() for word in modifiers):
            return False
        return plural or bool(_INDEFINITE.intersection(modifiers))
    return False


@dataclass(frozen=True)
class SourceKey:
    """Who a claim is attributed to; vague sources carry their article's id."""

    name: str  # normalised canonical name
    article_id: Hashable | None = None
    label: str = field(default="", compare=False)  # display name

    @property
    def vague(self) -> bool:
        return self.article_id is not None


def source_key(
    cited_source: str | None,
    article_id: Hashable,
    aliases: Mapping[str, str] | None = None,
) -> SourceKey | None:
    """Subject a cited source is scored under; None when nothing is cited.

    A vague source ("officials") is a different subject in every article, since
    nothing shows two outlets' "officials" are the same people.  An alias hit is
    always a named source.
    """
    key = normalise_source(cited_source or "")
    if not key:
        return None
    if aliases and key in aliases:
        canonical = aliases[key]
        return SourceKey(normalise_source(canonical), None, canonical)
    if is_vague_source(key):
        return SourceKey(key, article_id, key)
    return SourceKey(key, None, key)


# --- Estimates ----------------------------------------------------------------


@dataclass(frozen=True)
class ScoreEstimate:
    """A point estimate and interval; all None when ``insufficient``."""

    value: float | None
    low: float | None
    high: float | None
    n: int
    insufficient: bool


def sourcing_level_scores(
    ranks: Sequence[int] = tuple(SOURCING_RANKS.values()),
    weights: Mapping[int, float] | None = None,
) -> dict[int, float]:
    """Score per rank: best (lowest) rank 1.0, worst 0.0, evenly spaced.

    ``weights`` (rank -> raw score, higher is better, non-increasing as the rank
    worsens) replaces the even spacing; it is rescaled so the ends stay 1 and 0.
    """
    ordered = sorted(set(ranks))
    if len(ordered) < 2:
        raise ValueError("need at least two sourcing ranks")
    if weights is None:
        last = len(ordered) - 1
        return {rank: 1.0 - index / last for index, rank in enumerate(ordered)}
    missing = [rank for rank in ordered if rank not in weights]
    if missing:
        raise ValueError(f"no weight for ranks {missing}")
    raw = [float(weights[rank]) for rank in ordered]
    if any(worse > better for better, worse in zip(raw, raw[1:], strict=False)):
        raise ValueError("weights must not increase as the rank worsens")
    best, worst = raw[0], raw[-1]
    if best == worst:
        raise ValueError("best and worst rank need different weights")
    return {
        rank: (w - worst) / (best - worst) for rank, w in zip(ordered, raw, strict=True)
    }


def sourcing_score(
    claim_scores: Sequence[float],
    *,
    corpus_mean: float,
    prior_strength: float = 5.0,
    min_n: int = 5,
    draws: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> ScoreEstimate:
    """Mean claim score shrunk towards ``corpus_mean``, with a bootstrap interval.

    value = (prior_strength * corpus_mean + sum(x)) / (prior_strength + n).  The
    interval is the percentile interval of the same shrunk mean over ``draws``
    resamples of the claims.  Claim scores take few distinct values, so a
    resample is drawn as multinomial counts of those values: the same
    distribution as resampling claims, in memory independent of n.
    """
    if prior_strength <= 0 or draws < 1 or not 0 < confidence < 1:
        raise ValueError("need prior_strength > 0, draws >= 1, 0 < confidence < 1")
    scores = np.asarray(claim_scores, dtype=float)
    n = int(scores.size)
    if n == 0 or n < min_n:
        return ScoreEstimate(None, None, None, n, True)
    prior_mass = prior_strength * corpus_mean
    value = (prior_mass + float(scores.sum())) / (prior_strength + n)
    distinct, counts = np.unique(scores, return_counts=True)
    rng = np.random.default_rng(seed)
    resampled = rng.multinomial(n, counts / n, size=draws)
    shrunk = (prior_mass + resampled @ distinct) / (prior_strength + n)
    tail = (1.0 - confidence) / 2
    low, high = np.quantile(shrunk, [tail, 1.0 - tail])
    return ScoreEstimate(value, float(low), float(high), n, False)


_CF_MAX_TERMS = 10_000
_CF_EPSILON = 1e-15
_TINY = 1e-300


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """Continued fraction of I_x(a, b), modified Lentz (Numerical Recipes betacf)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    result = d
    for m in range(1, _CF_MAX_TERMS + 1):
        m2 = 2 * m
        for numerator in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > _TINY else _TINY)
            c = 1.0 + numerator / c
            c = c if abs(c) > _TINY else _TINY
            delta = d * c
            result *= delta
        if abs(delta - 1.0) < _CF_EPSILON:
            return result
    raise ArithmeticError(f"incomplete beta did not converge for a={a}, b={b}")


def beta_cdf(x: float, a: float, b: float) -> float:
    """Regularised incomplete beta I_x(a, b), the CDF of Beta(a, b) at x."""
    if a <= 0 or b <= 0:
        raise ValueError("a and b must be positive")
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        math.lgamma(a + b)
        - math.lgamma(a)
        - math.lgamma(b)
        + a * math.log(x)
        + b * math.log1p(-x)
    )
    front = math.exp(log_front)
    # The fraction converges fast below the mean-ish point; use symmetry above it.
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _beta_continued_fraction(a, b, x) / a
    return 1.0 - front * _beta_continued_fraction(b, a, 1.0 - x) / b


def beta_quantile(p: float, a: float, b: float) -> float:
    """Inverse of ``beta_cdf`` by bisection (the CDF is monotone).

    The bracket shrinks to a relative width of 1e-15, so tiny quantiles of a
    steep density (a < 1) are as precise as large ones.
    """
    if not 0.0 <= p <= 1.0:
        raise ValueError("p must lie in [0, 1]")
    if p in (0.0, 1.0):
        return p
    low, high = 0.0, 1.0
    while high - low > 1e-15 * high:
        middle = (low + high) / 2
        if middle in (low, high):
            break
        if beta_cdf(middle, a, b) < p:
            low = middle
        else:
            high = middle
    return (low + high) / 2


def accuracy_score(
    supported: int, contradicted: int, *, confidence: float = 0.95
) -> ScoreEstimate:
    """Posterior Beta(1 + s, 1 + c) mean and equal-tailed credible interval."""
    if supported < 0 or contradicted < 0 or not 0 < confidence < 1:
        raise ValueError("counts must be >= 0 and 0 < confidence < 1")
    a, b = 1.0 + supported, 1.0 + contradicted
    tail = (1.0 - confidence) / 2
    return ScoreEstimate(
        value=a / (a + b),
        low=beta_quantile(tail, a, b),
        high=beta_quantile(1.0 - tail, a, b),
        n=supported + contradicted,
        insufficient=False,
    )


# --- Claims, outlets and sources ----------------------------------------------


@dataclass(frozen=True)
class Claim:
    id: Hashable
    article_id: Hashable
    outlet: str
    cited_source: str  # raw text as annotated; "" when the outlet speaks itself
    claim_type: str
    sourcing_rank: int | None  # 1 = primary_document ... 6 = unsupported
    verdict: Verdict | None = None
    value: str | None = None  # the asserted value, for linking facts


def accuracy_targets(claim: Claim) -> tuple[bool, bool]:
    """(blame_source, blame_outlet): whom a verdict on this claim speaks about.

    The cited source answers for what it is quoted as saying; the outlet only
    for claims in its own voice (nothing cited, or sourcing 'unsupported').
    """
    if claim.claim_type in UNSCORED_CLAIM_TYPES:
        return False, False
    cited = bool(normalise_source(claim.cited_source or ""))
    return cited, not cited or claim.sourcing_rank == UNSUPPORTED_RANK


@dataclass(frozen=True)
class SubjectScore:
    subject: Hashable  # outlet name or SourceKey
    name: str
    sourcing: ScoreEstimate
    accuracy: ScoreEstimate | None  # None without a supported/contradicted verdict
    supported: int
    contradicted: int
    n: int  # distinct claims in evidence
    evidence: tuple[Hashable, ...]  # claim ids, input order


@dataclass
class _Tally:
    name: str
    scores: list[float] = field(default_factory=list)
    supported: int = 0
    contradicted: int = 0
    evidence: dict[Hashable, None] = field(default_factory=dict)


def _score_subjects(
    assignments: Iterable[tuple[Hashable, str, Claim, bool]],
    level_scores: Mapping[int, float] | None,
    corpus_mean: float | None,
    options: dict,
) -> dict[Hashable, SubjectScore]:
    levels = sourcing_level_scores() if level_scores is None else level_scores
    tallies: dict[Hashable, _Tally] = {}
    all_scores: list[float] = []
    for subject, name, claim, blamed in assignments:
        tally = tallies.setdefault(subject, _Tally(name))
        used = False
        if claim.claim_type not in UNSCORED_CLAIM_TYPES:
            if claim.sourcing_rank is not None:
                if claim.sourcing_rank not in levels:
                    raise ValueError(f"claim {claim.id!r}: unknown sourcing rank")
                tally.scores.append(levels[claim.sourcing_rank])
                all_scores.append(levels[claim.sourcing_rank])
                used = True
            if blamed and claim.verdict in ("supported", "contradicted"):
                tally.supported += claim.verdict == "supported"
                tally.contradicted += claim.verdict == "contradicted"
                used = True
        if used:
            tally.evidence[claim.id] = None
    if corpus_mean is None:
        corpus_mean = sum(all_scores) / len(all_scores) if all_scores else 0.5
    confidence = options.get("confidence", 0.95)
    return {
        subject: SubjectScore(
            subject=subject,
            name=tally.name,
            sourcing=sourcing_score(tally.scores, corpus_mean=corpus_mean, **options),
            accuracy=accuracy_score(
                tally.supported, tally.contradicted, confidence=confidence
            )
            if tally.supported + tally.contradicted
            else None,
            supported=tally.supported,
            contradicted=tally.contradicted,
            n=len(tally.evidence),
            evidence=tuple(tally.evidence),
        )
        for subject, tally in tallies.items()
        if tally.evidence
    }


def score_outlets(
    claims: Iterable[Claim],
    *,
    level_scores: Mapping[int, float] | None = None,
    corpus_mean: float | None = None,
    prior_strength: float = 5.0,
    min_n: int = 5,
    draws: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> dict[str, SubjectScore]:
    """Sourcing of every claim an outlet published; accuracy of its own voice.

    ``corpus_mean`` defaults to the mean score of all scored claims given.
    """
    return _score_subjects(
        ((c.outlet, c.outlet, c, accuracy_targets(c)[1]) for c in claims),
        level_scores,
        corpus_mean,
        dict(
            prior_strength=prior_strength,
            min_n=min_n,
            draws=draws,
            seed=seed,
            confidence=confidence,
        ),
    )


def score_sources(
    claims: Iterable[Claim],
    aliases: Mapping[str, str] | None = None,
    *,
    level_scores: Mapping[int, float] | None = None,
    corpus_mean: float | None = None,
    prior_strength: float = 5.0,
    min_n: int = 5,
    draws: int = 2000,
    seed: int = 0,
    confidence: float = 0.95,
) -> dict[SourceKey, SubjectScore]:
    """Per cited source: how it is sourced, and the verdicts on what it said.

    ``aliases`` keys may be in any form; they are normalised here.
    """
    table = normalise_aliases(aliases)

    def assignments() -> Iterable[tuple[Hashable, str, Claim, bool]]:
        for claim in claims:
            key = source_key(claim.cited_source, claim.article_id, table)
            if key is not None:
                yield key, key.label, claim, accuracy_targets(claim)[0]

    return _score_subjects(
        assignments(),
        level_scores,
        corpus_mean,
        dict(
            prior_strength=prior_strength,
            min_n=min_n,
            draws=draws,
            seed=seed,
            confidence=confidence,
        ),
    )


def rank_subjects(
    scores: Mapping[Hashable, SubjectScore] | Iterable[SubjectScore],
    *,
    by: Literal["sourcing", "accuracy"] = "sourcing",
) -> list[SubjectScore]:
    """Best first; insufficient or missing estimates last; ties by name."""
    items = scores.values() if isinstance(scores, Mapping) else scores

    def order(item: SubjectScore) -> tuple:
        estimate = item.sourcing if by == "sourcing" else item.accuracy
        value = None if estimate is None else estimate.value
        return (value is None, -(value or 0.0), item.name, repr(item.subject))

    return sorted(items, key=order)


# --- Cross-article consistency ------------------------------------------------

_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Fact:
    """One real-world quantity or statement, linked across articles."""

    id: Hashable
    claims: tuple[Claim, ...]


def value_key(value: str) -> tuple:
    """Equality key: the numbers in order if any, else the normalised text."""
    text = unicodedata.normalize("NFKC", value)
    numbers = tuple(float(match.replace(",", "")) for match in _NUMBER.findall(text))
    return ("number", numbers) if numbers else ("text", normalise_source(text))


@dataclass(frozen=True)
class Attribution:
    claim_id: Hashable
    outlet: str
    article_id: Hashable
    cited_source: str


@dataclass(frozen=True)
class ReportedValue:
    value: str  # raw text of its first claim
    reported_by: tuple[Attribution, ...]


@dataclass(frozen=True)
class FactConflict:
    fact_id: Hashable
    values: tuple[ReportedValue, ...]  # most reported first, then by text


def _reported_values(fact: Fact) -> list[tuple[tuple, ReportedValue]]:
    groups: dict[tuple, list[Claim]] = {}
    for claim in fact.claims:
        if claim.value and claim.value.strip():
            groups.setdefault(value_key(claim.value), []).append(claim)
    reported = [
        (
            key,
            ReportedValue(
                members[0].value.strip(),
                tuple(
                    Attribution(c.id, c.outlet, c.article_id, c.cited_source)
                    for c in members
                ),
            ),
        )
        for key, members in groups.items()
    ]
    reported.sort(key=lambda pair: (-len(pair[1].reported_by), pair[1].value))
    return reported


def fact_conflicts(facts: Iterable[Fact]) -> list[FactConflict]:
    """Facts reported with more than one distinct value, with who said which."""
    conflicts = []
    for fact in facts:
        reported = _reported_values(fact)
        if len(reported) > 1:
            conflicts.append(FactConflict(fact.id, tuple(r for _, r in reported)))
    return conflicts


@dataclass(frozen=True)
class TruthFinderResult:
    trust: dict[str, float]  # outlet -> trustworthiness
    confidence: dict[Hashable, dict[str, float]]  # fact id -> value -> confidence
    winners: dict[Hashable, str]  # fact id -> most confident value
    iterations: int
    converged: bool


_MAX_TRUST = 1.0 - 1e-12  # keeps -ln(1 - t) finite


def truthfinder(
    facts: Iterable[Fact],
    *,
    iterations: int = 20,
    initial_trust: float = 0.9,
    dampening: float = 0.3,
    rho: float = 0.5,
    tol: float = 1e-6,
) -> TruthFinderResult:
    """TruthFinder (Yin, Han & Yu 2007) with outlets as providers.

    A provided fact is (fact id, value); an outlet that reports it in several
    articles provides it once.  Values of one fact are mutually exclusive:
    implication(f' -> f) = -1, so sigma*(f) = sigma(f) - rho * (sum of the other
    values' sigma).  See docs/reliability.md.
    """
    outlets: dict[str, int] = {}
    edges: set[tuple[int, int]] = set()
    value_fact: list[int] = []
    labels: list[tuple[Hashable, str]] = []
    for fact_index, fact in enumerate(facts):
        for _, reported in _reported_values(fact):
            value_fact.append(fact_index)
            labels.append((fact.id, reported.value))
            for attribution in reported.reported_by:
                outlet = outlets.setdefault(attribution.outlet, len(outlets))
                edges.add((outlet, len(labels) - 1))
    if not edges:
        return TruthFinderResult({}, {}, {}, 0, True)
    edge_outlet, edge_value = (
        np.array(column) for column in zip(*sorted(edges), strict=True)
    )
    fact_of = np.array(value_fact)
    provided = np.bincount(edge_outlet, minlength=len(outlets))
    trust = np.full(len(outlets), initial_trust, dtype=float)
    confidence = np.zeros(len(labels))
    converged, done = False, 0
    while done < iterations and not converged:
        tau = -np.log1p(-np.minimum(trust, _MAX_TRUST))
        sigma = np.bincount(edge_value, weights=tau[edge_outlet], minlength=len(labels))
        per_fact = np.bincount(fact_of, weights=sigma)
        adjusted = sigma - rho * (per_fact[fact_of] - sigma)
        confidence = 1.0 / (1.0 + np.exp(-dampening * adjusted))
        updated = np.bincount(edge_outlet, weights=confidence[edge_value]) / provided
        cosine = updated @ trust / (np.linalg.norm(updated) * np.linalg.norm(trust))
        converged = 1.0 - cosine < tol
        trust, done = updated, done + 1
    by_fact: dict[Hashable, dict[str, float]] = defaultdict(dict)
    for (fact_id, value), score in zip(labels, confidence.tolist(), strict=True):
        by_fact[fact_id][value] = score
    winners = {
        fact_id: max(values, key=lambda value: values[value])  # first wins a tie
        for fact_id, values in by_fact.items()
    }
    return TruthFinderResult(
        trust={name: float(trust[outlets[name]]) for name in sorted(outlets)},
        confidence=dict(by_fact),
        winners=winners,
        iterations=done,
        converged=bool(converged),
    )


# --- Annotators against gold --------------------------------------------------


@dataclass(frozen=True)
class GoldLabel:
    reviewer: str
    dimension: str  # e.g. "claim_type", "sourcing_quality", "verdict"
    label: str | None
    gold: str


@dataclass(frozen=True)
class GoldAgreement:
    reviewer: str
    dimension: str
    matches: int
    n: int
    rate: float
    low: float  # Wilson score interval
    high: float


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple:
    """Wilson score interval for a binomial proportion; (None, None) when n == 0."""
    if n == 0:
        return None, None
    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    rate = successes / n
    denominator = 1.0 + z * z / n
    centre = (rate + z * z / (2 * n)) / denominator
    half = z / denominator * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n))
    return max(0.0, centre - half), min(1.0, centre + half)


def annotator_agreement_with_gold(
    pairs: Iterable[GoldLabel], *, confidence: float = 0.95
) -> dict[tuple[str, str], GoldAgreement]:
    """Per (reviewer, dimension): share of labels equal to gold, Wilson interval."""
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for pair in pairs:
        tally = counts[pair.reviewer, pair.dimension]
        tally[0] += pair.label == pair.gold
        tally[1] += 1
    result = {}
    for (reviewer, dimension), (matches, n) in sorted(counts.items()):
        low, high = wilson_interval(matches, n, confidence)
        result[reviewer, dimension] = GoldAgreement(
            reviewer, dimension, matches, n, matches / n, low, high
        )
    return result
