// The page's data: the article text, the scheme's labels and the spans shown.
//
// Spans are kept with their UTF-16 offsets (u16start, u16end), the unit the DOM
// counts in; the API returns them as start_utf16/end_utf16 beside the code points.
// The session's granularity says whether selections snap to whole words
// (words.js); the article's direction ("ltr" | "rtl") is the server's (set on the
// article or detected), with the same detection here as a fallback.

import { codePointToUtf16Map } from "../offsets.js";
import { TextSegments, textDirection } from "../words.js";

export function createDocument({ scheme, granularity, article, spans }) {
  const doc = {
    article, // the article's own fields, without its spans
    text: article.text,
    granularity: granularity === "word" ? "word" : "character",
    direction: article.direction || textDirection(article.text),
    segments: new TextSegments(article.text), // words and grapheme clusters
    cpToUtf16: codePointToUtf16Map(article.text), // code point offset -> UTF-16
    claimTypes: new Map(), // code -> claim type, in the scheme's order
    levels: new Map(), // code -> sourcing level, best first
    spans: new Map(), // id -> span with u16start/u16end
    done: Boolean(article.my_done),
    questionCount: (scheme.article_questions || []).length, // article questions
  };
  for (const claim of [...scheme.claim_types].sort((a, b) => a.position - b.position)) {
    doc.claimTypes.set(claim.code, claim);
  }
  for (const level of [...scheme.sourcing_levels].sort((a, b) => a.rank - b.rank)) {
    doc.levels.set(level.code, level);
  }
  for (const span of spans) storeSpan(doc, { is_mine: true, ...span });
  return doc;
}

// Keeps a span from the API (replacing the one with its id); returns it as kept.
export function storeSpan(doc, span) {
  const start = Number.isInteger(span.start_utf16) ? span.start_utf16 : doc.cpToUtf16[span.start];
  const end = Number.isInteger(span.end_utf16) ? span.end_utf16 : doc.cpToUtf16[span.end];
  const normal = { ...span, u16start: start, u16end: end };
  if (normal.is_mine === undefined) normal.is_mine = true;
  doc.spans.set(normal.id, normal);
  return normal;
}

// Spans passing `filter` in text order (outer before inner, then by id).
export function sortedSpans(doc, filter) {
  return [...doc.spans.values()]
    .filter(filter)
    .sort((a, b) => a.u16start - b.u16start || b.u16end - a.u16end || a.id - b.id);
}

export function excerpt(text, limit = 90) {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat;
}
