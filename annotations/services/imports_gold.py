"""The gold layer of a corpus import: agreement units and adjudicated decisions."""

from django.core.exceptions import ValidationError

from annotations.interchange import span_id
from annotations.models import (
    AgreementStatus,
    AgreementUnit,
    AnnotationSession,
    ClaimType,
    GoldSpan,
    SourcingLevel,
    SpanAnnotation,
)
from annotations.services.imports_common import (
    _agreed,
    _membership_ensure,
    _parse_time,
    _user_ensure,
)


class _GoldLayerImporter:
    """The corpus importer's agreement units and gold decisions (a mixin of
    `imports_corpus._CorpusImporter`: it reads `session`, `claim_types`,
    `levels` and `counts` from there)."""

    session: AnnotationSession | None
    claim_types: dict[str, ClaimType]
    levels: dict[str, SourcingLevel]
    counts: dict[str, int]

    def units_for(self, article, spans, created) -> dict[str, AgreementUnit]:
        """Recreate the units the spans name, with their stored key and status.

        A gold decision that no unit held (status null) gets none.
        """
        members: dict[str, list[SpanAnnotation]] = {}
        statuses: dict[str, str] = {}
        bounds: dict[str, tuple[int, int]] = {}
        for span in spans:
            key = span.get("unit_key")
            if not key:
                continue
            if span["layer"] == "gold" and (
                span.get("agreement_status") is None or _agreed(span)
            ):
                continue
            status = span.get("agreement_status") or AgreementStatus.PENDING
            statuses.setdefault(key, status)
            if span["layer"] == "raw":
                row = created[span_id(span["reviewer"], span["start"], span["end"])]
                members.setdefault(key, []).append(row)
            else:
                bounds[key] = (span["start"], span["end"])
        units: dict[str, AgreementUnit] = {}
        for key, status in statuses.items():
            rows = members.get(key, [])
            start, end = (
                (min(r.start for r in rows), max(r.end for r in rows))
                if rows
                else bounds[key]
            )
            unit = AgreementUnit.objects.create(
                session=self.session,
                article=article,
                key=key,
                start=start,
                end=end,
                status=status,
                reviewer_count=len({r.reviewer_id for r in rows}),
            )
            unit.spans.set(rows)
            units[key] = unit
        self.counts["units"] += len(units)
        return units

    def gold_for(self, article, span, created, units) -> None:
        decision, claim_type, level, evidence_changed = self.gold_checked(article, span)
        start, end, quote = span.get("start"), span.get("end"), span.get("quote")
        decided_by = _user_ensure(str(span.get("decided_by")))
        _membership_ensure(self.session, decided_by, "adjudicator")
        gold = GoldSpan.objects.create(
            session=self.session,
            article=article,
            unit=units.get(span.get("unit_key")),
            unit_key=span.get("unit_key") or "",
            decision=decision,
            start=start,
            end=end,
            quote=quote,
            claim_type=claim_type,
            sourcing_quality=level,
            cited_source=span.get("cited_source", ""),
            note=span.get("note", ""),
            verdict=span.get("verdict") or "",
            decided_by=decided_by,
            revision=span.get("revision") or 1,
            evidence_changed=evidence_changed,
        )
        GoldSpan.objects.filter(pk=gold.pk).update(
            decided_at=_parse_time(span.get("decided_at"), "decided_at")
        )
        sources = [
            created[key] for key in span.get("source_span_ids") or [] if key in created
        ]
        gold.source_spans.set(sources)
        # The decision was made from these spans as they are now: the
        # recompute flags it only if they change after the import.
        GoldSpan.objects.filter(pk=gold.pk).update(
            source_versions={str(row.pk): row.version for row in sources}
        )
        _gold_accepted(gold, span, decision, created)
        self.counts["gold_spans"] += 1

    def gold_checked(
        self, article, span
    ) -> tuple[str, ClaimType | None, SourcingLevel | None, bool]:
        """The decision, labels and evidence flag of a gold span, checked."""
        start, end, quote = span.get("start"), span.get("end"), span.get("quote")
        if not (
            isinstance(start, int)
            and isinstance(end, int)
            and 0 <= start < end <= len(article.text)
            and article.text[start:end] == quote
        ):
            raise ValidationError({"quote": "Offsets do not select the quote."})
        decision = span.get("decision")
        if decision not in GoldSpan.Decision.values:
            raise ValidationError({"decision": f"Unknown decision {decision!r}."})
        claim_type = self.claim_types.get(span.get("claim_type"))
        level = self.levels.get(span.get("sourcing_quality"))
        if decision != GoldSpan.Decision.REJECTED and (claim_type is None or not level):
            raise ValidationError({"claim_type": "Gold spans need known labels."})
        evidence_changed = span.get("evidence_changed", False)
        if not isinstance(evidence_changed, bool):
            raise ValidationError({"evidence_changed": "Must be true or false."})
        return decision, claim_type, level, evidence_changed


def _gold_accepted(gold: GoldSpan, span, decision: str, created) -> None:
    """Record whose reviewer version an accepted decision took (if it names one)."""
    accepted_key = span.get("accepted_span_id")
    if accepted_key is not None:
        if decision != GoldSpan.Decision.ACCEPTED:
            raise ValidationError(
                {"accepted_span_id": "Only an accepted decision names one."}
            )
        if not isinstance(accepted_key, str) or accepted_key not in created:
            raise ValidationError(
                {
                    "accepted_span_id": "Must be the id of one of this "
                    "article's reviewer spans, or null."
                }
            )
        accepted = created[accepted_key]
        GoldSpan.objects.filter(pk=gold.pk).update(
            accepted_span=accepted, accepted_reviewer_id=accepted.reviewer_id
        )
