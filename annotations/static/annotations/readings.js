// One reading scale for every agreement figure on the dashboard.
//
// The server decides the readings (annotations/metrics/readings.py) and sends them
// beside the figures; this module only draws them: the scale's colour bands, their
// legend, and undefined shown one way everywhere ("undefined — why").

import { el } from "./http.js";

export const SCALE = { reliable: 0.8, tentative: 0.667 };

// Where an estimate falls on the scale: the colour band of the heatmap, the bars
// and the alpha scale alike.
export function band(value) {
  if (value === null || value === undefined) return "undefined";
  if (value >= SCALE.reliable) return "reliable";
  if (value >= SCALE.tentative) return "tentative";
  return "unreliable";
}

export const BAND_COLOURS = {
  reliable: "#2f8f5b",
  tentative: "#e0b43a",
  unreliable: "#c0392b",
  undefined: "#e3e6ea",
};

export const BAND_INK = { reliable: "#fff", tentative: "#1d232b", unreliable: "#fff", undefined: "#5b6573" };

export const TONES = { reliable: "good", tentative: "fair", unreliable: "poor", too_few: "none", undefined: "none" };

export const BAND_WORDS = {
  reliable: `≥ ${SCALE.reliable.toFixed(3)} reliable range`,
  tentative: `${SCALE.tentative} – ${SCALE.reliable.toFixed(3)} tentative range`,
  unreliable: `< ${SCALE.tentative} not reliable`,
  undefined: "undefined",
};

export function fmt(value, digits = 3) {
  return value === null || value === undefined ? "undefined" : Number(value).toFixed(digits);
}

// A figure as text: its value, or "undefined — why" (the same words everywhere).
export function figureText(value, reading, digits = 3) {
  if (value !== null && value !== undefined) return Number(value).toFixed(digits);
  return reading?.why ? `undefined — ${reading.why}` : "undefined";
}

// The legend of the colour bands; `extra` adds entries such as the too-few mark.
export function legend(extra = []) {
  const list = el("ul", { class: "scale-legend", "data-testid": "scale-legend", "aria-label": "Reading scale" });
  for (const key of ["reliable", "tentative", "unreliable", "undefined"]) {
    const item = el("li", { "data-band": key });
    const swatch = el("span", { class: "swatch", "aria-hidden": "true" });
    swatch.style.background = BAND_COLOURS[key];
    item.append(swatch, document.createTextNode(BAND_WORDS[key]));
    list.append(item);
  }
  for (const text of extra) list.append(el("li", { class: "muted" }, text));
  return list;
}

// The reading badge: words from the server, tone from its level.
export function readingBadge(reading, attrs = {}) {
  const level = reading?.level ?? "undefined";
  return el("p", { class: `reading reading--${TONES[level] ?? "none"}`, "data-level": level, ...attrs }, reading?.words ?? "not computed");
}

export function diagnosticsList(diagnostics) {
  const list = el("ul", { class: "diagnostics", "data-testid": "diagnostics" });
  for (const item of diagnostics ?? []) {
    list.append(el("li", { "data-kind": item.kind }, item.sentence));
  }
  if (!list.children.length) list.append(el("li", { "data-kind": "none" }, "Nothing stands out: no label skew, no reviewer far from the others, few boundary-only disputes."));
  return list;
}

const REASON_WORDS = {
  missed_by: "a reviewer did not mark it",
  boundary: "boundaries differ",
  boundary_only: "only the boundaries differ",
  claim_type: "claim type differs",
  sourcing_quality: "sourcing quality differs",
  cited_source: "cited source differs",
  none: "no disagreement",
};

// Units by reason, each a link to the disputes queue filtered by it.
export function reasonCounts(counts, sessionId) {
  const list = el("dl", { class: "counts", "data-testid": "reason-counts" });
  if (!counts) return el("p", { class: "muted small" }, "Recompute to count units by reason.");
  for (const key of ["missed_by", "boundary", "boundary_only", "claim_type", "sourcing_quality", "cited_source"]) {
    const term = el("dt");
    if (key === "boundary_only") term.append(document.createTextNode(REASON_WORDS[key]));
    else term.append(el("a", { href: `/sessions/${sessionId}/disputes/?reason=${key}` }, REASON_WORDS[key]));
    list.append(term, el("dd", { "data-reason": key }, String(counts[key] ?? 0)));
  }
  return list;
}
