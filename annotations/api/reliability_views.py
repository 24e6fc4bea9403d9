"""Source reliability endpoints: the stored report, a score's evidence, recompute.

Adjudicators of the session and staff without a role in it only; reviewers get
403 (scores would reveal other reviewers' labels), everyone else 404.
"""

from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import permissions, serializers, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.api.params import text_value
from annotations.api.parsers import LimitedJSONParser
from annotations.api.permissions import (
    IsSessionAdjudicator,
    IsSessionMember,
    SessionScopedMixin,
)
from annotations.models import (
    ReliabilityReport,
    ReliabilityScore,
)
from annotations.selectors import offset_maps_for
from annotations.selectors.reliability import score_evidence
from annotations.services.recompute import reliability_recompute_request
from annotations.services.reliability_indicators import outlets_with_indicators

TAGS = ["reliability"]
KINDS = tuple(ReliabilityScore.SubjectKind.values)


class ReliabilityMixin(SessionScopedMixin):
    """Reliability views: the session's adjudicators and staff."""

    permission_classes = [
        permissions.IsAuthenticated,
        IsSessionMember,
        IsSessionAdjudicator,
    ]


def report_meta(report: ReliabilityReport | None) -> dict:
    if report is None:
        return {
            "computed_at": None,
            "stale": True,
            "excluded_count": 0,
            "excluded": {},
            "fingerprint": "",
            "duration_ms": None,
            "task_id": "",
            "claims": None,
            "params": None,
        }
    payload = report.payload or {}
    return {
        "computed_at": report.computed_at,
        "stale": report.stale,
        "excluded_count": report.excluded_count,
        "excluded": payload.get("excluded", {}).get("by_status", {}),
        "fingerprint": report.fingerprint,
        "duration_ms": report.duration_ms,
        "task_id": report.task_id,
        "claims": payload.get("claims"),
        "params": payload.get("params"),
    }


REPORT_RESPONSE = inline_serializer(
    "ReliabilityReportResponse",
    fields={
        "session": serializers.IntegerField(),
        "report": serializers.DictField(
            help_text="computed_at, stale, excluded_count, excluded (by status), "
            "fingerprint, duration_ms, task_id, claims, params"
        ),
        "outlets": serializers.ListField(
            child=serializers.DictField(),
            help_text="Ranked by sourcing: rank, key, label, sourcing {value, "
            "ci_low, ci_high, n, insufficient}, accuracy (or null), supported, "
            "contradicted, n, accuracy_rank, truthfinder_trust, indicators "
            "(article-question profile: {question: {type, n, options: {code: "
            "{count, share, ci_low, ci_high}}}}, Wilson 95% intervals)",
        ),
        "outlet_indicators": serializers.ListField(
            child=serializers.DictField(),
            help_text="Every outlet with resolved article answers: label, "
            "indicators (as in outlets).",
        ),
        "cited_sources": serializers.ListField(
            child=serializers.DictField(),
            help_text="As outlets, with `vague` (vague sources are per article).",
        ),
        "conflicts": serializers.ListField(
            child=serializers.DictField(),
            help_text="fact_id, label, values [{value, confidence, reported_by "
            "[{claim, gold_span_id, outlet, article_id, cited_source, quote}]}]",
        ),
        "truthfinder": serializers.DictField(allow_null=True),
        "annotators": serializers.ListField(
            child=serializers.DictField(),
            help_text="reviewer, gold {dimension: estimate}, peers {dimension: "
            "estimate}; dimensions claim_type, sourcing_quality, cited_source",
        ),
        "annotator_pairs": serializers.DictField(),
    },
)


@extend_schema(
    tags=TAGS,
    summary="The session's stored source reliability report",
    responses={
        200: REPORT_RESPONSE,
        403: OpenApiResponse(description="Reviewers of the session."),
        404: OpenApiResponse(description="No such session, or not a member."),
    },
)
class ReliabilityReportView(ReliabilityMixin, APIView):
    def get(self, request, sid: int):
        report = ReliabilityReport.objects.filter(session=self.session).first()
        payload = (report.payload if report else None) or {}
        return Response(
            {
                "session": self.session.pk,
                "report": report_meta(report),
                "outlets": outlets_with_indicators(payload),
                "outlet_indicators": payload.get("outlet_indicators", []),
                "cited_sources": payload.get("cited_sources", []),
                "conflicts": payload.get("conflicts", []),
                "truthfinder": payload.get("truthfinder"),
                "annotators": payload.get("annotators", []),
                "annotator_pairs": payload.get("annotator_pairs", {}),
            }
        )


@extend_schema(
    tags=TAGS,
    summary="The spans and gold spans one subject's scores were computed from",
    parameters=[
        OpenApiParameter(
            "kind", OpenApiTypes.STR, OpenApiParameter.PATH, enum=list(KINDS)
        ),
        OpenApiParameter(
            "subject_key",
            OpenApiTypes.STR,
            OpenApiParameter.PATH,
            description="The subject's key as in the report (outlet domain, "
            "normalised cited source, reviewer username).",
        ),
        OpenApiParameter(
            "offset_unit",
            OpenApiTypes.STR,
            enum=["codepoint", "utf16"],
            description="Offsets of the evidence (default Unicode code points).",
        ),
    ],
    responses={
        200: inline_serializer(
            "ReliabilityEvidenceResponse",
            fields={
                "kind": serializers.CharField(),
                "subject_key": serializers.CharField(),
                "label": serializers.CharField(),
                "metrics": serializers.DictField(
                    help_text="metric -> {value, ci_low, ci_high, n, insufficient}"
                ),
                "evidence": serializers.ListField(
                    child=serializers.DictField(),
                    help_text="Claims (outlet, cited_source): claim, origin, "
                    "gold_span_id, span_ids, article_id, start, end, quote, labels, "
                    "facts, used_for. Reviewers: one entry per compared span.",
                ),
            },
        ),
        404: OpenApiResponse(description="No such subject in the stored report."),
    },
)
class ReliabilityEvidenceView(ReliabilityMixin, APIView):
    def get(self, request, sid: int, kind: str, subject_key: str):
        offset_unit = request.query_params.get("offset_unit") or "codepoint"
        if offset_unit not in ("codepoint", "utf16"):
            raise ValidationError({"offset_unit": "Must be codepoint or utf16."})
        if kind not in KINDS:
            raise ValidationError({"kind": f"Must be one of {', '.join(KINDS)}."})
        text_value(subject_key, "subject_key")
        scores = list(
            ReliabilityScore.objects.filter(
                report__session=self.session, subject_kind=kind, subject_key=subject_key
            ).order_by("metric")
        )
        if not scores:
            raise Http404("No such subject in this session's reliability report.")
        evidence = evidence_merge(
            kind,
            [score.metric for score in scores],
            score_evidence(
                session_id=self.session.pk, kind=kind, subject_key=subject_key
            ),
        )
        if offset_unit == "utf16":
            evidence_to_utf16(evidence)
        return Response(
            {
                "kind": kind,
                "subject_key": subject_key,
                "label": scores[0].subject_label,
                "offset_unit": offset_unit,
                "metrics": {
                    s.metric: {
                        "value": s.value,
                        "ci_low": s.ci_low,
                        "ci_high": s.ci_high,
                        "n": s.n,
                        "insufficient": s.insufficient,
                    }
                    for s in scores
                },
                "evidence": evidence,
            }
        )


def evidence_merge(kind: str, metrics: list[str], found: dict[str, list]) -> list:
    """Claims once each with the metrics they fed; reviewer entries per metric."""
    if kind == ReliabilityScore.SubjectKind.REVIEWER:
        return [
            {"metric": metric, **entry}
            for metric in metrics
            for entry in found.get(metric, [])
        ]
    merged: dict[str, dict] = {}
    for metric in metrics:
        for entry in found.get(metric, []):
            item = merged.setdefault(entry["claim"], {**entry, "used_for": []})
            item["used_for"].append(metric)
    return sorted(
        merged.values(),
        key=lambda e: (e["article_external_id"], e["start"], e["end"], e["claim"]),
    )


def evidence_to_utf16(evidence: list[dict]) -> None:
    maps = offset_maps_for({e["article_id"] for e in evidence if "start" in e})
    for entry in evidence:
        if "start" in entry and entry["article_id"] in maps:
            offset_map = maps[entry["article_id"]]
            entry["start"] = offset_map.to_utf16(entry["start"])
            entry["end"] = offset_map.to_utf16(entry["end"])


@extend_schema(
    tags=TAGS,
    summary="Queue a reliability recompute (no-op when nothing changed)",
    request=inline_serializer(
        "ReliabilityRecomputeRequest",
        fields={"force": serializers.BooleanField(required=False, default=False)},
    ),
    responses={
        202: inline_serializer(
            "ReliabilityRecomputeResponse",
            fields={"task_id": serializers.CharField()},
        ),
        503: OpenApiTypes.OBJECT,
    },
)
class ReliabilityRecomputeView(ReliabilityMixin, APIView):
    parser_classes = [LimitedJSONParser]  # `force` is a JSON boolean

    def post(self, request, sid: int):
        force = request.data.get("force", False)
        if not isinstance(force, bool):
            raise ValidationError({"force": "Must be true or false."})
        task_id = reliability_recompute_request(session_id=self.session.pk, force=force)
        return Response({"task_id": task_id}, status=status.HTTP_202_ACCEPTED)
