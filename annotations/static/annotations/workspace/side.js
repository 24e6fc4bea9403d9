// Around the text: the reviewer's span list, the legend and keyboard
// shortcuts, the chooser where several spans overlap, and the done state.

import { el } from "../http.js";
import { excerpt, sortedSpans } from "./document.js";

const byId = (id) => document.getElementById(id);
const UNKNOWN_COLOR = "#888888";
const OTHERS_COLOR = "#9aa0a6";

function swatch(color) {
  const element = el("span", { class: "swatch" });
  element.style.backgroundColor = color;
  return element;
}

// deps: {doc, api, messages, canAnnotate, view, openSpan(id)}.
export class Sidebar {
  constructor(deps) {
    Object.assign(this, deps);
    this.chooserEl = byId("chooser");
  }

  #spanItem(span) {
    const claim = this.doc.claimTypes.get(span.claim_type);
    const level = this.doc.levels.get(span.sourcing_quality);
    const button = el("button", { type: "button", class: "span-item" });
    button.dataset.spanId = span.id;
    const labels = [
      claim ? claim.name : span.claim_type,
      level ? level.name : span.sourcing_quality,
      span.cited_source,
    ];
    button.append(
      swatch(claim ? claim.color : UNKNOWN_COLOR),
      // dir=auto: an Urdu or Pashto quote reads right to left in a left-to-right list.
      el("span", { class: "span-item-quote", dir: "auto" }, `“${excerpt(span.quote)}”`),
      el("span", { class: "span-item-labels" }, labels.filter(Boolean).join(" · ")),
    );
    button.setAttribute("aria-label", `Go to span: ${excerpt(span.quote, 60)}`);
    button.addEventListener("click", () => {
      this.openSpan(span.id); // re-renders the text, so flash afterwards
      this.view.jumpTo(span.id);
    });
    const item = el("li");
    item.append(button);
    return item;
  }

  renderSpanList() {
    const mine = sortedSpans(this.doc, (s) => s.is_mine);
    byId("span-list").replaceChildren(...mine.map((span) => this.#spanItem(span)));
    byId("span-list-empty").hidden = mine.length > 0;
    byId("my-spans-title").textContent = `My spans (${mine.length})`;
    byId("span-count").textContent = `${mine.length} span${mine.length === 1 ? "" : "s"}`;
    byId("legend-others").hidden = this.doc.spans.size - mine.length === 0;
  }

  renderLegendAndShortcuts() {
    const claims = [...this.doc.claimTypes.values()];
    byId("legend").replaceChildren(
      ...claims.map((claim) => {
        const name = el("span", {}, claim.name);
        name.title = claim.description || "";
        const item = el("li");
        item.append(swatch(claim.color), name);
        return item;
      }),
    );
    const wordKeys = [
      ["← →", "In the article text (Tab to it): move the word cursor"],
      ["Shift+← →", "Extend the chosen words (Home, End: first, last word)"],
      ["Enter", "In the text: label the chosen words; Esc clears them"],
    ];
    const rows = [
      ...(this.canAnnotate ? wordKeys : []),
      ...claims.filter((c) => c.shortcut).map((c) => [c.shortcut, `Claim type: ${c.name}`]),
      ...[...this.doc.levels.values()]
        .filter((l) => l.shortcut)
        .map((l) => [l.shortcut, `Sourcing: ${l.name}`]),
      ...(this.canAnnotate && (this.doc.questionCount || 0) > 0
        ? [
            ["a", "Go to the article questions (no span open)"],
            ["1–9", "In a question: choose option n (multi-select: toggle)"],
            ["Enter", "In a question: go to the next one (Esc: back to the text)"],
          ]
        : []),
      ["w", "Change the open span's words: select the new ones"],
      ["Enter", "Save the span (Ctrl+Enter in the note)"],
      ["Esc", "Cancel (press twice to discard edits)"],
    ];
    byId("shortcut-list").replaceChildren(
      ...rows.flatMap(([key, meaning]) => {
        const term = el("dt");
        term.append(el("kbd", {}, key));
        return [term, el("dd", {}, meaning)];
      }),
    );
  }

  isChooserOpen() {
    return !this.chooserEl.hidden;
  }

  hideChooser() {
    this.chooserEl.hidden = true;
  }

  // Lists the spans covering a clicked segment, next to the click.
  showChooser(ids, x, y) {
    const items = ids.map((id) => {
      const span = this.doc.spans.get(id);
      const claim = this.doc.claimTypes.get(span.claim_type);
      const button = el("button", { type: "button", class: "chooser-item" });
      button.dataset.spanId = id;
      const owner = span.is_mine ? "" : ` — ${span.reviewer} (read-only)`;
      const name = claim ? claim.name : span.claim_type;
      const label = el("span", {}, `${name}: “`);
      label.append(el("bdi", {}, excerpt(span.quote, 50)), `”${owner}`);
      button.append(swatch(span.is_mine && claim ? claim.color : OTHERS_COLOR), label);
      button.addEventListener("click", () => this.openSpan(id));
      const item = el("li");
      item.append(button);
      return item;
    });
    byId("chooser-list").replaceChildren(...items);
    const chooser = this.chooserEl;
    chooser.hidden = false;
    const left = Math.max(8, Math.min(x, window.innerWidth - chooser.offsetWidth - 8));
    chooser.style.left = `${left + window.scrollX}px`;
    chooser.style.top = `${y + window.scrollY + 12}px`;
    chooser.querySelector("button").focus();
  }

  renderDone() {
    const done = this.doc.done;
    const status = byId("review-status");
    status.textContent = done ? "Done" : "Open";
    status.className = `status ${done ? "status--done" : "status--open"}`;
    const button = byId("done-button");
    button.textContent = done ? "Reopen" : "Mark as done";
    button.disabled = !this.canAnnotate;
    button.hidden = !this.canAnnotate;
  }

  async toggleDone() {
    byId("done-button").disabled = true;
    const response = await this.api.setDone(!this.doc.done);
    if (response.ok) {
      this.doc.done = Boolean(response.data.done);
      this.messages.clearError();
      this.messages.showStatus(this.doc.done ? "Marked as done." : "Reopened.");
    } else {
      const action = this.doc.done ? "reopen the article" : "mark the article done";
      this.messages.showError(this.api.errorText(response, action));
    }
    this.renderDone();
  }
}
