"""The Export panel of the dashboard and the session page: who sees it, its choices."""

from annotations import selectors
from annotations.access import can_manage_session, is_adjudicating
from annotations.exporters.base import LAYERS, STATUSES
from annotations.exporters.gold_agreed import GOLD_CHOICES
from annotations.services.exports import FORMATS

FORMAT_LABELS = {
    "jsonl": "JSON Lines (round-trips)",
    "csv": "CSV (one row per span)",
    "conll": "CoNLL / BIO (spaCy)",
    "webanno": "W3C Web Annotation (JSON-LD)",
    "webanno-jsonl": "W3C Web Annotation (lines)",
    "datacard-json": "Data card (JSON)",
    "datacard-md": "Data card (Markdown)",
    "claimreview": "schema.org ClaimReview (JSON-LD)",
    "claimreview-jsonl": "schema.org ClaimReview (lines)",
}
LAYER_LABELS = {"both": "Both layers", "raw": "Reviewers' spans", "gold": "Gold"}
GOLD_LABELS = {
    "complete": "Adjudicated + agreed",
    "adjudicated": "Adjudicated only",
}


def export_panel_visible(user, session, role: str | None) -> bool:
    """Adjudicators, staff and the session's leads get the Export panel."""
    return is_adjudicating(role) or can_manage_session(user, session)


def export_panel_context(session) -> dict:
    """The form's choices: exactly the values the export API accepts."""
    return {
        "export_formats": [
            {
                "name": name,
                "label": FORMAT_LABELS.get(name, name),
                "gold_only": fmt.gold_only,
            }
            for name, fmt in FORMATS.items()
        ],
        "export_layers": [
            {"name": name, "label": LAYER_LABELS[name]}
            for name in ("both", "raw", "gold")
            if name in LAYERS
        ],
        "export_golds": [
            {"name": name, "label": GOLD_LABELS[name]} for name in GOLD_CHOICES
        ],
        "export_statuses": list(STATUSES),
        "export_reviewers": selectors.session_reviewers(session),
    }
