// The span panel: opening a new selection or a saved span, editing its labels and
// words, saving through the API (with the conflict and deleted-elsewhere cases),
// deleting and cancelling.

import { excerpt, storeSpan } from "./document.js";
import {
  EMPTY_VALUES,
  citedSourceSuggestions,
  formValues,
  pick,
  setFormValues,
  showServerVersion,
  spanValues,
} from "./form.js";

const byId = (id) => document.getElementById(id);
const offsetsMoved = (open) => open.start !== open.baseStart || open.end !== open.baseEnd;

function isTypingTarget(element) {
  if (!element) return false;
  if (element.tagName === "TEXTAREA") return true;
  const typing = !["radio", "checkbox", "button", "submit"].includes(element.type);
  return element.tagName === "INPUT" && typing;
}

// deps: {root, formEl, editorEl, textEl, doc, api, messages, canAnnotate, view, side,
// cursor, undo}.
export class SpanPanel {
  // The open span: {mode: "new"|"edit"|"view", spanId, version, start, end, baseStart,
  // baseEnd, quote, baseline (the values it opened with), fromKeyboard}; or null.
  #editor = null;
  #pending = null; // {start, end} of new words not saved yet (UTF-16)
  #reselecting = false; // "Change words": the next selection moves the open span
  #escArmed = false; // Esc pressed once over unsaved edits
  #saving = false;

  constructor(deps) {
    Object.assign(this, deps);
    this.suggestions = citedSourceSuggestions(deps.api);
  }

  pending() {
    return this.#pending;
  }

  activeSpanId() {
    return this.#editor && this.#editor.spanId;
  }

  mode() {
    if (!this.#editor) return "idle";
    return this.#reselecting ? "reselecting" : "editing";
  }

  // The form was edited: a first Esc has to warn again.
  edited() {
    this.#escArmed = false;
  }

  isDirty() {
    const open = this.#editor;
    if (!open || open.mode === "view") return false;
    if (offsetsMoved(open)) return true;
    const now = formValues(this.formEl);
    return Object.keys(now).some((key) => now[key] !== open.baseline[key]);
  }

  #setReselecting(on) {
    this.#reselecting = on;
    byId("rebound-hint").hidden = !on;
    this.root.classList.toggle("reselecting", on);
  }

  #show({ mode, span = null, start, end, values }) {
    const quote = this.doc.text.slice(start, end);
    const ids = { spanId: span ? span.id : null, version: span ? span.version : null };
    this.#editor = { mode, ...ids, start, end, baseStart: start, baseEnd: end, quote };
    this.#editor.baseline = values;
    this.#escArmed = false;
    this.#setReselecting(false);
    byId("rebound-button").hidden = mode !== "edit";
    setFormValues(this.formEl, values);
    const readOnly = mode === "view";
    for (const control of this.formEl.querySelectorAll("input, textarea")) {
      control.disabled = readOnly;
    }
    byId("editor-title").textContent =
      mode === "new" ? "New span" : mode === "edit" ? "Edit span" : "Another reviewer's span";
    const owner = byId("editor-owner");
    owner.hidden = mode !== "view";
    owner.textContent = span && mode === "view" ? `By ${span.reviewer}; read-only.` : "";
    byId("editor-quote").textContent = quote;
    byId("save-button").hidden = readOnly;
    byId("delete-button").hidden = mode !== "edit";
    byId("cancel-button").firstChild.textContent = readOnly ? "Close " : "Cancel ";
    byId("server-version").hidden = true;
    this.editorEl.hidden = false;
    this.root.classList.add("editing");
    byId("editor-title").focus({ preventScroll: false });
    if (!readOnly) this.suggestions.load("");
  }

  #close() {
    const backToText = this.#editor && this.#editor.fromKeyboard;
    this.#editor = null;
    this.#setReselecting(false);
    this.#pending = null;
    this.#escArmed = false;
    this.editorEl.hidden = true;
    this.root.classList.remove("editing");
    this.view.render();
    // Words chosen by keyboard: the next ones are chosen from where these ended.
    if (backToText) this.textEl.focus({ preventScroll: true });
  }

  // True (and says so) when the open span has edits not saved or discarded.
  #guardDirty() {
    if (!this.isDirty()) return false;
    this.messages.showError(
      "You have unsaved changes in the open span. Save them (Enter) or cancel them (Esc) first.",
    );
    return true;
  }

  #openSelection(offsets) {
    if (!this.canAnnotate || this.#guardDirty()) return;
    this.messages.clearError();
    this.#pending = offsets;
    this.#show({ mode: "new", start: offsets.start, end: offsets.end, values: EMPTY_VALUES });
    this.view.render();
    window.getSelection().removeAllRanges();
  }

  openSpan(spanId) {
    const span = this.doc.spans.get(spanId);
    if (!span) return;
    this.side.hideChooser();
    if ((this.#editor && this.#editor.spanId === spanId) || this.#guardDirty()) return;
    this.messages.clearError();
    this.#pending = null;
    const mode = span.is_mine && span.can_edit !== false && this.canAnnotate ? "edit" : "view";
    const values = spanValues(span);
    this.#show({ mode, span, start: span.u16start, end: span.u16end, values });
    this.view.render();
  }

  // "Change words": the open span takes the new words; saved with the labels.
  #moveTo(offsets) {
    const open = this.#editor;
    open.start = offsets.start;
    open.end = offsets.end;
    open.quote = this.doc.text.slice(offsets.start, offsets.end);
    byId("editor-quote").textContent = open.quote;
    this.#pending = offsets;
    this.#setReselecting(false);
    this.#escArmed = false;
    window.getSelection().removeAllRanges();
    this.view.render();
    this.messages.showStatus(
      "New words chosen: press Save to move the span, or Esc twice to keep the old ones.",
    );
  }

  // Where a mouse selection and the keyboard's chosen words both arrive.
  take(offsets, { fromKeyboard }) {
    const moving = this.#reselecting;
    if (moving && this.#editor && this.#editor.mode === "edit") this.#moveTo(offsets);
    else this.#openSelection(offsets);
    if (!fromKeyboard) return;
    if (moving) byId("editor-title").focus();
    else if (this.#editor) this.#editor.fromKeyboard = true;
  }

  // The word cursor starts on the span's own words, so the keyboard can move them.
  startReselecting() {
    const open = this.#editor;
    if (!open || open.mode !== "edit") return;
    this.#setReselecting(true);
    this.cursor.placeOn(open.start, open.end);
  }

  endReselecting() {
    this.#setReselecting(false);
    byId("editor-title").focus();
  }

  cancel() {
    if (!this.#editor) return;
    if (this.isDirty() && !this.#escArmed) {
      this.#escArmed = true;
      this.messages.showError(
        "You have unsaved changes. Press Esc (or Cancel) again to discard them.",
      );
      return;
    }
    this.messages.clearError();
    this.#close();
  }

  // After a save or a delete: the panel closes and the side list follows.
  #finish(message) {
    this.messages.clearError();
    this.#close();
    this.side.renderSpanList();
    this.messages.showStatus(message);
  }

  async save() {
    const open = this.#editor;
    if (!open || open.mode === "view" || this.#saving) return;
    const values = formValues(this.formEl);
    const missing = [];
    if (!values.claim_type) missing.push("a claim type");
    if (!values.sourcing_quality) missing.push("a sourcing quality");
    if (missing.length) {
      const what = missing.join(" and ");
      this.messages.showError(`Choose ${what} before saving (see the keyboard shortcuts).`);
      return;
    }
    this.#saving = true;
    try {
      if (open.mode === "new") await this.#saveNew(open, values);
      else await this.#saveEdit(open, values);
    } finally {
      this.#saving = false;
    }
  }

  async #saveNew(open, values) {
    const fields = { start: open.start, end: open.end, quote: open.quote, ...values, ...this.#snap() };
    const response = await this.api.createSpan(fields);
    if (response.status !== 201) {
      const error = this.api.errorText(response, "save the span");
      this.messages.showError(`${error} Your span is still in the panel.`);
      return;
    }
    const span = storeSpan(this.doc, response.data);
    this.#finish(`Saved “${excerpt(span.quote, 40)}”.`);
  }

  async #saveEdit(open, values) {
    // Send only what the user changed, so fields changed elsewhere are not reverted.
    const changes = {};
    for (const [key, value] of Object.entries(values)) {
      if (value !== open.baseline[key]) changes[key] = value;
    }
    if (offsetsMoved(open)) {
      Object.assign(changes, { start: open.start, end: open.end, quote: open.quote }, this.#snap());
    }
    if (!Object.keys(changes).length) {
      this.messages.clearError();
      this.#close();
      return;
    }
    const response = await this.api.updateSpan(open.spanId, open.version, changes);
    if (response.ok) {
      const span = storeSpan(this.doc, response.data);
      this.#finish(`Saved changes to “${excerpt(span.quote, 40)}”.`);
    } else if (response.status === 409) {
      this.#handleStale(response, "Your changes were not saved");
    } else if (response.status === 404) {
      this.#deletedElsewhere(open);
    } else {
      const error = this.api.errorText(response, "save your changes");
      this.messages.showError(`${error} Your edits are still in the panel.`);
    }
  }

  // Deleted elsewhere: keep the edits and offer to save them as a new span.
  #deletedElsewhere(open) {
    this.doc.spans.delete(open.spanId);
    Object.assign(open, { mode: "new", spanId: null, version: null });
    this.#pending = { start: open.start, end: open.end };
    byId("editor-title").textContent = "New span";
    byId("delete-button").hidden = true;
    this.view.render();
    this.side.renderSpanList();
    this.messages.showError(
      "This span was deleted elsewhere, so your changes were not saved. They are still in " +
        "the panel: press Save to create the span again, or Cancel to drop it.",
    );
  }

  #handleStale(response, prefix) {
    const current = response.data && response.data.current;
    if (!current || !this.#editor) {
      this.messages.showError(
        `${prefix}: this span was changed elsewhere. Reload the page to see the saved version.`,
      );
      return;
    }
    const span = storeSpan(this.doc, current);
    this.#mergeSaved(span);
    byId("editor-quote").textContent = this.#editor.quote;
    this.view.render();
    this.side.renderSpanList();
    showServerVersion(this.doc, span);
    this.messages.showError(
      `${prefix}: someone changed this span in another tab or window since you opened it ` +
        `(the saved version is now ${span.version}). The page has reloaded the saved version ` +
        "from the server (shown under “Saved version on the server”) and kept your unsaved " +
        "edits in the panel; fields you had not touched now show the saved values. Press " +
        "Save again to apply your edits, or Cancel to keep the saved version.",
    );
  }

  // Three-way merge: fields the user left alone take the saved values; the user's
  // own edits stay in the form.
  #mergeSaved(span) {
    const open = this.#editor;
    const mine = formValues(this.formEl);
    const saved = spanValues(span);
    const merged = {};
    for (const key of Object.keys(mine)) {
      merged[key] = mine[key] === open.baseline[key] ? saved[key] : mine[key];
    }
    setFormValues(this.formEl, merged);
    open.version = span.version;
    open.baseline = saved;
    if (!offsetsMoved(open)) {
      // The user kept the words: take the saved ones (they may have moved).
      Object.assign(open, { start: span.u16start, end: span.u16end, quote: span.quote });
      this.#pending = null;
    }
    open.baseStart = span.u16start;
    open.baseEnd = span.u16end;
  }

  // Word sessions ask the server to apply the same rule (it checks, and moves nothing).
  #snap() {
    return this.doc.granularity === "word" ? { snap: "word" } : {};
  }

  async deleteSpan() {
    const open = this.#editor;
    if (!open || open.mode !== "edit" || this.#saving) return;
    this.#saving = true;
    try {
      const response = await this.api.deleteSpan(open.spanId, open.version);
      if (response.status === 204 || response.status === 404) {
        const deleted = this.doc.spans.get(open.spanId);
        this.doc.spans.delete(open.spanId);
        this.#finish("Span deleted.");
        if (response.status === 204 && deleted) this.undo.offer({ ...deleted, version: open.version });
      } else if (response.status === 409) {
        this.#handleStale(response, "The span was not deleted");
      } else {
        this.messages.showError(this.api.errorText(response, "delete the span"));
      }
    } finally {
      this.#saving = false;
    }
  }

  // The panel's keys (the document's keydown, after the text and the chooser).
  onKey(event) {
    const open = this.#editor;
    if (!open) return;
    if (event.key === "Escape") {
      event.preventDefault();
      if (this.#reselecting) this.#setReselecting(false);
      else this.cancel();
      return;
    }
    if (event.key === "Enter") {
      const target = event.target;
      if (target.tagName === "TEXTAREA" && !(event.ctrlKey || event.metaKey)) return;
      if (target.tagName === "BUTTON" || target.tagName === "A") return;
      event.preventDefault();
      this.save();
      return;
    }
    if (isTypingTarget(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (open.mode === "view") return;
    const key = event.key.toLowerCase();
    if (this.#pickShortcut(key)) {
      event.preventDefault();
    } else if (key === "w" && open.mode === "edit") {
      // After the scheme's own keys, so a scheme may still use "w".
      this.startReselecting();
      event.preventDefault();
    }
  }

  // Picks the claim type or sourcing level whose shortcut is `key`; true if any.
  #pickShortcut(key) {
    const fields = [
      ["claim_type", this.doc.claimTypes],
      ["sourcing_quality", this.doc.levels],
    ];
    for (const [name, labels] of fields) {
      for (const label of labels.values()) {
        if (label.shortcut && label.shortcut.toLowerCase() === key) {
          if (pick(this.formEl, name, label.code)) this.#escArmed = false;
          return true;
        }
      }
    }
    return false;
  }
}
