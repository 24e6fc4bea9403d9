"""Reads for the reliability API: the evidence behind one subject's scores.

Evidence is stored per article (`ReliabilityArticle`): the claims with the
scores each fed, and the reviewer labels beside gold and beside each other.
A subject's evidence is read from the articles that feed it
(`ReliabilitySubjectArticle`), in article order. No access checks here.
"""

from typing import Any

from annotations.metrics.reliability_sums import DIMENSIONS
from annotations.models import (
    ReliabilityArticle,
    ReliabilityScore,
    ReliabilitySubjectArticle,
)

REVIEWER = ReliabilityScore.SubjectKind.REVIEWER.value


def _articles(session_id: int, kind: str, subject_key: str, order: str):
    ids = ReliabilitySubjectArticle.objects.filter(
        session_id=session_id, subject_kind=kind, subject_key=subject_key
    ).values("article_id")
    return (
        ReliabilityArticle.objects.filter(session_id=session_id, article_id__in=ids)
        .order_by(order)
        .values_list("claims", "members", "article_id")
        .iterator(chunk_size=200)
    )


def _claim_evidence(rows, kind: str, subject_key: str) -> dict[str, list]:
    found: dict[str, list] = {}
    for claims, _, _ in rows:
        for claim in claims:
            entry = {name: value for name, value in claim.items() if name != "used"}
            for used_kind, used_key, metric in claim["used"]:
                if used_kind == kind and used_key == subject_key:
                    found.setdefault(metric, []).append(entry)
    return found


def _reviewer_evidence(rows, reviewer: str) -> dict[str, list]:
    found: dict[str, list] = {}
    for _, members, article_id in rows:
        for gold_id, unit_key, gold_labels, spans in members["gold"]:
            for span_id, who, labels in spans:
                if who != reviewer:
                    continue
                for dim in DIMENSIONS:
                    label, gold = labels[dim], gold_labels[dim]
                    found.setdefault(f"gold_{dim}", []).append(
                        {
                            "gold_span_id": gold_id,
                            "unit_key": unit_key,
                            "span_id": span_id,
                            "article_id": article_id,
                            "label": label,
                            "gold": gold,
                            "match": label == gold,
                        }
                    )
        for unit_id, spans in members["units"]:
            for span_id, who, labels in spans:
                if who != reviewer:
                    continue
                for other_id, other, other_labels in spans:
                    if other == reviewer:
                        continue
                    for dim in DIMENSIONS:
                        found.setdefault(f"peer_{dim}", []).append(
                            {
                                "unit_id": unit_id,
                                "span_id": span_id,
                                "article_id": article_id,
                                "other_reviewer": other,
                                "other_span_id": other_id,
                                "label": labels[dim],
                                "other_label": other_labels[dim],
                                "match": labels[dim] == other_labels[dim],
                            }
                        )
    return found


def score_evidence(
    *, session_id: int, kind: str, subject_key: str
) -> dict[str, list[dict[str, Any]]]:
    """{metric: evidence entries} of one subject of the session's report.

    Claims (outlets, cited sources): each claim's evidence entry, once per
    metric it fed. Reviewers: one entry per compared label, per dimension.
    """
    if kind == REVIEWER:
        return _reviewer_evidence(
            _articles(session_id, kind, subject_key, "article_id"), subject_key
        )
    return _claim_evidence(
        _articles(session_id, kind, subject_key, "article__external_id"),
        kind,
        subject_key,
    )
