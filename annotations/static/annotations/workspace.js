// The annotation page: renders an article with its spans and edits spans via the REST API.
//
// Offsets: the DOM (and JavaScript strings) count UTF-16 code units; the server stores
// Unicode code points. This module works in UTF-16 throughout (each rendered text node
// knows its UTF-16 start in the article text), sends `offset_unit: "utf16"`, and reads
// `start_utf16`/`end_utf16` back. User text only ever reaches the DOM via textContent,
// attribute setters or form values, never as HTML.
//
// Words can be chosen without a mouse: in the focused text a word cursor moves over
// runs of non-whitespace (state.words, UTF-16) and Enter hands the chosen words to the
// same code a mouse selection reaches (takeOffsets). The chosen words are drawn with
// the CSS Custom Highlight API, so a cursor step moves one Range over the rendered
// text nodes instead of rebuilding the text; browsers without it get the chosen words
// rendered as segments (.seg--kbd).

import { errorText as apiErrorText, request, getAll } from "./http.js";

const root = document.getElementById("workspace");
const textEl = document.getElementById("article-text");
const messagesEl = document.getElementById("messages");
const statusEl = document.getElementById("status");
const editorEl = document.getElementById("editor");
const formEl = document.getElementById("span-form");
const chooserEl = document.getElementById("chooser");
const cursorLiveEl = document.getElementById("word-cursor-live");

const sessionId = Number(root.dataset.sessionId);
const articleId = Number(root.dataset.articleId);
const canAnnotate = root.dataset.role === "reviewer";
const apiBase = `${root.dataset.api}sessions/${sessionId}/`;
const WORD_CURSOR = "word-cursor"; // the highlight's name; styled in workspace.css
const canHighlight =
  typeof CSS !== "undefined" && "highlights" in CSS && typeof Highlight === "function";

const FIELD_LABELS = {
  start: "Start",
  end: "End",
  quote: "Quote",
  claim_type: "Claim type",
  sourcing_quality: "Sourcing quality",
  cited_source: "Cited source",
  note: "Note",
  version: "Version",
  article: "Article",
  reviewer: "Reviewer",
  done: "Done",
  detail: "",
  non_field_errors: "",
};

const state = {
  article: null,
  text: "",
  claimTypes: new Map(),
  levels: new Map(),
  spans: new Map(),
  textNodes: [], // [{node, start}] in document order; start in UTF-16 units
  nodeStart: new WeakMap(),
  pending: null, // {start, end} of a new selection (UTF-16)
  reselecting: false, // "Change words": the next selection moves the open span
  words: [], // [{start, end}] runs of non-whitespace, UTF-16
  keyboard: null, // {anchor, focus}: word indexes of the keyboard's word range
  keyboardResume: null, // word index the next arrow starts from after Esc
  // {mode: "new"|"edit"|"view", spanId, version, start, end, quote, baseline, fromKeyboard}
  editor: null,
  escArmed: false,
  done: false,
  saving: false,
};

// --- HTTP -------------------------------------------------------------------

function errorText(response, action) {
  return apiErrorText(response, action, { labels: FIELD_LABELS, skip: ["current", "field"] });
}

// --- Messages ---------------------------------------------------------------

function showError(text) {
  messagesEl.replaceChildren();
  const box = document.createElement("div");
  box.className = "message message--error";
  const body = document.createElement("p");
  body.textContent = text;
  const close = document.createElement("button");
  close.type = "button";
  close.className = "message-close";
  close.setAttribute("aria-label", "Dismiss message");
  close.textContent = "×";
  close.addEventListener("click", () => messagesEl.replaceChildren());
  box.append(body, close);
  messagesEl.append(box);
}

function clearError() {
  messagesEl.replaceChildren();
}

let statusTimer = null;
function showStatus(text) {
  statusEl.textContent = text;
  statusEl.classList.add("visible");
  clearTimeout(statusTimer);
  statusTimer = setTimeout(() => statusEl.classList.remove("visible"), 4000);
}

// --- Offsets ----------------------------------------------------------------

function codePointToUtf16Map(text) {
  const map = [0];
  let units = 0;
  for (const char of text) {
    units += char.length;
    map.push(units);
  }
  return map;
}

function normaliseSpan(span, cpMap) {
  const start = Number.isInteger(span.start_utf16) ? span.start_utf16 : cpMap[span.start];
  const end = Number.isInteger(span.end_utf16) ? span.end_utf16 : cpMap[span.end];
  return { ...span, u16start: start, u16end: end };
}

function boundaryToOffset(node, offset) {
  // A boundary inside a rendered text node maps directly; an element boundary maps
  // to the start of the first text node at or after it.
  if (node.nodeType === Node.TEXT_NODE && state.nodeStart.has(node)) {
    return state.nodeStart.get(node) + offset;
  }
  const probe = document.createRange();
  probe.setStart(node, offset);
  for (const entry of state.textNodes) {
    if (probe.comparePoint(entry.node, 0) >= 0) return entry.start;
  }
  return state.text.length;
}

function offsetToPoint(offset, side) {
  // The inverse of boundaryToOffset: the rendered text node and offset in it for a
  // UTF-16 offset in the article text. side "after" takes the node holding the unit at
  // `offset` (a range's start), "before" the node holding the unit before it (a
  // range's end), so neither lands at the edge of a neighbouring node or paragraph.
  const nodes = state.textNodes;
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

function domRange(start, end) {
  const first = offsetToPoint(start, "after");
  const last = offsetToPoint(end, "before");
  if (!first || !last) return null;
  const range = document.createRange();
  range.setStart(first.node, first.offset);
  range.setEnd(last.node, last.offset);
  return range;
}

function wordsOf(text) {
  return [...text.matchAll(/\S+/g)].map((match) => ({
    start: match.index,
    end: match.index + match[0].length,
  }));
}

function wordIndexAt(offset) {
  // The last word starting at or before `offset` (the first word if none does).
  const words = state.words;
  let low = 0;
  let high = words.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (words[middle].start <= offset) low = middle;
    else high = middle - 1;
  }
  return low;
}

function keyboardRange() {
  if (!state.keyboard) return null;
  const { anchor, focus } = state.keyboard;
  const first = Math.min(anchor, focus);
  const last = Math.max(anchor, focus);
  return { start: state.words[first].start, end: state.words[last].end, count: last - first + 1 };
}

function isHigh(code) {
  return code >= 0xd800 && code <= 0xdbff;
}
function isLow(code) {
  return code >= 0xdc00 && code <= 0xdfff;
}

function selectionOffsets() {
  const selection = window.getSelection();
  if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
  const range = selection.getRangeAt(0);
  if (!range.intersectsNode(textEl)) return null;
  let start = textEl.contains(range.startContainer)
    ? boundaryToOffset(range.startContainer, range.startOffset)
    : 0;
  let end = textEl.contains(range.endContainer)
    ? boundaryToOffset(range.endContainer, range.endOffset)
    : state.text.length;
  const text = state.text;
  // Never split a surrogate pair (an emoji), then snap off surrounding whitespace.
  if (start > 0 && isLow(text.charCodeAt(start)) && isHigh(text.charCodeAt(start - 1))) {
    start -= 1;
  }
  if (end < text.length && isLow(text.charCodeAt(end)) && isHigh(text.charCodeAt(end - 1))) {
    end += 1;
  }
  while (start < end && /\s/.test(text[start])) start += 1;
  while (end > start && /\s/.test(text[end - 1])) end -= 1;
  if (end <= start) return null;
  return { start, end };
}

// --- Rendering the text -----------------------------------------------------

function sortedSpans(filter) {
  return [...state.spans.values()]
    .filter(filter)
    .sort((a, b) => a.u16start - b.u16start || b.u16end - a.u16end || a.id - b.id);
}

function hexWithAlpha(hex, alpha) {
  return `${hex}${alpha}`;
}

function renderText() {
  const text = state.text;
  const spans = sortedSpans(() => true);
  const boundaries = new Set([0, text.length]);
  for (const span of spans) {
    boundaries.add(span.u16start);
    boundaries.add(span.u16end);
  }
  if (state.pending) {
    boundaries.add(state.pending.start);
    boundaries.add(state.pending.end);
  }
  // With the highlight API the chosen words are a Range over the text, not segments.
  const keyboard = canHighlight ? null : keyboardRange();
  if (keyboard) {
    boundaries.add(keyboard.start);
    boundaries.add(keyboard.end);
  }
  const sorted = [...boundaries].sort((a, b) => a - b);
  const activeId = state.editor && state.editor.spanId;
  const fragment = document.createDocumentFragment();
  const textNodes = [];
  const nodeStart = new WeakMap();
  let lineStart = 0;
  let cursor = 0; // index into sorted boundaries
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf("\n", lineStart);
    if (lineEnd === -1) lineEnd = text.length;
    if (lineEnd > lineStart) {
      const paragraph = document.createElement("p");
      let segStart = lineStart;
      while (cursor < sorted.length && sorted[cursor] <= lineStart) cursor += 1;
      const cuts = [];
      while (cursor < sorted.length && sorted[cursor] < lineEnd) {
        cuts.push(sorted[cursor]);
        cursor += 1;
      }
      cuts.push(lineEnd);
      for (const segEnd of cuts) {
        const node = document.createTextNode(text.slice(segStart, segEnd));
        nodeStart.set(node, segStart);
        textNodes.push({ node, start: segStart });
        const covering = spans.filter((s) => s.u16start <= segStart && s.u16end >= segEnd);
        const pending =
          state.pending && state.pending.start <= segStart && state.pending.end >= segEnd;
        const chosen = keyboard && keyboard.start <= segStart && keyboard.end >= segEnd;
        if (covering.length || pending || chosen) {
          paragraph.append(segmentElement(node, covering, pending, activeId, chosen));
        } else {
          paragraph.append(node);
        }
        segStart = segEnd;
      }
      fragment.append(paragraph);
    }
    lineStart = lineEnd + 1;
  }
  state.textNodes = textNodes;
  state.nodeStart = nodeStart;
  textEl.replaceChildren(fragment);
  // The old text nodes are gone, and the highlight's Range with them: draw it anew.
  if (canHighlight) paintWordCursor();
}

function segmentElement(node, covering, pending, activeId, chosen) {
  const element = document.createElement("span");
  element.className = "seg";
  element.dataset.spans = covering.map((s) => s.id).join(" ");
  const shadows = [];
  const names = [];
  covering.forEach((span, depth) => {
    const claim = state.claimTypes.get(span.claim_type);
    const color = span.is_mine ? (claim ? claim.color : "#888888") : "#9aa0a6";
    if (depth < 5) shadows.push(`inset 0 -${(depth + 1) * 3}px 0 ${color}`);
    names.push(`${claim ? claim.name : span.claim_type}${span.is_mine ? "" : ` (${span.reviewer})`}`);
    if (span.id === activeId) element.classList.add("seg--active");
  });
  const mine = covering.filter((s) => s.is_mine);
  if (mine.length) {
    const innermost = mine[mine.length - 1];
    const claim = state.claimTypes.get(innermost.claim_type);
    element.style.backgroundColor = hexWithAlpha(claim ? claim.color : "#888888", "2e");
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

// --- Side list, legend, shortcuts ---------------------------------------------

function excerpt(text, limit = 90) {
  const flat = text.replace(/\s+/g, " ");
  return flat.length > limit ? `${flat.slice(0, limit - 1)}…` : flat;
}

function renderSpanList() {
  const list = document.getElementById("span-list");
  const mine = sortedSpans((s) => s.is_mine);
  const items = mine.map((span) => {
    const claim = state.claimTypes.get(span.claim_type);
    const level = state.levels.get(span.sourcing_quality);
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "span-item";
    button.dataset.spanId = span.id;
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.backgroundColor = claim ? claim.color : "#888888";
    const quote = document.createElement("span");
    quote.className = "span-item-quote";
    quote.textContent = `“${excerpt(span.quote)}”`;
    const labels = document.createElement("span");
    labels.className = "span-item-labels";
    labels.textContent = [
      claim ? claim.name : span.claim_type,
      level ? level.name : span.sourcing_quality,
      span.cited_source,
    ]
      .filter(Boolean)
      .join(" · ");
    button.append(swatch, quote, labels);
    button.setAttribute("aria-label", `Go to span: ${excerpt(span.quote, 60)}`);
    button.addEventListener("click", () => {
      openSpan(span.id); // re-renders the text, so flash afterwards
      jumpTo(span.id);
    });
    item.append(button);
    return item;
  });
  list.replaceChildren(...items);
  document.getElementById("span-list-empty").hidden = mine.length > 0;
  document.getElementById("my-spans-title").textContent = `My spans (${mine.length})`;
  document.getElementById("span-count").textContent =
    `${mine.length} span${mine.length === 1 ? "" : "s"}`;
  const othersCount = state.spans.size - mine.length;
  document.getElementById("legend-others").hidden = othersCount === 0;
}

function renderLegendAndShortcuts() {
  const legend = document.getElementById("legend");
  legend.replaceChildren(
    ...[...state.claimTypes.values()].map((claim) => {
      const item = document.createElement("li");
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.backgroundColor = claim.color;
      const name = document.createElement("span");
      name.textContent = claim.name;
      name.title = claim.description || "";
      item.append(swatch, name);
      return item;
    }),
  );
  const shortcuts = document.getElementById("shortcut-list");
  const wordKeys = [
    ["← →", "In the article text (Tab to it): move the word cursor"],
    ["Shift+← →", "Extend the chosen words (Home, End: first, last word)"],
    ["Enter", "In the text: label the chosen words; Esc clears them"],
  ];
  const rows = [
    ...(canAnnotate ? wordKeys : []),
    ...[...state.claimTypes.values()]
      .filter((c) => c.shortcut)
      .map((c) => [c.shortcut, `Claim type: ${c.name}`]),
    ...[...state.levels.values()]
      .filter((l) => l.shortcut)
      .map((l) => [l.shortcut, `Sourcing: ${l.name}`]),
    ["w", "Change the open span's words: select the new ones"],
    ["Enter", "Save the span (Ctrl+Enter in the note)"],
    ["Esc", "Cancel (press twice to discard edits)"],
  ];
  shortcuts.replaceChildren(
    ...rows.flatMap(([key, meaning]) => {
      const term = document.createElement("dt");
      const kbd = document.createElement("kbd");
      kbd.textContent = key;
      term.append(kbd);
      const description = document.createElement("dd");
      description.textContent = meaning;
      return [term, description];
    }),
  );
}

function buildChoices() {
  const claimSet = document.getElementById("claim-types");
  for (const claim of state.claimTypes.values()) {
    claimSet.append(choice("claim_type", claim.code, claim.name, claim.description, claim.shortcut, claim.color));
  }
  const levelSet = document.getElementById("sourcing-levels");
  for (const level of state.levels.values()) {
    levelSet.append(choice("sourcing_quality", level.code, level.name, level.description, level.shortcut));
  }
}

function choice(name, value, label, description, shortcut, color) {
  const wrapper = document.createElement("label");
  wrapper.className = "choice";
  const input = document.createElement("input");
  input.type = "radio";
  input.name = name;
  input.value = value;
  const text = document.createElement("span");
  text.className = "choice-text";
  const title = document.createElement("span");
  title.className = "choice-name";
  if (color) {
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.backgroundColor = color;
    title.append(swatch);
  }
  title.append(document.createTextNode(label));
  text.append(title);
  if (description) {
    const small = document.createElement("span");
    small.className = "choice-description";
    small.textContent = description;
    text.append(small);
  }
  wrapper.append(input, text);
  if (shortcut) {
    const kbd = document.createElement("kbd");
    kbd.textContent = shortcut;
    kbd.setAttribute("aria-label", `shortcut ${shortcut}`);
    wrapper.append(kbd);
  }
  return wrapper;
}

// --- The editor panel -------------------------------------------------------

function formValues() {
  const data = new FormData(formEl);
  return {
    claim_type: data.get("claim_type") || "",
    sourcing_quality: data.get("sourcing_quality") || "",
    cited_source: formEl.elements.cited_source.value,
    note: formEl.elements.note.value,
  };
}

function setFormValues(values) {
  for (const input of formEl.querySelectorAll("input[type=radio]")) {
    input.checked = values[input.name] === input.value;
  }
  formEl.elements.cited_source.value = values.cited_source || "";
  formEl.elements.note.value = values.note || "";
}

function isDirty() {
  if (!state.editor || state.editor.mode === "view") return false;
  if (offsetsMoved(state.editor)) return true;
  const now = formValues();
  const base = state.editor.baseline;
  return Object.keys(now).some((key) => now[key] !== base[key]);
}

function spanValues(span) {
  return {
    claim_type: span.claim_type,
    sourcing_quality: span.sourcing_quality,
    cited_source: span.cited_source || "",
    note: span.note || "",
  };
}

const EMPTY_VALUES = { claim_type: "", sourcing_quality: "", cited_source: "", note: "" };

function showEditor({ mode, span = null, start, end, values }) {
  state.editor = {
    mode,
    spanId: span ? span.id : null,
    version: span ? span.version : null,
    start,
    end,
    baseStart: start,
    baseEnd: end,
    quote: state.text.slice(start, end),
    baseline: values,
  };
  state.escArmed = false;
  setReselecting(false);
  document.getElementById("rebound-button").hidden = mode !== "edit";
  setFormValues(values);
  const readOnly = mode === "view";
  for (const control of formEl.querySelectorAll("input, textarea")) control.disabled = readOnly;
  document.getElementById("editor-title").textContent =
    mode === "new" ? "New span" : mode === "edit" ? "Edit span" : "Another reviewer's span";
  const owner = document.getElementById("editor-owner");
  owner.hidden = mode !== "view";
  owner.textContent = span && mode === "view" ? `By ${span.reviewer}; read-only.` : "";
  document.getElementById("editor-quote").textContent = state.editor.quote;
  document.getElementById("save-button").hidden = readOnly;
  document.getElementById("delete-button").hidden = mode !== "edit";
  document.getElementById("cancel-button").firstChild.textContent = readOnly ? "Close " : "Cancel ";
  document.getElementById("server-version").hidden = true;
  editorEl.hidden = false;
  root.classList.add("editing");
  document.getElementById("editor-title").focus({ preventScroll: false });
  if (!readOnly) loadCitedSources("");
}

function setReselecting(on) {
  state.reselecting = on;
  document.getElementById("rebound-hint").hidden = !on;
  root.classList.toggle("reselecting", on);
}

function startReselecting() {
  // The word cursor starts on the span's own words, so the keyboard can move them.
  const editor = state.editor;
  if (!editor || editor.mode !== "edit") return;
  setReselecting(true);
  if (state.words.length) {
    const first = wordIndexAt(editor.start);
    const last = Math.max(first, wordIndexAt(editor.end - 1));
    state.keyboard = { anchor: first, focus: last };
    drawWordCursor();
    textEl.focus({ preventScroll: true });
    showWordCursor();
  }
}

function moveEditorTo(offsets) {
  // "Change words": the open span takes the new selection; saved with the labels.
  const editor = state.editor;
  editor.start = offsets.start;
  editor.end = offsets.end;
  editor.quote = state.text.slice(offsets.start, offsets.end);
  document.getElementById("editor-quote").textContent = editor.quote;
  state.pending = offsets;
  setReselecting(false);
  state.escArmed = false;
  window.getSelection().removeAllRanges();
  renderText();
  showStatus("New words chosen: press Save to move the span, or Esc twice to keep the old ones.");
}

function offsetsMoved(editor) {
  return editor.start !== editor.baseStart || editor.end !== editor.baseEnd;
}

function closeEditor() {
  const backToText = state.editor && state.editor.fromKeyboard;
  state.editor = null;
  setReselecting(false);
  state.pending = null;
  state.escArmed = false;
  editorEl.hidden = true;
  root.classList.remove("editing");
  renderText();
  // Words chosen by keyboard: the next ones are chosen from where these ended.
  if (backToText) textEl.focus({ preventScroll: true });
}

function guardDirty() {
  // True when the open editor has edits the user has not saved or discarded.
  if (isDirty()) {
    showError(
      "You have unsaved changes in the open span. Save them (Enter) or cancel them (Esc) first.",
    );
    return true;
  }
  return false;
}

function openSelection(offsets) {
  if (!canAnnotate) return;
  if (guardDirty()) return;
  clearError();
  state.pending = offsets;
  showEditor({ mode: "new", start: offsets.start, end: offsets.end, values: EMPTY_VALUES });
  renderText();
  window.getSelection().removeAllRanges();
}

function openSpan(spanId) {
  const span = state.spans.get(spanId);
  if (!span) return;
  hideChooser();
  if (state.editor && state.editor.spanId === spanId) return;
  if (guardDirty()) return;
  clearError();
  state.pending = null;
  showEditor({
    mode: span.is_mine && span.can_edit !== false && canAnnotate ? "edit" : "view",
    span,
    start: span.u16start,
    end: span.u16end,
    values: spanValues(span),
  });
  renderText();
}

function showServerVersion(span) {
  const claim = state.claimTypes.get(span.claim_type);
  const level = state.levels.get(span.sourcing_quality);
  const rows = [
    ["Version", String(span.version)],
    ["Claim type", claim ? claim.name : span.claim_type],
    ["Sourcing quality", level ? level.name : span.sourcing_quality],
    ["Cited source", span.cited_source || "—"],
    ["Note", span.note || "—"],
  ];
  document.getElementById("server-version-fields").replaceChildren(
    ...rows.flatMap(([label, value]) => {
      const term = document.createElement("dt");
      term.textContent = label;
      const description = document.createElement("dd");
      description.textContent = value;
      return [term, description];
    }),
  );
  document.getElementById("server-version").hidden = false;
}

function storeSpan(span) {
  const normal = normaliseSpan(span, state.cpMap);
  if (normal.is_mine === undefined) normal.is_mine = true;
  state.spans.set(normal.id, normal);
  return normal;
}

async function save() {
  const editor = state.editor;
  if (!editor || editor.mode === "view" || state.saving) return;
  const values = formValues();
  const missing = [];
  if (!values.claim_type) missing.push("a claim type");
  if (!values.sourcing_quality) missing.push("a sourcing quality");
  if (missing.length) {
    showError(`Choose ${missing.join(" and ")} before saving (see the keyboard shortcuts).`);
    return;
  }
  state.saving = true;
  try {
    if (editor.mode === "new") await saveNew(editor, values);
    else await saveEdit(editor, values);
  } finally {
    state.saving = false;
  }
}

async function saveNew(editor, values) {
  const response = await request("POST", `${apiBase}spans/`, {
    article: articleId,
    start: editor.start,
    end: editor.end,
    quote: editor.quote,
    offset_unit: "utf16",
    ...values,
  });
  if (response.status !== 201) {
    showError(`${errorText(response, "save the span")} Your span is still in the panel.`);
    return;
  }
  const span = storeSpan(response.data);
  clearError();
  closeEditor();
  renderSpanList();
  showStatus(`Saved “${excerpt(span.quote, 40)}”.`);
}

async function saveEdit(editor, values) {
  // Send only what the user changed, so fields changed elsewhere are not reverted.
  const changes = {};
  for (const [key, value] of Object.entries(values)) {
    if (value !== editor.baseline[key]) changes[key] = value;
  }
  if (offsetsMoved(editor)) {
    changes.start = editor.start;
    changes.end = editor.end;
    changes.quote = editor.quote;
  }
  if (!Object.keys(changes).length) {
    clearError();
    closeEditor();
    return;
  }
  const response = await request("PATCH", `${apiBase}spans/${editor.spanId}/`, {
    version: editor.version,
    offset_unit: "utf16",
    ...changes,
  });
  if (response.ok) {
    const span = storeSpan(response.data);
    clearError();
    closeEditor();
    renderSpanList();
    showStatus(`Saved changes to “${excerpt(span.quote, 40)}”.`);
    return;
  }
  if (response.status === 409) {
    handleStale(response, "Your changes were not saved");
    return;
  }
  if (response.status === 404) {
    // Deleted elsewhere: keep the edits and offer to save them as a new span.
    state.spans.delete(editor.spanId);
    editor.mode = "new";
    editor.spanId = null;
    editor.version = null;
    state.pending = { start: editor.start, end: editor.end };
    document.getElementById("editor-title").textContent = "New span";
    document.getElementById("delete-button").hidden = true;
    renderText();
    renderSpanList();
    showError(
      "This span was deleted elsewhere, so your changes were not saved. They are still in " +
        "the panel: press Save to create the span again, or Cancel to drop it.",
    );
    return;
  }
  showError(`${errorText(response, "save your changes")} Your edits are still in the panel.`);
}

function handleStale(response, prefix) {
  const current = response.data && response.data.current;
  const editor = state.editor;
  if (current && editor) {
    const span = storeSpan(current);
    // Three-way merge: fields the user left alone take the saved values; the
    // user's own edits stay in the form.
    const mine = formValues();
    const saved = spanValues(span);
    const merged = {};
    for (const key of Object.keys(mine)) {
      merged[key] = mine[key] === editor.baseline[key] ? saved[key] : mine[key];
    }
    setFormValues(merged);
    editor.version = span.version;
    editor.baseline = saved;
    if (!offsetsMoved(editor)) {
      // The user kept the words: take the saved ones (they may have moved).
      editor.start = span.u16start;
      editor.end = span.u16end;
      editor.quote = span.quote;
      state.pending = null;
    }
    editor.baseStart = span.u16start;
    editor.baseEnd = span.u16end;
    document.getElementById("editor-quote").textContent = editor.quote;
    renderText();
    renderSpanList();
    showServerVersion(span);
    showError(
      `${prefix}: someone changed this span in another tab or window since you opened it ` +
        `(the saved version is now ${span.version}). The page has reloaded the saved version ` +
        "from the server (shown under “Saved version on the server”) and kept your unsaved " +
        "edits in the panel; fields you had not touched now show the saved values. Press " +
        "Save again to apply your edits, or Cancel to keep the saved version.",
    );
  } else {
    showError(
      `${prefix}: this span was changed elsewhere. Reload the page to see the saved version.`,
    );
  }
}

async function deleteSpan() {
  const editor = state.editor;
  if (!editor || editor.mode !== "edit" || state.saving) return;
  state.saving = true;
  try {
    const response = await request(
      "DELETE",
      `${apiBase}spans/${editor.spanId}/?version=${encodeURIComponent(editor.version)}`,
    );
    if (response.status === 204 || response.status === 404) {
      state.spans.delete(editor.spanId);
      clearError();
      closeEditor();
      renderSpanList();
      showStatus("Span deleted.");
      return;
    }
    if (response.status === 409) {
      handleStale(response, "The span was not deleted");
      return;
    }
    showError(errorText(response, "delete the span"));
  } finally {
    state.saving = false;
  }
}

function cancelEditor() {
  if (!state.editor) return;
  if (isDirty() && !state.escArmed) {
    state.escArmed = true;
    showError("You have unsaved changes. Press Esc (or Cancel) again to discard them.");
    return;
  }
  clearError();
  closeEditor();
}

let citedTimer = null;
let citedQuery = null;
async function loadCitedSources(query) {
  if (query === citedQuery) return;
  citedQuery = query;
  const response = await request(
    "GET",
    `${apiBase}cited-sources/?q=${encodeURIComponent(query)}`,
  );
  if (!response.ok || !response.data) return;
  const list = document.getElementById("cited-source-options");
  list.replaceChildren(
    ...(response.data.results || []).map((value) => {
      const option = document.createElement("option");
      option.value = value;
      return option;
    }),
  );
}

// --- Chooser, jumping -------------------------------------------------------

function hideChooser() {
  chooserEl.hidden = true;
}

function showChooser(ids, x, y) {
  const list = document.getElementById("chooser-list");
  list.replaceChildren(
    ...ids.map((id) => {
      const span = state.spans.get(id);
      const claim = state.claimTypes.get(span.claim_type);
      const item = document.createElement("li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "chooser-item";
      button.dataset.spanId = id;
      const swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.backgroundColor = span.is_mine && claim ? claim.color : "#9aa0a6";
      const label = document.createElement("span");
      const owner = span.is_mine ? "" : ` — ${span.reviewer} (read-only)`;
      label.textContent = `${claim ? claim.name : span.claim_type}: “${excerpt(span.quote, 50)}”${owner}`;
      button.append(swatch, label);
      button.addEventListener("click", () => openSpan(id));
      item.append(button);
      return item;
    }),
  );
  chooserEl.hidden = false;
  const width = chooserEl.offsetWidth;
  chooserEl.style.left = `${Math.max(8, Math.min(x, window.innerWidth - width - 8)) + window.scrollX}px`;
  chooserEl.style.top = `${y + window.scrollY + 12}px`;
  chooserEl.querySelector("button").focus();
}

function jumpTo(spanId) {
  const target = [...textEl.querySelectorAll(".seg")].find((element) =>
    element.dataset.spans.split(" ").includes(String(spanId)),
  );
  if (!target) return;
  target.scrollIntoView({ block: "center", behavior: "smooth" });
  const segments = [...textEl.querySelectorAll(".seg")].filter((element) =>
    element.dataset.spans.split(" ").includes(String(spanId)),
  );
  for (const element of segments) {
    element.classList.remove("flash");
    void element.offsetWidth; // restart the animation
    element.classList.add("flash");
  }
}

// --- Review state -----------------------------------------------------------

function renderDone() {
  const status = document.getElementById("review-status");
  status.textContent = state.done ? "Done" : "Open";
  status.className = `status ${state.done ? "status--done" : "status--open"}`;
  const button = document.getElementById("done-button");
  button.textContent = state.done ? "Reopen" : "Mark as done";
  button.disabled = !canAnnotate;
  button.hidden = !canAnnotate;
}

async function toggleDone() {
  const button = document.getElementById("done-button");
  button.disabled = true;
  const response = await request("PUT", `${apiBase}articles/${articleId}/review-state/`, {
    done: !state.done,
  });
  if (response.ok) {
    state.done = Boolean(response.data.done);
    clearError();
    showStatus(state.done ? "Marked as done." : "Reopened.");
  } else {
    showError(errorText(response, state.done ? "reopen the article" : "mark the article done"));
  }
  renderDone();
}

// --- Events -----------------------------------------------------------------

function isTypingTarget(element) {
  if (!element) return false;
  if (element.tagName === "TEXTAREA") return true;
  return element.tagName === "INPUT" && !["radio", "checkbox", "button", "submit"].includes(element.type);
}

function onKeyDown(event) {
  if (event.key === "Escape" && !chooserEl.hidden) {
    hideChooser();
    event.preventDefault();
    return;
  }
  if (event.target === textEl && onTextKey(event)) return;
  if (!state.editor) return;
  if (event.key === "Escape" && state.reselecting) {
    event.preventDefault();
    setReselecting(false);
    return;
  }
  if (event.key === "Escape") {
    event.preventDefault();
    cancelEditor();
    return;
  }
  if (event.key === "Enter") {
    const target = event.target;
    if (target.tagName === "TEXTAREA" && !(event.ctrlKey || event.metaKey)) return;
    if (target.tagName === "BUTTON" || target.tagName === "A") return;
    event.preventDefault();
    save();
    return;
  }
  if (isTypingTarget(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
  if (state.editor.mode === "view") return;
  const key = event.key.toLowerCase();
  for (const claim of state.claimTypes.values()) {
    if (claim.shortcut && claim.shortcut.toLowerCase() === key) {
      pick("claim_type", claim.code);
      event.preventDefault();
      return;
    }
  }
  for (const level of state.levels.values()) {
    if (level.shortcut && level.shortcut.toLowerCase() === key) {
      pick("sourcing_quality", level.code);
      event.preventDefault();
      return;
    }
  }
  // After the scheme's own keys, so a scheme may still use "w".
  if (key === "w" && state.editor.mode === "edit") {
    startReselecting();
    event.preventDefault();
    return;
  }
}

function pick(name, value) {
  const input = formEl.querySelector(`input[name="${name}"][value="${CSS.escape(value)}"]`);
  if (input) {
    input.checked = true;
    state.escArmed = false;
  }
}

// --- The keyboard's word cursor ------------------------------------------------

function onTextKey(event) {
  // Active in the focused text while no panel is open, or while the open span's
  // words are being changed; returns true when it handled the key.
  if (!canAnnotate || !state.words.length) return false;
  if (state.editor && !state.reselecting) return false;
  if (event.ctrlKey || event.metaKey || event.altKey) return false;
  const current = state.keyboard;
  if (event.key === "Enter" && current) {
    event.preventDefault();
    takeKeyboardRange();
    return true;
  }
  if (event.key === "Escape" && (current || state.reselecting)) {
    event.preventDefault();
    clearKeyboardRange();
    if (state.reselecting) {
      setReselecting(false);
      document.getElementById("editor-title").focus();
    }
    return true;
  }
  const target = cursorTarget(event.key, current);
  if (target === null) return false;
  event.preventDefault();
  const anchor = event.shiftKey && current ? current.anchor : target;
  state.keyboard = { anchor, focus: target };
  state.keyboardResume = null;
  drawWordCursor();
  showWordCursor();
  return true;
}

function cursorTarget(key, current) {
  // The word index a cursor key moves to, or null for other keys.
  const lastWord = state.words.length - 1;
  if (key === "Home") return 0;
  if (key === "End") return lastWord;
  if (key !== "ArrowRight" && key !== "ArrowLeft") return null;
  if (!current) return caretWord(); // the first arrow only shows the cursor
  const step = key === "ArrowRight" ? 1 : -1;
  return Math.min(Math.max(current.focus + step, 0), lastWord);
}

function caretWord() {
  // The first arrow starts where Esc left the cursor, else where the user clicked,
  // else at the first word.
  if (state.keyboardResume !== null) return state.keyboardResume;
  const selection = window.getSelection();
  if (!selection || !selection.isCollapsed || !textEl.contains(selection.focusNode)) return 0;
  const offset = boundaryToOffset(selection.focusNode, selection.focusOffset);
  const index = wordIndexAt(offset);
  const inGapAfter = offset >= state.words[index].end && index < state.words.length - 1;
  return inGapAfter ? index + 1 : index;
}

function drawWordCursor() {
  // Shows state.keyboard: moves the highlight, or (without the API) re-renders.
  if (canHighlight) paintWordCursor();
  else renderText();
}

function paintWordCursor() {
  const range = keyboardRange();
  const dom = range && domRange(range.start, range.end);
  if (dom) CSS.highlights.set(WORD_CURSOR, new Highlight(dom));
  else CSS.highlights.delete(WORD_CURSOR);
}

function scrollToWordCursor() {
  // The word the cursor moved to comes into view, as scrollIntoView "nearest" would.
  const { anchor, focus } = state.keyboard;
  if (!canHighlight) {
    const chosen = textEl.querySelectorAll(".seg--kbd");
    const end = chosen[focus >= anchor ? chosen.length - 1 : 0];
    if (end) end.scrollIntoView({ block: "nearest" });
    return;
  }
  const word = state.words[focus];
  const dom = domRange(word.start, word.end);
  if (!dom) return;
  const box = dom.getBoundingClientRect();
  if (box.top < 0) window.scrollBy(0, box.top);
  else if (box.bottom > window.innerHeight) window.scrollBy(0, box.bottom - window.innerHeight);
}

function showWordCursor() {
  const range = keyboardRange();
  if (!range) return;
  scrollToWordCursor();
  if (cursorLiveEl) {
    const quote = excerpt(state.text.slice(range.start, range.end), 80);
    cursorLiveEl.textContent = range.count === 1 ? quote : `${range.count} words: ${quote}`;
  }
}

function clearKeyboardRange() {
  if (state.keyboard) state.keyboardResume = state.keyboard.focus;
  state.keyboard = null;
  if (cursorLiveEl) cursorLiveEl.textContent = "";
  drawWordCursor();
}

function takeKeyboardRange() {
  const range = keyboardRange();
  const last = Math.max(state.keyboard.anchor, state.keyboard.focus);
  // The cursor stays on the last chosen word, so the next arrow continues after it.
  state.keyboard = { anchor: last, focus: last };
  const moving = state.reselecting;
  takeOffsets({ start: range.start, end: range.end });
  if (moving) document.getElementById("editor-title").focus();
  else if (state.editor) state.editor.fromKeyboard = true;
}

// --- Selections ---------------------------------------------------------------

function dropWordCursor() {
  // A mouse press in the text: the next arrow starts from the click. The cursor goes
  // without a re-render, which would break the drag that may follow.
  state.keyboard = null;
  state.keyboardResume = null;
  if (canHighlight) {
    CSS.highlights.delete(WORD_CURSOR);
    return;
  }
  for (const element of textEl.querySelectorAll(".seg--kbd")) {
    element.classList.remove("seg--kbd");
  }
}

function takeOffsets(offsets) {
  // Where a mouse selection and the keyboard's chosen words both arrive.
  if (state.reselecting && state.editor && state.editor.mode === "edit") moveEditorTo(offsets);
  else openSelection(offsets);
}

function captureSelection() {
  if (!canAnnotate || !state.article) return;
  const offsets = selectionOffsets();
  if (!offsets) return;
  state.keyboard = null;
  takeOffsets(offsets);
}

function onTextClick(event) {
  const selection = window.getSelection();
  if (selection && !selection.isCollapsed) return; // a drag-select, handled on mouseup
  const segment = event.target.closest(".seg");
  if (!segment || !segment.dataset.spans) return;
  const ids = segment.dataset.spans.split(" ").filter(Boolean).map(Number);
  if (ids.length === 1) openSpan(ids[0]);
  else if (ids.length > 1) showChooser(ids, event.clientX, event.clientY);
}

function bindEvents() {
  // Let the click (if any) run first; a drag that selected text is then handled here.
  textEl.addEventListener("mouseup", () => setTimeout(captureSelection, 0));
  document.addEventListener("keyup", (event) => {
    if (event.shiftKey && (!state.editor || state.reselecting)) captureSelection();
  });
  textEl.addEventListener("click", onTextClick);
  textEl.addEventListener("mousedown", dropWordCursor);
  document.addEventListener("keydown", onKeyDown);
  document.addEventListener("mousedown", (event) => {
    if (!chooserEl.hidden && !chooserEl.contains(event.target)) hideChooser();
  });
  formEl.addEventListener("submit", (event) => {
    event.preventDefault();
    save();
  });
  formEl.addEventListener("input", () => {
    state.escArmed = false;
  });
  document.getElementById("cited-source").addEventListener("input", (event) => {
    clearTimeout(citedTimer);
    const value = event.target.value.trim();
    citedTimer = setTimeout(() => loadCitedSources(value), 200);
  });
  document.getElementById("cancel-button").addEventListener("click", cancelEditor);
  document.getElementById("delete-button").addEventListener("click", deleteSpan);
  document.getElementById("rebound-button").addEventListener("click", startReselecting);
  document.getElementById("done-button").addEventListener("click", toggleDone);
  window.addEventListener("beforeunload", (event) => {
    if (isDirty()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
}

// --- Start ------------------------------------------------------------------

async function start() {
  // The article arrives with its spans in one read; a very busy article says
  // where the span list continues (spans_next).
  const [sessionResponse, articleResponse] = await Promise.all([
    request("GET", apiBase),
    request("GET", `${apiBase}articles/${articleId}/?include=spans`),
  ]);
  let spansResponse = { ok: true, items: [] };
  if (articleResponse.ok && articleResponse.data.spans_next) {
    spansResponse = await getAll(articleResponse.data.spans_next);
  }
  for (const [response, what] of [
    [sessionResponse, "load the session"],
    [articleResponse, "load the article"],
    [spansResponse, "load the spans"],
  ]) {
    if (!response.ok) {
      textEl.setAttribute("aria-busy", "false");
      textEl.replaceChildren();
      showError(errorText(response, what));
      document.body.dataset.ready = "error";
      return;
    }
  }
  const scheme = sessionResponse.data.scheme;
  for (const claim of [...scheme.claim_types].sort((a, b) => a.position - b.position)) {
    state.claimTypes.set(claim.code, claim);
  }
  for (const level of [...scheme.sourcing_levels].sort((a, b) => a.rank - b.rank)) {
    state.levels.set(level.code, level);
  }
  // The spans live in state.spans only; the article keeps its own fields.
  const { spans: firstSpans, spans_next: _next, ...article } = articleResponse.data;
  state.article = article;
  state.text = state.article.text;
  state.cpMap = codePointToUtf16Map(state.text);
  state.words = wordsOf(state.text);
  state.done = Boolean(state.article.my_done);
  for (const span of [...firstSpans, ...spansResponse.items]) {
    storeSpan({ is_mine: true, ...span });
  }
  buildChoices();
  renderLegendAndShortcuts();
  renderText();
  renderSpanList();
  renderDone();
  bindEvents();
  textEl.setAttribute("aria-busy", "false");
  if (!canAnnotate) {
    showStatus("You are not a reviewer of this session: the article is read-only.");
  }
  // Time-to-interactive for bench/ui_bench.py: navigation start → spans rendered.
  performance.mark("workspace-ready");
  document.body.dataset.ready = "1";
}

start();
