"""Print a session's source reliability report as plain-text tables."""

from django.core.management.base import BaseCommand, CommandError

from annotations.models import AnnotationSession, ReliabilityReport
from annotations.services.reliability import reliability_recompute


def _number(value) -> str:
    return "—" if value is None else f"{value:.3f}"


def _interval(estimate) -> str:
    if not estimate or estimate["ci_low"] is None:
        return "—"
    return f"[{estimate['ci_low']:.3f}, {estimate['ci_high']:.3f}]"


def _table(headers: list[str], rows: list[list[str]]) -> list[str]:
    widths = [
        max(len(str(cell)) for cell in column)
        for column in zip(headers, *rows, strict=False)
    ]
    line = "  ".join(f"{{:<{width}}}" for width in widths)
    return [line.format(*headers).rstrip()] + [
        line.format(*map(str, row)).rstrip() for row in rows
    ]


def _sourcing_cells(item: dict) -> list[str]:
    sourcing = item["sourcing"]
    if sourcing is None or sourcing["insufficient"]:
        return ["insufficient evidence", "—", f"n={item['n']}"]
    return [_number(sourcing["value"]), _interval(sourcing), f"n={item['n']}"]


def _accuracy_lines(payload: dict) -> list[str]:
    lines: list[str] = []
    accuracy_rows = []
    for kind, items in (
        ("outlet", payload["outlets"]),
        ("source", payload["cited_sources"]),
    ):
        for item in sorted(items, key=lambda i: i["accuracy_rank"]):
            if item["accuracy"] is None:
                continue
            accuracy_rows.append(
                [
                    kind,
                    item["label"],
                    _number(item["accuracy"]["value"]),
                    _interval(item["accuracy"]),
                    item["supported"],
                    item["contradicted"],
                ]
            )
    if accuracy_rows:
        lines += _table(
            ["kind", "subject", "accuracy", "95% interval", "supp.", "contr."],
            accuracy_rows,
        )
    else:
        lines.append("(no supported or contradicted verdicts yet)")
    return lines


def _conflict_lines(conflicts: list[dict]) -> list[str]:
    lines: list[str] = []
    if not conflicts:
        lines.append("(none)")
    for conflict in conflicts:
        lines.append(f"fact {conflict['fact_id']}: {conflict['label']}")
        for value in conflict["values"]:
            who = "; ".join(
                f"{r['outlet']} (gold {r['gold_span_id']}"
                + (f", citing {r['cited_source']}" if r["cited_source"] else "")
                + ")"
                for r in value["reported_by"]
            )
            lines.append(f"  {value['value']!r}: {who}")
    return lines


def _truth_lines(truth: dict) -> list[str]:
    lines: list[str] = []
    if truth["trust"]:
        lines += _table(
            ["outlet", "trust"],
            [
                [outlet, _number(trust)]
                for outlet, trust in sorted(
                    truth["trust"].items(), key=lambda pair: (-pair[1], pair[0])
                )
            ],
        )
        lines.append(
            f"({truth['iterations']} iterations, "
            f"{'converged' if truth['converged'] else 'not converged'})"
        )
    else:
        lines.append("(no facts linked)")
    return lines


class Command(BaseCommand):
    help = (
        "Print the source reliability report of SESSION (outlets, cited sources, "
        "accuracy, conflicts, TruthFinder trust, excluded claims)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("session", type=int, help="Session id.")
        parser.add_argument(
            "--inline",
            action="store_true",
            help="Recompute in this process first (skipped when nothing changed).",
        )
        parser.add_argument(
            "--force", action="store_true", help="With --inline: recompute anyway."
        )

    def handle(self, *args, session: int, inline: bool, force: bool, **options):
        name = (
            AnnotationSession.objects.filter(pk=session)
            .values_list("name", flat=True)
            .first()
        )
        if name is None:
            raise CommandError(f"No session {session}.")
        if inline:
            report = reliability_recompute(session_id=session, force=force)
        else:
            report = ReliabilityReport.objects.filter(session_id=session).first()
            if report is None or report.computed_at is None:
                raise CommandError(
                    f"Session {session} has no reliability report yet; run with "
                    "--inline (or wait for the worker)."
                )
        self.stdout.write("\n".join(self.render(report, name)) + "\n")

    def render(self, report: ReliabilityReport, name: str) -> list[str]:
        payload = report.payload
        claims, excluded = payload["claims"], payload["excluded"]
        breakdown = ", ".join(
            f"{k} {v}" for k, v in sorted(excluded["by_status"].items())
        )
        lines = [
            f"Source reliability: session {report.session_id} ({name})",
            f"computed {report.computed_at:%Y-%m-%d %H:%M:%S} UTC, "
            f"{'STALE' if report.stale else 'current'}, "
            f"fingerprint {report.fingerprint[:12]}",
            f"{claims['total']} claims ({claims['from_gold']} gold, "
            f"{claims['from_consensus']} consensus); sourcing shrunk towards "
            f"{_number(payload['corpus_mean'])} with prior strength "
            f"{payload['params']['prior_strength']:g}, min n "
            f"{payload['params']['min_n']}",
            "",
            "Outlets by sourcing score",
        ]
        lines += _table(
            ["rank", "outlet", "score", "95% interval", "n"],
            [[o["rank"], o["label"], *_sourcing_cells(o)] for o in payload["outlets"]],
        )
        lines += ["", "Cited sources by sourcing score (vague sources per article)"]
        lines += _table(
            ["rank", "cited source", "score", "95% interval", "n"],
            [
                [s["rank"], s["label"], *_sourcing_cells(s)]
                for s in payload["cited_sources"]
            ],
        )
        lines += ["", "Accuracy (supported vs contradicted verdicts, Beta posterior)"]
        lines += _accuracy_lines(payload)
        lines += ["", "Conflicting facts"]
        lines += _conflict_lines(payload["conflicts"])
        lines += ["", "TruthFinder trust (outlets reporting linked facts)"]
        lines += _truth_lines(payload["truthfinder"])
        lines += [
            "",
            f"Excluded: {report.excluded_count} units"
            + (f" ({breakdown})" if breakdown else ""),
        ]
        return lines
