// Words and grapheme clusters of an article's text, the rule that snaps a selection
// to whole words, and the text's direction. Shared by the workspace and the disputes
// page; offsets are UTF-16, like the DOM's.
//
// Words come from the browser's Unicode word segmentation (Intl.Segmenter, which
// knows Latin, Arabic-script, CJK and Thai words), with two additions: an emoji (a
// ZWJ sequence or a flag counts once) is a word, and invisible format characters
// (bidi marks and isolates, soft hyphen) never stand at a word's edges. The server
// applies the same rule to API writes that ask for `"snap": "word"`
// (annotations/text.py); tests/fixtures/snap_cases.json holds the cases both must agree on.

const EDGE_FORMAT = /[\p{Cf}--[\u200c\u200d\u0600-\u0605\u06dd\u070f\u0890\u0891\u08e2\u{110bd}\u{110cd}]]/v;
// Signs that belong to the number they touch: "23%", "$5", "₨500".
const ATTACHED = /^[\p{Sc}%\u2030\u2031\u066a\u0609\u060a]$/u;
const EMOJI = /[\p{Extended_Pictographic}\p{Regional_Indicator}]/u;
const RTL_LETTER =
  /[\p{Script=Arabic}\p{Script=Hebrew}\p{Script=Syriac}\p{Script=Thaana}\p{Script=Nko}\p{Script=Adlam}\p{Script=Samaritan}\p{Script=Mandaic}\p{Script=Hanifi_Rohingya}\p{Script=Yezidi}]/u;
const LETTER = /\p{L}/u;

const wordSegmenter = new Intl.Segmenter("und", { granularity: "word" });
const graphemeSegmenter = new Intl.Segmenter("und", { granularity: "grapheme" });

// Offsets where a grapheme cluster starts, and text.length.
export function graphemeBoundaries(text) {
  const bounds = [];
  for (const { index } of graphemeSegmenter.segment(text)) bounds.push(index);
  bounds.push(text.length);
  return bounds;
}

// The words of `text` as [{start, end}], in order.
export function wordsOf(text) {
  const words = [];
  for (const { segment, index, isWordLike } of wordSegmenter.segment(text)) {
    if (!isWordLike && !EMOJI.test(segment)) continue;
    let start = index;
    let end = index + segment.length;
    while (start < end && EDGE_FORMAT.test(text[start])) start += 1;
    while (end > start && EDGE_FORMAT.test(text[end - 1])) end -= 1;
    if (end > start) words.push({ start, end });
  }
  return words;
}

// The first index in the ascending `values` whose value is > `target`.
function upperBound(values, target, key = (value) => value) {
  let low = 0;
  let high = values.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (key(values[middle]) <= target) low = middle + 1;
    else high = middle;
  }
  return low;
}

// The code point ending at `offset` / starting at `offset`, as a string.
function pointBefore(text, offset) {
  const code = text.charCodeAt(offset - 1);
  const pair = code >= 0xdc00 && code <= 0xdfff && offset >= 2;
  return text.slice(pair ? offset - 2 : offset - 1, offset);
}

function pointAt(text, offset) {
  return String.fromCodePoint(text.codePointAt(offset));
}

// One text's words and clusters, computed once, and the rules that use them.
export class TextSegments {
  constructor(text) {
    this.text = text;
    this.words = wordsOf(text);
    this.bounds = graphemeBoundaries(text);
  }

  // [start, end) widened so that it never splits a grapheme cluster (an emoji with
  // its modifiers, a letter with its combining marks, a flag).
  wholeGraphemes(start, end) {
    const bounds = this.bounds;
    const from = bounds[Math.max(upperBound(bounds, start) - 1, 0)];
    const to = bounds[Math.min(upperBound(bounds, end - 1), bounds.length - 1)];
    return { start: from, end: Math.max(to, from) };
  }

  // [start, end) grown to the whole words it touches; null when it touches none.
  // Clipped to the text first. Spaces, punctuation and quotation marks around the
  // words are left out (a quote's enclosing marks, a trailing comma or full stop);
  // a currency or percent sign touching the first or last word is kept.
  snap(start, end) {
    const text = this.text;
    const from = Math.max(start, 0);
    const to = Math.min(end, text.length);
    if (to <= from) return null;
    const words = this.words;
    const first = upperBound(words, from, (word) => word.end);
    if (first >= words.length || words[first].start >= to) return null;
    const last = upperBound(words, to - 1, (word) => word.start) - 1;
    let snappedStart = words[first].start;
    let snappedEnd = words[last].end;
    if (snappedStart > 0) {
      const sign = pointBefore(text, snappedStart);
      if (ATTACHED.test(sign)) snappedStart -= sign.length;
    }
    if (snappedEnd < text.length) {
      const sign = pointAt(text, snappedEnd);
      if (ATTACHED.test(sign)) snappedEnd += sign.length;
    }
    return this.wholeGraphemes(snappedStart, snappedEnd);
  }

  // The index of the last word starting at or before `offset` (0 if none does).
  wordIndexAt(offset) {
    return Math.max(upperBound(this.words, offset, (word) => word.start) - 1, 0);
  }
}

// "rtl" when most of the text's letters are of a right-to-left script, else "ltr".
export function textDirection(text) {
  let rtl = 0;
  let ltr = 0;
  for (const char of text) {
    if (RTL_LETTER.test(char)) rtl += 1;
    else if (LETTER.test(char)) ltr += 1;
  }
  return rtl > ltr ? "rtl" : "ltr";
}
