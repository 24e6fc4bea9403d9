// The "edit" decision: offsets (code points, as shown and sent), labels and cited
// source of the gold span, chosen by selecting words in the context or typing. A
// selection snaps to whole words in a session of `word` granularity (the
// workspace's rule, words.js), else it keeps whole grapheme clusters.

import { el } from "../http.js";
import { codePointToUtf16, trimWhitespace, utf16ToCodePoint } from "../offsets.js";
import { TextSegments } from "../words.js";

const byId = (id) => document.getElementById(id);

function fillSelect(select, items, current) {
  select.replaceChildren(...items.map((item) => el("option", { value: item.code }, item.rank ? `${item.rank}. ${item.name}` : item.name)));
  select.value = current;
}

// Sums the context's text before a DOM boundary, skipping the "… " ellipsis nodes.
function contextOffset(contextEl, container, offset) {
  let total = 0;
  const walker = document.createTreeWalker(contextEl, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const isEllipsis = node.parentNode === contextEl && (node.data === "… " || node.data === " …");
    if (node === container) return isEllipsis ? total : total + offset;
    if (!isEllipsis) total += node.data.length;
  }
  return total;
}

// current() -> {unit, article} of the unit on screen (either may be missing).
export class EditForm {
  editing = false;

  #segments = null; // TextSegments of the last article text selected in

  constructor({ formEl, contextEl, scheme, current, say, granularity }) {
    Object.assign(this, { formEl, contextEl, scheme, current, say, granularity });
  }

  // [start, end) (UTF-16) as the session's granularity keeps it, or null.
  #settle(text, start, end) {
    if (!this.#segments || this.#segments.text !== text) this.#segments = new TextSegments(text);
    if (this.granularity === "word") return this.#segments.snap(start, end);
    const whole = this.#segments.wholeGraphemes(start, end);
    return trimWhitespace(text, whole.start, whole.end);
  }

  // The quote the typed offsets cut from the article text.
  updateQuote() {
    const { article } = this.current();
    const quote = byId("edit-quote");
    const start = Number(byId("edit-start").value);
    const end = Number(byId("edit-end").value);
    if (!article || !Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end <= start) {
      quote.textContent = "";
      return;
    }
    const text = article.text;
    quote.textContent = text.slice(codePointToUtf16(text, start), codePointToUtf16(text, end));
  }

  open() {
    const { unit } = this.current();
    if (!unit) return;
    const base = unit.gold?.decision && unit.gold.decision !== "rejected" ? unit.gold : unit.versions[0];
    byId("edit-start").value = String(base.start);
    byId("edit-end").value = String(base.end);
    fillSelect(byId("edit-claim-type"), this.scheme.claim_types, base.claim_type);
    fillSelect(byId("edit-sourcing"), this.scheme.sourcing_levels, base.sourcing_quality);
    byId("edit-cited-source").value = base.cited_source ?? "";
    this.formEl.hidden = false;
    this.editing = true;
    this.updateQuote();
    byId("edit-start").focus();
    this.say("Editing: select words in the text above, or type offsets. Enter saves, Esc cancels.");
  }

  close() {
    this.formEl.hidden = true;
    this.editing = false;
  }

  // A selection inside the context box sets the edit offsets (code points).
  takeSelection() {
    if (!this.editing) return;
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || !selection.rangeCount) return;
    const range = selection.getRangeAt(0);
    const contextEl = this.contextEl;
    if (!contextEl.contains(range.startContainer) || !contextEl.contains(range.endContainer)) return;
    const text = this.current().article.text;
    const from = Number(contextEl.dataset.from);
    const start = from + contextOffset(contextEl, range.startContainer, range.startOffset);
    const end = from + contextOffset(contextEl, range.endContainer, range.endOffset);
    const trimmed = this.#settle(text, start, end);
    if (!trimmed) {
      this.say("The selection covers no word (only spaces or punctuation): select at least one word.");
      return;
    }
    byId("edit-start").value = String(utf16ToCodePoint(text, trimmed.start));
    byId("edit-end").value = String(utf16ToCodePoint(text, trimmed.end));
    this.updateQuote();
  }

  // The decision body of the edit; null when an offset is not a whole number.
  decision() {
    const start = Number(byId("edit-start").value);
    const end = Number(byId("edit-end").value);
    if (!Number.isInteger(start) || !Number.isInteger(end)) return null;
    return {
      decision: "edited",
      start,
      end,
      offset_unit: "codepoint",
      claim_type: byId("edit-claim-type").value,
      sourcing_quality: byId("edit-sourcing").value,
      cited_source: byId("edit-cited-source").value,
    };
  }
}
