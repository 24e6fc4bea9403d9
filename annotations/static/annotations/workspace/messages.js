// The page's messages: an error that stays until dismissed, and a passing status.

import { el } from "../http.js";

const STATUS_MS = 4000;

export class Messages {
  #statusTimer = null;

  constructor(messagesEl, statusEl) {
    this.messagesEl = messagesEl;
    this.statusEl = statusEl;
  }

  showError(text) {
    const close = el("button", { type: "button", class: "message-close" }, "×");
    close.setAttribute("aria-label", "Dismiss message");
    close.addEventListener("click", () => this.messagesEl.replaceChildren());
    const box = el("div", { class: "message message--error" });
    box.append(el("p", {}, text), close);
    this.messagesEl.replaceChildren(box);
  }

  clearError() {
    this.messagesEl.replaceChildren();
  }

  showStatus(text) {
    this.statusEl.textContent = text;
    this.statusEl.classList.add("visible");
    clearTimeout(this.#statusTimer);
    this.#statusTimer = setTimeout(() => this.statusEl.classList.remove("visible"), STATUS_MS);
  }
}
