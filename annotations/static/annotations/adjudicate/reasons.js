// Why a unit's versions disagree, in words, and which fields differ between them.
//
// The reasons come from the API (`reasons`: [{kind, reviewers, values}], computed by
// annotations/metrics/reasons.py); this module only phrases them.

import { el } from "../http.js";

export const REASON_FILTERS = [
  ["", "any reason"],
  ["missed_by", "a reviewer did not mark it"],
  ["boundary", "boundaries differ"],
  ["claim_type", "claim type differs"],
  ["sourcing_quality", "sourcing quality differs"],
  ["cited_source", "cited source differs"],
];

// reason kind -> the field of a version card it concerns
const FIELD_OF = { boundary: "offsets", claim_type: "claim_type", sourcing_quality: "sourcing_quality", cited_source: "cited_source" };

export function differingFields(unit) {
  return new Set((unit.reasons ?? []).map((reason) => FIELD_OF[reason.kind]).filter(Boolean));
}

function names(list) {
  if (list.length <= 1) return list.join("");
  return `${list.slice(0, -1).join(", ")} and ${list[list.length - 1]}`;
}

// "reviewer1 (A) says X, reviewer2 (B) says Y"
function byReviewer(reason, unit, phrase) {
  const letter = new Map(unit.versions.map((v) => [v.reviewer, v.letter]));
  return names(
    Object.entries(reason.values).map(([reviewer, value]) => {
      const tag = letter.has(reviewer) ? ` (${letter.get(reviewer)})` : "";
      return `${reviewer}${tag} ${phrase(value)}`;
    }),
  );
}

// labels: {claimTypes, levels}, code -> label maps of the session's scheme.
export function reasonSentence(reason, unit, labels) {
  switch (reason.kind) {
    case "missed_by":
      return `${names(reason.reviewers)} did not mark this claim.`;
    case "boundary": {
      const where = byReviewer(reason, unit, ([start, end]) => `${start}–${end}`);
      const only = (unit.reasons ?? []).filter((r) => r.kind !== "missed_by").length === 1;
      return only ? `Only the boundaries differ: ${where}.` : `The boundaries differ: ${where}.`;
    }
    case "claim_type":
      return `Claim type differs: ${byReviewer(reason, unit, (code) => `says ${labels.claimTypes.get(code)?.name ?? code}`)}.`;
    case "sourcing_quality":
      return `Sourcing quality differs: ${byReviewer(reason, unit, (code) => `says ${labels.levels.get(code)?.name ?? code}`)}.`;
    case "cited_source":
      return `Cited source differs: ${byReviewer(reason, unit, (source) => (source ? `says “${source}”` : "names none"))}.`;
    default:
      return `${reason.kind}: ${names(reason.reviewers)}.`;
  }
}

export function reasonsList(unit, labels) {
  const reasons = unit.reasons ?? [];
  const list = el("ul", { class: "reasons", id: "reasons", "data-testid": "reasons", "aria-label": "Why the versions disagree" });
  for (const reason of reasons) {
    list.append(el("li", { "data-kind": reason.kind }, reasonSentence(reason, unit, labels)));
  }
  if (!reasons.length) {
    list.dataset.empty = "1";
    list.append(el("li", { "data-kind": "none" }, "The versions agree on offsets, labels and source."));
  }
  return list;
}

// A short list of reason words for the queue.
export function reasonWords(unit) {
  const words = { missed_by: "missed", boundary: "boundaries", claim_type: "claim type", sourcing_quality: "sourcing", cited_source: "source" };
  return (unit.reasons ?? []).map((reason) => words[reason.kind] ?? reason.kind).join(" · ");
}
