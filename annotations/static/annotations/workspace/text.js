// The article text: rendered with its spans as highlights, and the keyboard's word
// cursor drawn over it.
//
// Each rendered text node knows its UTF-16 start in the article text, so DOM
// boundaries and text offsets convert both ways. The word cursor is drawn with the
// CSS Custom Highlight API, so a cursor step moves one Range over the rendered text
// nodes instead of rebuilding the text; browsers without it get the chosen words
// rendered as segments (.seg--kbd). Text reaches the DOM through text nodes only.

import { sortedSpans } from "./document.js";

const WORD_CURSOR = "word-cursor"; // the highlight's name; styled in workspace.css
const OTHERS_COLOR = "#9aa0a6";
const UNKNOWN_COLOR = "#888888";

export const canHighlight =
  typeof CSS !== "undefined" && "highlights" in CSS && typeof Highlight === "function";

// marks() says what to draw besides the spans: {pending, activeId, cursor}, the
// new selection and the open span's id, and the word cursor's {start, end} or null.
export class TextView {
  #textNodes = []; // [{node, start}] in document order; start in UTF-16 units
  #nodeStart = new WeakMap(); // rendered text node -> its UTF-16 start

  constructor(textEl, doc, marks) {
    this.textEl = textEl;
    this.doc = doc;
    this.marks = marks;
    // The browser's bidi algorithm lays out the runs; highlights are inline
    // segments of the logical text, so they follow the visual runs.
    textEl.dir = doc.direction;
  }

  // A boundary inside a rendered text node maps directly; an element boundary maps
  // to the start of the first text node at or after it.
  boundaryToOffset(node, offset) {
    if (node.nodeType === Node.TEXT_NODE && this.#nodeStart.has(node)) {
      return this.#nodeStart.get(node) + offset;
    }
    const probe = document.createRange();
    probe.setStart(node, offset);
    for (const entry of this.#textNodes) {
      if (probe.comparePoint(entry.node, 0) >= 0) return entry.start;
    }
    return this.doc.text.length;
  }

  // The inverse of boundaryToOffset: the rendered text node and offset in it for a
  // UTF-16 offset in the article text. side "after" takes the node holding the unit at
  // `offset` (a range's start), "before" the node holding the unit before it (a
  // range's end), so neither lands at the edge of a neighbouring node or paragraph.
  #offsetToPoint(offset, side) {
    const nodes = this.#textNodes;
    if (!nodes.length) return null;
    const unit = side === "before" ? offset - 1 : offset;
    let low = 0;
    let high = nodes.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (nodes[middle].start <= unit) low = middle;
      else high = middle - 1;
    }
    const { node, start } = nodes[low];
    return { node, offset: Math.min(Math.max(offset - start, 0), node.length) };
  }

  #domRange(start, end) {
    const first = this.#offsetToPoint(start, "after");
    const last = this.#offsetToPoint(end, "before");
    if (!first || !last) return null;
    const range = document.createRange();
    range.setStart(first.node, first.offset);
    range.setEnd(last.node, last.offset);
    return range;
  }

  // A DOM Range over [start, end) (UTF-16) of the rendered text, or null.
  rangeFor(start, end) {
    return this.#domRange(start, end);
  }

  #segmentElement(node, covering, pending, activeId, chosen) {
    const element = document.createElement("span");
    element.className = "seg";
    element.dataset.spans = covering.map((s) => s.id).join(" ");
    const shadows = [];
    const names = [];
    covering.forEach((span, depth) => {
      const claim = this.doc.claimTypes.get(span.claim_type);
      const color = span.is_mine ? (claim ? claim.color : UNKNOWN_COLOR) : OTHERS_COLOR;
      if (depth < 5) shadows.push(`inset 0 -${(depth + 1) * 3}px 0 ${color}`);
      const owner = span.is_mine ? "" : ` (${span.reviewer})`;
      names.push(`${claim ? claim.name : span.claim_type}${owner}`);
      if (span.id === activeId) element.classList.add("seg--active");
    });
    const mine = covering.filter((s) => s.is_mine);
    if (mine.length) {
      const claim = this.doc.claimTypes.get(mine[mine.length - 1].claim_type);
      element.style.backgroundColor = `${claim ? claim.color : UNKNOWN_COLOR}2e`;
      element.classList.add("seg--mine");
    } else if (covering.length) {
      element.classList.add("seg--others");
    }
    if (covering.length > 1) element.classList.add("seg--multi");
    if (pending) element.classList.add("seg--pending");
    if (chosen) element.classList.add("seg--kbd");
    element.style.boxShadow = shadows.join(", ");
    element.style.paddingBottom = `${Math.min(covering.length, 5) * 3}px`;
    if (names.length) element.title = names.join(" · ");
    element.append(node);
    return element;
  }

  // Every offset where a segment starts or ends: span edges, the new selection and
  // (without the highlight API) the chosen words.
  #boundaries(spans, ranges) {
    const cuts = new Set([0, this.doc.text.length]);
    for (const span of spans) {
      cuts.add(span.u16start);
      cuts.add(span.u16end);
    }
    for (const range of ranges) {
      if (range) {
        cuts.add(range.start);
        cuts.add(range.end);
      }
    }
    return [...cuts].sort((a, b) => a - b);
  }

  render() {
    const text = this.doc.text;
    const spans = sortedSpans(this.doc, () => true);
    const { pending, activeId, cursor } = this.marks();
    // With the highlight API the chosen words are a Range over the text, not segments.
    const chosen = canHighlight ? null : cursor;
    const sorted = this.#boundaries(spans, [pending, chosen]);
    const covers = (range, from, to) => Boolean(range && range.start <= from && range.end >= to);
    const fragment = document.createDocumentFragment();
    const nodes = [];
    const starts = new WeakMap();
    let lineStart = 0;
    let next = 0; // index into sorted
    while (lineStart <= text.length) {
      let lineEnd = text.indexOf("\n", lineStart);
      if (lineEnd === -1) lineEnd = text.length;
      if (lineEnd > lineStart) {
        const paragraph = document.createElement("p");
        let segStart = lineStart;
        while (next < sorted.length && sorted[next] <= lineStart) next += 1;
        const cuts = [];
        while (next < sorted.length && sorted[next] < lineEnd) cuts.push(sorted[next++]);
        cuts.push(lineEnd);
        for (const segEnd of cuts) {
          const node = document.createTextNode(text.slice(segStart, segEnd));
          starts.set(node, segStart);
          nodes.push({ node, start: segStart });
          const covering = spans.filter((s) => s.u16start <= segStart && s.u16end >= segEnd);
          const isPending = covers(pending, segStart, segEnd);
          const isChosen = covers(chosen, segStart, segEnd);
          if (covering.length || isPending || isChosen) {
            paragraph.append(this.#segmentElement(node, covering, isPending, activeId, isChosen));
          } else {
            paragraph.append(node);
          }
          segStart = segEnd;
        }
        fragment.append(paragraph);
      }
      lineStart = lineEnd + 1;
    }
    this.#textNodes = nodes;
    this.#nodeStart = starts;
    this.textEl.replaceChildren(fragment);
    // The old text nodes are gone, and the highlight's Range with them: draw it anew.
    if (canHighlight) this.#paintCursor();
  }

  #paintCursor() {
    const range = this.marks().cursor;
    const dom = range && this.#domRange(range.start, range.end);
    if (dom) CSS.highlights.set(WORD_CURSOR, new Highlight(dom));
    else CSS.highlights.delete(WORD_CURSOR);
  }

  // Shows the word cursor: moves the highlight, or (without the API) re-renders.
  drawCursor() {
    if (canHighlight) this.#paintCursor();
    else this.render();
  }

  // Takes the cursor off the text without a re-render, which would break a drag.
  eraseCursor() {
    if (canHighlight) {
      CSS.highlights.delete(WORD_CURSOR);
      return;
    }
    for (const element of this.textEl.querySelectorAll(".seg--kbd")) {
      element.classList.remove("seg--kbd");
    }
  }

  // Brings `word` into view, as scrollIntoView "nearest" would; `forward` says the
  // cursor's moving end is the last chosen word (else the first).
  revealWord(word, forward) {
    if (!canHighlight) {
      const chosen = this.textEl.querySelectorAll(".seg--kbd");
      const end = chosen[forward ? chosen.length - 1 : 0];
      if (end) end.scrollIntoView({ block: "nearest" });
      return;
    }
    const dom = this.#domRange(word.start, word.end);
    if (!dom) return;
    const box = dom.getBoundingClientRect();
    if (box.top < 0) window.scrollBy(0, box.top);
    else if (box.bottom > window.innerHeight) window.scrollBy(0, box.bottom - window.innerHeight);
  }

  // Scrolls to a span's first segment and flashes all of them.
  jumpTo(spanId) {
    const segments = [...this.textEl.querySelectorAll(".seg")].filter((element) =>
      element.dataset.spans.split(" ").includes(String(spanId)),
    );
    if (!segments.length) return;
    segments[0].scrollIntoView({ block: "center", behavior: "smooth" });
    for (const element of segments) {
      element.classList.remove("flash");
      void element.offsetWidth; // restart the animation
      element.classList.add("flash");
    }
  }
}
