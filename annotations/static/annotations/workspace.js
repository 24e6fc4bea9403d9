// The annotation page: renders an article with its spans and edits spans via the REST
// API. This entry module loads the data, builds the parts and routes the events:
//
//   workspace/api.js        REST calls (UTF-16 offsets sent as `offset_unit: "utf16"`)
//   workspace/document.js   the article, the scheme's labels and the spans shown
//   workspace/text.js       the text rendered with its highlights and the word cursor
//   workspace/selection.js  mouse/touch selections and the keyboard's word cursor,
//                           snapped to words in `word` sessions (words.js)
//   workspace/undo.js       Undo after a span is deleted
//   workspace/panel.js      the span panel (form in workspace/form.js)
//   workspace/side.js       span list, legend, chooser, done state
//   workspace/questions.js  the article questions (answers saved as given)
//   workspace/feedback.js   the reviewer's feedback against gold, once enabled
//   workspace/messages.js   errors and status lines
//   offsets.js              UTF-16 <-> code points, shared with the other pages
//
// Each part keeps its own state; they reach each other only through the calls wired
// here. User text only ever reaches the DOM via textContent, attribute setters or
// form values, never as HTML.

import { WorkspaceApi } from "./workspace/api.js";
import { startFeedback } from "./workspace/feedback.js";
import { createDocument } from "./workspace/document.js";
import { buildChoices } from "./workspace/form.js";
import { Messages } from "./workspace/messages.js";
import { SpanPanel } from "./workspace/panel.js";
import { QuestionsPanel } from "./workspace/questions.js";
import { WordCursor } from "./workspace/selection.js";
import { Sidebar } from "./workspace/side.js";
import { TextView } from "./workspace/text.js";
import { SpanUndo } from "./workspace/undo.js";

const byId = (id) => document.getElementById(id);

function pageConfig() {
  const root = byId("workspace");
  const sessionId = Number(root.dataset.sessionId);
  return {
    root,
    textEl: byId("article-text"),
    articleId: Number(root.dataset.articleId),
    canAnnotate: root.dataset.role === "reviewer",
    apiBase: `${root.dataset.api}sessions/${sessionId}/`,
  };
}

// The parts, each given what it calls; the closures reach parts built after them.
function buildParts(config, api, messages, doc) {
  const { root, textEl, canAnnotate } = config;
  const view = new TextView(textEl, doc, () => ({
    pending: panel.pending(),
    activeId: panel.activeSpanId(),
    cursor: cursor.range(),
  }));
  const openSpan = (id) => panel.openSpan(id);
  const side = new Sidebar({ doc, api, messages, canAnnotate, view, openSpan });
  const cursor = new WordCursor({
    textEl,
    liveEl: byId("word-cursor-live"),
    doc,
    view,
    enabled: canAnnotate,
    host: {
      mode: () => panel.mode(),
      take: (offsets, how) => panel.take(offsets, how),
      endReselecting: () => panel.endReselecting(),
      nothing: (message) => messages.showError(message),
    },
  });
  const undo = new SpanUndo({ barEl: byId("undo-bar"), api, doc, messages, view, side });
  const panel = new SpanPanel({
    root,
    formEl: byId("span-form"),
    editorEl: byId("editor"),
    textEl,
    doc,
    api,
    messages,
    canAnnotate,
    view,
    side,
    cursor,
    undo,
  });
  return { view, side, cursor, panel, undo };
}

function onTextClick(event, side, panel) {
  const selection = window.getSelection();
  if (selection && !selection.isCollapsed) return; // a drag-select, handled on mouseup
  const segment = event.target.closest(".seg");
  if (!segment || !segment.dataset.spans) return;
  const ids = segment.dataset.spans.split(" ").filter(Boolean).map(Number);
  if (ids.length === 1) panel.openSpan(ids[0]);
  else if (ids.length > 1) side.showChooser(ids, event.clientX, event.clientY);
}

function isTyping(target) {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA"].includes(target.tagName));
}

function onKeyDown(event, textEl, { side, cursor, panel, undo, questions }) {
  const undoKey = (event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "z";
  if (undoKey && undo.pending() && !isTyping(event.target)) {
    event.preventDefault();
    undo.run();
    return;
  }
  if (event.key === "Escape" && side.isChooserOpen()) {
    side.hideChooser();
    event.preventDefault();
    return;
  }
  if (questions && questions.onKey(event, panel.mode() !== "idle")) return;
  if (event.target === textEl && cursor.onKey(event)) return;
  panel.onKey(event);
}

function bindEvents(textEl, parts) {
  const { side, cursor, panel } = parts;
  const formEl = byId("span-form");
  // Let the click (if any) run first; a drag that selected text is then handled here.
  // On the document: a drag that ends past the text (below its end) still counts,
  // clipped to the text. A touch selection is taken when the finger lifts.
  // A take still waiting when the next press begins belongs to the gesture before
  // (a button's click): the new press's own release takes its selection, not it.
  let presses = 0;
  document.addEventListener("pointerdown", () => { presses += 1; }, true);
  const takeLater = () => {
    const press = presses;
    setTimeout(() => {
      if (press === presses) cursor.takeSelection();
    }, 0);
  };
  document.addEventListener("mouseup", takeLater);
  textEl.addEventListener("touchend", takeLater);
  document.addEventListener("keyup", (event) => {
    if (event.shiftKey && panel.mode() !== "editing") cursor.takeSelection();
  });
  textEl.addEventListener("click", (event) => onTextClick(event, side, panel));
  textEl.addEventListener("mousedown", () => cursor.drop());
  document.addEventListener("keydown", (event) => onKeyDown(event, textEl, parts));
  document.addEventListener("mousedown", (event) => {
    if (side.isChooserOpen() && !side.chooserEl.contains(event.target)) side.hideChooser();
  });
  formEl.addEventListener("submit", (event) => {
    event.preventDefault();
    panel.save();
  });
  formEl.addEventListener("input", () => panel.edited());
  byId("cited-source").addEventListener("input", (event) => {
    panel.suggestions.typed(event.target.value.trim());
  });
  byId("cancel-button").addEventListener("click", () => panel.cancel());
  byId("delete-button").addEventListener("click", () => panel.deleteSpan());
  byId("rebound-button").addEventListener("click", () => panel.startReselecting());
  byId("done-button").addEventListener("click", () => side.toggleDone());
  window.addEventListener("beforeunload", (event) => {
    if (panel.isDirty()) {
      event.preventDefault();
      event.returnValue = "";
    }
  });
}

// The article-questions panel, for reviewers of a scheme that has questions.
async function startQuestions(config, scheme, messages) {
  const rootEl = byId("questions");
  const questions = scheme.article_questions || [];
  if (!rootEl || !config.canAnnotate || !questions.length) return null;
  const panel = new QuestionsPanel({
    rootEl,
    url: `${config.apiBase}articles/${config.articleId}/answers/`,
    questions,
    messages,
    textEl: config.textEl,
  });
  if (!(await panel.load())) {
    messages.showError("Could not load your answers to the article questions.");
    return null;
  }
  rootEl.hidden = false;
  return panel;
}

async function start() {
  const config = pageConfig();
  const { textEl, canAnnotate } = config;
  const api = new WorkspaceApi(config.apiBase, config.articleId);
  const messages = new Messages(byId("messages"), byId("status"));
  const loaded = await api.load();
  if (loaded.failed) {
    textEl.setAttribute("aria-busy", "false");
    textEl.replaceChildren();
    messages.showError(api.errorText(loaded.failed, loaded.action));
    document.body.dataset.ready = "error";
    return;
  }
  const doc = createDocument(loaded);
  const parts = buildParts(config, api, messages, doc);
  buildChoices(doc);
  parts.side.renderLegendAndShortcuts();
  parts.view.render();
  parts.side.renderSpanList();
  parts.side.renderDone();
  parts.questions = await startQuestions(config, loaded.scheme, messages);
  if (canAnnotate && config.root.dataset.feedback === "1") {
    parts.feedback = await startFeedback({ ...config, doc, view: parts.view });
  }
  bindEvents(textEl, parts);
  textEl.setAttribute("aria-busy", "false");
  if (!canAnnotate) {
    messages.showStatus("You are not a reviewer of this session: the article is read-only.");
  }
  // Time-to-interactive for bench/ui_bench.py: navigation start → spans rendered.
  performance.mark("workspace-ready");
  document.body.dataset.ready = "1";
}

start();
