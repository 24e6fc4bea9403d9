"""Reviewer feedback: a reviewer's spans of one article against its gold.

A reviewer reads their own feedback once the lead has turned on the session's
`reviewer_feedback` and the article has gold (adjudicated decisions or agreed
units); adjudicators and staff read any reviewer's with `?reviewer=`. Only the
one reviewer's spans and the gold leave, never another reviewer's spans.
"""

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import permissions, serializers
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from annotations.access import ROLE_REVIEWER, is_adjudicating, may_open_article
from annotations.api.params import query_offset_unit
from annotations.api.permissions import IsSessionMember, SessionScopedMixin
from annotations.metrics.feedback import feedback_summary, match_gold, peer_pairs
from annotations.models import AgreementReport, SessionArticle, SessionMembership
from annotations.parsing import MAX_ID
from annotations.selectors import offset_maps_for
from annotations.selectors.feedback import feedback_inputs, opaque_unit

DISABLED = "Reviewer feedback is not enabled for this session; its lead can turn it on."
NO_GOLD = "No feedback yet: this article has no adjudicated or agreed gold."


def _reviewer_param(request, role: str):
    """The reviewer whose feedback is read: the caller, or `?reviewer=` for
    adjudicators and staff."""
    raw = request.query_params.get("reviewer")
    if role == ROLE_REVIEWER:
        if raw not in (None, "", str(request.user.pk)):
            raise PermissionDenied("Reviewers see only their own feedback.")
        return request.user
    if not is_adjudicating(role):
        raise PermissionDenied("Only reviewers, adjudicators and staff read feedback.")
    if not raw:
        raise PermissionDenied(
            "Adjudicators and staff read one reviewer's feedback: give ?reviewer=<id>."
        )
    if not raw.lstrip("-").isdigit():
        raise ValidationError({"reviewer": ["Must be a user id."]})
    if not 1 <= int(raw) <= MAX_ID:
        raise NotFound("No such reviewer in this session.")
    return int(raw)


def _span_out(span, extra=None) -> dict:
    data = {
        "id": span.id,
        "start": span.start,
        "end": span.end,
        "claim_type": span.claim_type,
        "sourcing_quality": span.sourcing_quality,
        "cited_source": span.cited_source,
        "unit": opaque_unit(span.unit_key),
    }
    return {**data, **(extra or {})}


FEEDBACK_RESPONSE = inline_serializer(
    "ReviewerFeedbackResponse",
    fields={
        "session": serializers.IntegerField(),
        "article": serializers.IntegerField(),
        "reviewer": serializers.DictField(help_text="{id, username}"),
        "offset_unit": serializers.ChoiceField(choices=["codepoint", "utf16"]),
        "spans": serializers.ListField(
            child=serializers.DictField(),
            help_text="The reviewer's spans: id, start, end, claim_type, "
            "sourcing_quality, cited_source, unit (opaque id of the agreement "
            "unit), gold (the matched gold span or null), differs (offsets, "
            "claim_type, sourcing_quality, cited_source), rejected (not a claim).",
        ),
        "missed": serializers.ListField(
            child=serializers.DictField(), help_text="Gold spans the reviewer missed."
        ),
        "summary": serializers.DictField(
            help_text="spans, gold, matched, exact and overlap {precision, recall, "
            "f1, hits}, label_agreement, field_agreement, peers {units, agreed, "
            "agreed_share}, peer_pairs (per label: peers, n, percent_agreement, "
            "cohen_kappa from the article's agreement report)."
        ),
    },
)


@extend_schema(
    tags=["agreement"],
    summary="A reviewer's agreement with gold and peers on one article",
    parameters=[
        OpenApiParameter("offset_unit", str, enum=["codepoint", "utf16"]),
        OpenApiParameter(
            "reviewer", int, description="Adjudicators and staff: whose feedback."
        ),
    ],
    responses={
        200: FEEDBACK_RESPONSE,
        403: OpenApiResponse(
            description="Not enabled, no gold yet, or ?reviewer= missing."
        ),
        404: OpenApiResponse(description="No such session or article."),
    },
)
class ArticleFeedbackView(SessionScopedMixin, APIView):
    permission_classes = [permissions.IsAuthenticated, IsSessionMember]

    def get(self, request, sid: int, aid: int):
        offset_unit = query_offset_unit(request)
        session, role = self.session, self.role
        reviewer = _reviewer_param(request, role)
        if not SessionArticle.objects.filter(session=session, article_id=aid).exists():
            raise NotFound("No such article in this session.")
        if role == ROLE_REVIEWER:
            if not may_open_article(request.user, session, role, aid):
                raise NotFound("No such article in this session.")
            if not session.reviewer_feedback:
                raise PermissionDenied(DISABLED)
        else:
            reviewer = self._member_reviewer(session, reviewer)
        inputs = feedback_inputs(
            session=session, article_id=aid, reviewer_id=reviewer.pk
        )
        if not inputs["has_gold"]:
            raise PermissionDenied(NO_GOLD)
        data = self._payload(session, aid, reviewer, inputs)
        if offset_unit == "utf16":
            _to_utf16(data, offset_maps_for([aid])[aid])
        data["offset_unit"] = offset_unit
        return Response(data)

    def _member_reviewer(self, session, user_id: int):
        membership = (
            SessionMembership.objects.filter(
                session=session, user_id=user_id, role=ROLE_REVIEWER
            )
            .select_related("user")
            .first()
        )
        if membership is None:
            raise NotFound("No such reviewer in this session.")
        return membership.user

    def _payload(self, session, aid, reviewer, inputs) -> dict:
        rows, missed = match_gold(
            inputs["spans"], inputs["gold"], inputs["rejected_keys"]
        )
        extra = inputs["extra"]
        summary = feedback_summary(rows, len(inputs["gold"]), inputs["unit_statuses"])
        report = AgreementReport.objects.filter(session=session, article_id=aid).first()
        labels = (report.payload or {}).get("labels", {}) if report else {}
        summary["peer_pairs"] = peer_pairs(labels, reviewer.get_username())
        return {
            "session": session.pk,
            "article": aid,
            "reviewer": {"id": reviewer.pk, "username": reviewer.get_username()},
            "spans": [
                _span_out(
                    row["span"],
                    {
                        "gold": _span_out(row["gold"], extra.get(row["gold"].id))
                        if row["gold"]
                        else None,
                        "differs": row["differs"],
                        "rejected": row["rejected"],
                    },
                )
                for row in rows
            ],
            "missed": [_span_out(g, extra.get(g.id)) for g in missed],
            "summary": summary,
        }


def _to_utf16(data: dict, offset_map) -> None:
    entries = [*data["spans"], *data["missed"]]
    entries += [row["gold"] for row in data["spans"] if row["gold"]]
    for entry in entries:
        entry["start"] = offset_map.to_utf16(entry["start"])
        entry["end"] = offset_map.to_utf16(entry["end"])
