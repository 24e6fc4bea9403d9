// Undo of a span deletion: for a few seconds an Undo button (or Ctrl+Z) brings the
// span back through the API (same id, next version).

import { el } from "../http.js";
import { excerpt, storeSpan } from "./document.js";

const UNDO_MS = 8000;

// deps: {barEl, api, doc, messages, view, side}.
export class SpanUndo {
  #timer = null;
  #span = null; // the deleted span that can still come back, or null

  constructor(deps) {
    Object.assign(this, deps);
  }

  pending() {
    return this.#span !== null;
  }

  offer(span) {
    clearTimeout(this.#timer);
    this.#span = span;
    const button = el("button", { type: "button", class: "button button--small", id: "undo-button" });
    button.append("Undo ", el("kbd", {}, "Ctrl+Z"));
    button.addEventListener("click", () => this.run());
    const quote = el("bdi", {}, excerpt(span.quote, 40));
    const line = el("span", {}, "Deleted “");
    line.append(quote, "”.");
    this.barEl.replaceChildren(line, button);
    this.barEl.hidden = false;
    this.#timer = setTimeout(() => this.#hide(), UNDO_MS);
  }

  #hide() {
    clearTimeout(this.#timer);
    this.#span = null;
    this.barEl.hidden = true;
    this.barEl.replaceChildren();
  }

  async run() {
    const span = this.#span;
    if (!span) return;
    this.#hide();
    const response = await this.api.restoreSpan(span.id, span.version);
    if (response.status !== 201) {
      this.messages.showError(this.api.errorText(response, "restore the span"));
      return;
    }
    const restored = storeSpan(this.doc, response.data);
    this.view.render();
    this.side.renderSpanList();
    this.messages.showStatus(`Restored “${excerpt(restored.quote, 40)}”.`);
  }
}
