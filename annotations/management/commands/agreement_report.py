"""Print a session's (or one article's) agreement report as terminal tables."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from annotations.models import AgreementReport, AnnotationSession, SessionArticle
from annotations.services.agreement import agreement_compute_inline
from annotations.services.agreement_payload import DIMENSIONS, STATUSES


def reading(alpha: float | None) -> str:
    """Krippendorff's (2004) guidance for drawing conclusions from alpha."""
    if alpha is None:
        return "undefined"
    if alpha >= 0.8:
        return "reliable (>= 0.800)"
    if alpha >= 0.667:
        return "tentative (0.667-0.800)"
    return "not reliable (< 0.667)"


def fmt(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def table(headers: list[str], rows: list[list[str]]) -> list[str]:
    columns = zip(headers, *rows, strict=True)
    widths = [max(len(str(cell)) for cell in column) for column in columns]

    def line(cells) -> str:
        return "  ".join(
            str(c).ljust(w) for c, w in zip(cells, widths, strict=True)
        ).rstrip()

    return [line(headers), line("-" * w for w in widths), *map(line, rows)]


def render(payload: dict, title: str) -> str:
    """The payload as plain-text tables."""
    out = [title, ""]
    counts = payload["counts"]
    # Stored payloads come back from JSONB with keys re-ordered: fix orders here.
    status = {name: counts["status"].get(name, 0) for name in STATUSES}
    out.append(
        f"Articles {counts['articles']}  spans {counts['spans']}  "
        f"units {counts['units']}  reviewers: {', '.join(payload['reviewers']) or '-'}"
    )
    out += ["", "Unit status"]
    out += table(list(status), [[str(n) for n in status.values()]])
    out += ["", "Label agreement (Krippendorff's alpha, 95% bootstrap CI)"]
    out += _label_lines(payload)
    out += ["", "Span detection (pairwise; micro pools counts, macro averages pairs)"]
    out += _detection_lines(payload)
    unitizing = payload["unitizing"]
    per_label = ", ".join(
        f"{label} {fmt(value)}"
        for label, value in sorted(unitizing["per_label"].items())
    )
    out += [
        "",
        f"Unitizing alpha: {fmt(unitizing['alpha'])} "
        f"over {unitizing['articles']} article(s)"
        + (f"; per claim type: {per_label}" if per_label else ""),
    ]
    out += _kappa_lines(payload)
    return "\n".join(out) + "\n"


def _label_lines(payload: dict) -> list[str]:
    rows = []
    for name in DIMENSIONS:
        figures = payload["labels"][name]
        ci = figures["ci"]
        rows.append(
            [
                name,
                figures["level"],
                fmt(figures["alpha"]),
                f"[{fmt(ci[0])}, {fmt(ci[1])}]" if ci else "-",
                str(figures["pairable_units"]),
                fmt(figures["fleiss_kappa"]),
                reading(figures["alpha"]),
            ]
        )
    return table(
        ["dimension", "level", "alpha", "95% CI", "units", "fleiss", "reading"], rows
    )


def _detection_lines(payload: dict) -> list[str]:
    return table(
        ["mode", "micro P", "micro R", "micro F1", "macro F1"],
        [
            [
                mode,
                fmt(f["micro_precision"]),
                fmt(f["micro_recall"]),
                fmt(f["micro_f1"]),
                fmt(f["macro_f1"]),
            ]
            for mode, f in (
                (mode, payload["detection"][mode]) for mode in ("overlap", "exact")
            )
        ],
    )


def _kappa_lines(payload: dict) -> list[str]:
    out: list[str] = []
    for name in ("claim_type", "sourcing_quality"):
        pairs = payload["labels"][name]["pairs"]
        if not pairs:
            continue
        reviewers = payload["reviewers"]
        kappa = {(p["reviewer_a"], p["reviewer_b"]): p["cohen_kappa"] for p in pairs}
        rows = [
            [a] + [fmt(kappa.get((a, b))) if a < b else "" for b in reviewers[1:]]
            for a in reviewers[:-1]
        ]
        out += ["", f"Cohen's kappa matrix ({name})"]
        out += table(["", *reviewers[1:]], rows)
    return out


class Command(BaseCommand):
    help = "Print agreement tables for a session (stored report, or computed inline)."

    def add_arguments(self, parser):
        parser.add_argument("session", type=int, help="Session id.")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument(
            "--inline",
            action="store_true",
            help="Compute now without storing anything.",
        )
        mode.add_argument(
            "--stored",
            action="store_true",
            help="Print the stored report (the default).",
        )
        parser.add_argument("--article", type=int, help="Only this article.")
        parser.add_argument(
            "--draws", type=int, help="Bootstrap draws for --inline (default: setting)."
        )

    def handle(self, *args, session, inline, stored, article, draws, **options):
        found = AnnotationSession.objects.filter(pk=session).first()
        if found is None:
            raise CommandError(f"No session {session}.")
        if (
            article is not None
            and not SessionArticle.objects.filter(
                session=found, article_id=article
            ).exists()
        ):
            raise CommandError(f"Article {article} is not in session {session}.")
        if draws is not None and draws < 1:
            raise CommandError("--draws must be at least 1.")
        scope = f"article {article}" if article else "whole session"
        if inline:
            try:
                payload = agreement_compute_inline(
                    session_id=session, article_id=article, bootstrap_draws=draws
                )
            except ValidationError as exc:
                raise CommandError(str(exc)) from exc
            title = f"Agreement for {found} ({scope}), computed inline"
        else:
            report = AgreementReport.objects.filter(
                session=found, article_id=article
            ).first()
            if report is None or report.computed_at is None:
                raise CommandError(
                    "No stored report yet; run with --inline or wait for the worker."
                )
            payload = report.payload
            title = (
                f"Agreement for {found} ({scope}), stored "
                f"{report.computed_at:%Y-%m-%d %H:%M:%S} UTC"
                + (" [STALE: data changed since]" if report.stale else "")
            )
        self.stdout.write(render(payload, title))
