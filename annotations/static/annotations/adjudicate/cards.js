// What the disputes page shows of a unit: its text in context, one card per
// reviewer version, the gold line and status badges. Text is sliced in UTF-16 with
// the `*_utf16` offsets the API returns beside the code points it shows.

import { el } from "../http.js";
import { differingFields } from "./reasons.js";

const CONTEXT_CHARS = 240;
const CARD_CONTEXT_CHARS = 70;

export function statusBadge(status, attrs = {}) {
  return el("span", { class: `unit-status unit-status--${status}`, ...attrs }, status);
}

// Text around [start16, end16) with [markStart, markEnd) highlighted; cut at spaces.
export function snippet(text, start16, end16, markStart, markEnd, markClass, around = CONTEXT_CHARS) {
  let from = Math.max(0, start16 - around);
  let to = Math.min(text.length, end16 + around);
  if (from > 0) from = text.indexOf(" ", from) + 1 || from;
  if (to < text.length) to = text.lastIndexOf(" ", to) > end16 ? text.lastIndexOf(" ", to) : to;
  const nodes = [];
  if (from > 0) nodes.push(document.createTextNode("… "));
  const lead = document.createTextNode(text.slice(from, markStart));
  const mark = el("mark", markClass ? { class: markClass } : {}, text.slice(markStart, markEnd));
  const tail = document.createTextNode(text.slice(markEnd, to));
  nodes.push(lead, mark, tail);
  if (to < text.length) nodes.push(document.createTextNode(" …"));
  return { nodes, from, lead, mark, tail };
}

// `differs`: the field differs between the unit's versions (highlighted, and said).
function labelLine(dl, term, value, colour, { field, differs = false } = {}) {
  const attrs = field ? { "data-field": field } : {};
  if (differs) attrs.class = "field--differs";
  const dd = el("dd", { ...attrs });
  if (colour) {
    const swatch = el("span", { class: "swatch", "aria-hidden": "true" });
    swatch.style.background = colour;
    dd.append(swatch);
  }
  dd.append(document.createTextNode(value || "—"));
  if (differs) {
    dd.dataset.differs = "1";
    dd.append(el("span", { class: "differs-tag" }, "differs"));
  }
  dl.append(el("dt", differs ? { class: "field--differs" } : {}, term), dd);
}

// labels: {claimTypes, levels}, code -> label maps of the session's scheme.
export function versionCard(version, unit, text, labels) {
  const card = el("article", { class: "version", "data-letter": version.letter, "data-span-id": String(version.id) });
  const gold = unit.gold;
  if (gold?.decision === "accepted") {
    // Decisions recorded before accepted_span existed may lack it: match offsets.
    const chosen = gold.accepted_span != null
      ? gold.accepted_span === version.id
      : gold.start === version.start && gold.end === version.end;
    if (chosen) card.dataset.chosen = "1";
  }
  const head = el("h3");
  head.append(el("span", { class: "letter" }, version.letter), document.createTextNode(version.reviewer));
  card.append(head);
  const ctx = el("div", { class: "context" });
  const low = Math.min(unit.start_utf16, version.start_utf16);
  const high = Math.max(unit.end_utf16, version.end_utf16);
  ctx.append(...snippet(text, low, high, version.start_utf16, version.end_utf16, "", CARD_CONTEXT_CHARS).nodes);
  card.append(ctx);
  const dl = el("dl");
  const differs = differingFields(unit);
  const field = (name) => ({ field: name, differs: differs.has(name) });
  labelLine(dl, "Offsets", `${version.start}–${version.end} (${version.end - version.start} chars)`, null, field("offsets"));
  const claim = labels.claimTypes.get(version.claim_type);
  labelLine(dl, "Claim type", claim ? claim.name : version.claim_type, claim?.color, field("claim_type"));
  const level = labels.levels.get(version.sourcing_quality);
  labelLine(dl, "Sourcing", level ? `${level.rank}. ${level.name}` : version.sourcing_quality, null, field("sourcing_quality"));
  labelLine(dl, "Cited source", version.cited_source, null, field("cited_source"));
  labelLine(dl, "Note", version.note);
  card.append(dl);
  return card;
}

function goldOrigin(gold) {
  if (gold.decision === "accepted" && gold.accepted_reviewer) {
    const accepted = gold.source_spans.find((s) => s.id === gold.accepted_span);
    const letter = accepted?.letter ? `version ${accepted.letter}, ` : "";
    return `accepted ${letter}by ${gold.accepted_reviewer}`;
  }
  const from = gold.source_spans.map((s) => s.letter).filter(Boolean).join(", ");
  return `${gold.decision}${from ? ` from ${from}` : ""}`;
}

export function goldText(gold, labels) {
  if (!gold) return "";
  const who = `${gold.decided_by}, revision ${gold.revision}`;
  if (gold.decision === "rejected") return `Gold: rejected (not a claim) by ${who}.`;
  const claim = labels.claimTypes.get(gold.claim_type)?.name ?? gold.claim_type;
  const level = labels.levels.get(gold.sourcing_quality)?.name ?? gold.sourcing_quality;
  const verdict = gold.verdict ? `, verdict ${gold.verdict}` : "";
  const facts = gold.facts.length ? `; facts: ${gold.facts.map((f) => `${f.label} = ${f.value}`).join("; ")}` : "";
  const cited = gold.cited_source ? `, ${gold.cited_source}` : "";
  return `Gold (${goldOrigin(gold)}): ${gold.start}–${gold.end} “${gold.quote}”, ${claim}, ${level}${cited}${verdict}${facts} — ${who}.`;
}
