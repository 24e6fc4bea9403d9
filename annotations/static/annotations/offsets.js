// Offsets into an article's text, shared by every page.
//
// The DOM and JavaScript strings count UTF-16 code units; the server stores Unicode
// code points (an emoji is one code point, two UTF-16 units). Pages work in UTF-16
// against the DOM and convert here, at the one place, when they read or send code
// points. Ranges are [start, end), end exclusive.

function isHigh(code) {
  return code >= 0xd800 && code <= 0xdbff;
}

function isLow(code) {
  return code >= 0xdc00 && code <= 0xdfff;
}

// Code point offset -> UTF-16 offset, as an array indexed by code point (one entry
// past the last character), for converting many offsets of one text.
export function codePointToUtf16Map(text) {
  const map = [0];
  let units = 0;
  for (const char of text) {
    units += char.length;
    map.push(units);
  }
  return map;
}

// The UTF-16 offset of a code point offset (the text's length past its end).
export function codePointToUtf16(text, offset) {
  let units = 0;
  let points = 0;
  for (const char of text) {
    if (points === offset) return units;
    units += char.length;
    points += 1;
  }
  return units;
}

// The code point offset of a UTF-16 offset; inside a surrogate pair it counts the
// pair's first half, so it rounds up to the end of that character.
export function utf16ToCodePoint(text, offset) {
  let count = 0;
  for (let i = 0; i < offset; i += 1) {
    const pairSecondHalf = i > 0 && isLow(text.charCodeAt(i)) && isHigh(text.charCodeAt(i - 1));
    if (!pairSecondHalf) count += 1;
  }
  return count;
}

// [start, end) widened so that it never splits a surrogate pair (an emoji).
export function wholeCodePoints(text, start, end) {
  let from = start;
  let to = end;
  if (from > 0 && isLow(text.charCodeAt(from)) && isHigh(text.charCodeAt(from - 1))) from -= 1;
  if (to < text.length && isLow(text.charCodeAt(to)) && isHigh(text.charCodeAt(to - 1))) to += 1;
  return { start: from, end: to };
}

// [start, end) with leading and trailing whitespace snapped off; null when nothing
// but whitespace is left.
export function trimWhitespace(text, start, end) {
  let from = start;
  let to = end;
  while (from < to && /\s/.test(text[from])) from += 1;
  while (to > from && /\s/.test(text[to - 1])) to -= 1;
  return to > from ? { start: from, end: to } : null;
}
