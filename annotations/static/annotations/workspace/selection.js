// Choosing words: a mouse or touch selection, or the keyboard's word cursor.
//
// In the focused text a word cursor moves over words; Shift extends it, Enter hands
// the chosen words to the same place a mouse selection goes (host.take). In a
// session of `word` granularity the words are those of the snap rule (words.js) and
// every selection, mouse or keyboard, is snapped by it, so the same words give the
// same offsets however they were chosen; in `character` granularity the cursor steps
// over runs of non-whitespace and a mouse selection keeps what was selected (whole
// grapheme clusters, no surrounding whitespace). ← and → follow the article's
// direction (in right-to-left text ← goes to the next word). Offsets are UTF-16.

import { trimWhitespace } from "../offsets.js";
import { excerpt } from "./document.js";

function runsOf(text) {
  return [...text.matchAll(/\S+/g)].map((match) => ({
    start: match.index,
    end: match.index + match[0].length,
  }));
}

// [start, end) as the session's granularity keeps it; null when it holds nothing.
export function settle(doc, start, end) {
  if (doc.granularity === "word") return doc.segments.snap(start, end);
  const whole = doc.segments.wholeGraphemes(Math.max(start, 0), Math.min(end, doc.text.length));
  return trimWhitespace(doc.text, whole.start, whole.end);
}

const NOTHING = {
  word: "The selection covers no word (only spaces, punctuation or quotation marks): select at least one word.",
  character: "The selection covers no text (only spaces): select at least one character.",
};

// host: mode() "idle" | "editing" | "reselecting"; take(offsets, {fromKeyboard});
// endReselecting() when Esc leaves "Change words"; nothing(message) when a
// selection holds no word.
export class WordCursor {
  #words; // [{start, end}] the words the cursor steps over, UTF-16
  #chosen = null; // {anchor, focus}: word indexes of the chosen words
  #resumeAt = null; // word index the next arrow starts from after Esc

  constructor({ textEl, liveEl, doc, view, enabled, host }) {
    Object.assign(this, { textEl, liveEl, doc, view, enabled, host });
    this.#words = doc.granularity === "word" ? doc.segments.words : runsOf(doc.text);
  }

  // The last word starting at or before `offset` (the first word if none does).
  #wordIndexAt(offset) {
    const words = this.#words;
    let low = 0;
    let high = words.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (words[middle].start <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  }

  // The chosen words as {start, end, count}, or null.
  range() {
    if (!this.#chosen) return null;
    const { anchor, focus } = this.#chosen;
    const first = Math.min(anchor, focus);
    const last = Math.max(anchor, focus);
    const words = this.#words;
    const settled = settle(this.doc, words[first].start, words[last].end);
    return { ...settled, count: last - first + 1 };
  }

  // Scrolls to the word the cursor moved to and tells screen readers what is chosen.
  #announce() {
    const range = this.range();
    if (!range) return;
    const { anchor, focus } = this.#chosen;
    this.view.revealWord(this.#words[focus], focus >= anchor);
    if (this.liveEl) {
      const quote = excerpt(this.doc.text.slice(range.start, range.end), 80);
      this.liveEl.textContent = range.count === 1 ? quote : `${range.count} words: ${quote}`;
    }
  }

  #clear() {
    if (this.#chosen) this.#resumeAt = this.#chosen.focus;
    this.#chosen = null;
    if (this.liveEl) this.liveEl.textContent = "";
    this.view.drawCursor();
  }

  // The first arrow starts where Esc left the cursor, else where the user clicked,
  // else at the first word.
  #caretWord() {
    if (this.#resumeAt !== null) return this.#resumeAt;
    const selection = window.getSelection();
    if (!selection || !selection.isCollapsed || !this.textEl.contains(selection.focusNode)) {
      return 0;
    }
    const offset = this.view.boundaryToOffset(selection.focusNode, selection.focusOffset);
    const index = this.#wordIndexAt(offset);
    const inGapAfter = offset >= this.#words[index].end && index < this.#words.length - 1;
    return inGapAfter ? index + 1 : index;
  }

  // The word index a cursor key moves to, or null for other keys.
  #target(key) {
    const lastWord = this.#words.length - 1;
    if (key === "Home") return 0;
    if (key === "End") return lastWord;
    if (key !== "ArrowRight" && key !== "ArrowLeft") return null;
    if (!this.#chosen) return this.#caretWord(); // the first arrow only shows the cursor
    const forward = this.doc.direction === "rtl" ? "ArrowLeft" : "ArrowRight";
    const step = key === forward ? 1 : -1;
    return Math.min(Math.max(this.#chosen.focus + step, 0), lastWord);
  }

  #takeChosen() {
    const range = this.range();
    const last = Math.max(this.#chosen.anchor, this.#chosen.focus);
    // The cursor stays on the last chosen word, so the next arrow continues after it.
    this.#chosen = { anchor: last, focus: last };
    this.host.take({ start: range.start, end: range.end }, { fromKeyboard: true });
  }

  // A key in the focused text, while no panel is open or while the open span's words
  // are being changed; returns true when it handled the key.
  onKey(event) {
    const mode = this.host.mode();
    if (!this.enabled || !this.#words.length || mode === "editing") return false;
    if (event.ctrlKey || event.metaKey || event.altKey) return false;
    const chosen = this.#chosen;
    if (event.key === "Enter" && chosen) {
      event.preventDefault();
      this.#takeChosen();
      return true;
    }
    if (event.key === "Escape" && (chosen || mode === "reselecting")) {
      event.preventDefault();
      this.#clear();
      if (mode === "reselecting") this.host.endReselecting();
      return true;
    }
    const target = this.#target(event.key);
    if (target === null) return false;
    event.preventDefault();
    const anchor = event.shiftKey && chosen ? chosen.anchor : target;
    this.#chosen = { anchor, focus: target };
    this.#resumeAt = null;
    this.view.drawCursor();
    this.#announce();
    return true;
  }

  // Puts the cursor on the words of [start, end) and the focus in the text.
  placeOn(start, end) {
    if (!this.#words.length) return;
    const first = this.#wordIndexAt(start);
    const last = Math.max(first, this.#wordIndexAt(end - 1));
    this.#chosen = { anchor: first, focus: last };
    this.view.drawCursor();
    this.textEl.focus({ preventScroll: true });
    this.#announce();
  }

  // A mouse press in the text: the next arrow starts from the click.
  drop() {
    this.#chosen = null;
    this.#resumeAt = null;
    this.view.eraseCursor();
  }

  // The mouse selection in the text as offsets, clipped to the text and settled by
  // the granularity (never half a grapheme cluster); undefined when nothing of the
  // text is selected, null when the selection holds no word.
  #selectionOffsets() {
    const selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return undefined;
    const dom = selection.getRangeAt(0);
    if (!dom.intersectsNode(this.textEl)) return undefined;
    const start = this.textEl.contains(dom.startContainer)
      ? this.view.boundaryToOffset(dom.startContainer, dom.startOffset)
      : 0;
    const end = this.textEl.contains(dom.endContainer)
      ? this.view.boundaryToOffset(dom.endContainer, dom.endOffset)
      : this.doc.text.length;
    if (end <= start) return undefined;
    return settle(this.doc, start, end);
  }

  // Hands a mouse or touch selection in the text (if any) to host.take.
  takeSelection() {
    if (!this.enabled) return;
    const offsets = this.#selectionOffsets();
    if (offsets === undefined) return;
    if (offsets === null) {
      this.host.nothing(NOTHING[this.doc.granularity]);
      return;
    }
    this.#chosen = null;
    this.host.take(offsets, { fromKeyboard: false });
  }
}
