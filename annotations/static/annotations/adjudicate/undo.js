// Undo of a gold decision: for a few seconds after a decision an Undo button (or the
// `u` key) reverts it to the previous revision through the API; history is kept.

import { el, request } from "../http.js";

const UNDO_MS = 8000;

// deps: {barEl, sessionApi, onUndone(unit, body, description), showError, errorText}.
export class GoldUndo {
  #timer = null;
  #offer = null; // {unit, gold, description} that can still be undone, or null

  constructor(deps) {
    Object.assign(this, deps);
  }

  offer(unit, gold, description) {
    clearTimeout(this.#timer);
    this.#offer = { unit, gold, description };
    const button = el("button", { type: "button", class: "button button--small", id: "undo-button" });
    button.append("Undo ", el("kbd", {}, "u"));
    button.addEventListener("click", () => this.run());
    this.barEl.replaceChildren(el("span", {}, `Decided: ${description}.`), button);
    this.barEl.hidden = false;
    this.#timer = setTimeout(() => this.#hide(), UNDO_MS);
  }

  #hide() {
    clearTimeout(this.#timer);
    this.#offer = null;
    this.barEl.hidden = true;
    this.barEl.replaceChildren();
  }

  async run() {
    const offer = this.#offer;
    if (!offer) return false;
    this.#hide();
    const response = await request("POST", `${this.sessionApi}gold/${offer.gold.id}/undo/`, {});
    if (!response.ok) {
      this.showError(this.errorText(response, "undo the decision"));
      return true;
    }
    await this.onUndone(offer.unit, response.data, offer.description);
    return true;
  }
}
