// The adjudication queue of article questions: each question whose reviewers'
// answers differ on an article (GET question-disputes/), with the answers side by
// side and a form deciding the gold answer (PUT gold-answers/, recorded with who
// decided and when). A decided question leaves the queue.
//
// The form's controls are ordinary inputs and buttons (Tab, Space, Enter); keys of
// the span queue (j/k, a/b/c, r, e) are not taken while focus is inside this section.

import { el, request } from "../http.js";

function answerText(question, value) {
  const labels = new Map(question.options.map((o) => [o.code, o.label]));
  if (question.type === "boolean") return value ? "Yes" : "No";
  if (Array.isArray(value)) return value.length ? value.map((v) => labels.get(v) ?? v).join(", ") : "(none ticked)";
  return labels.get(value) ?? String(value);
}

// deps: {sessionApi, say, showError}.
export class QuestionDisputes {
  constructor(deps) {
    Object.assign(this, deps);
    this.sectionEl = document.getElementById("question-disputes");
    this.listEl = document.getElementById("question-dispute-list");
    this.countEl = document.getElementById("question-dispute-count");
  }

  async load() {
    const response = await request("GET", `${this.sessionApi}question-disputes/`);
    if (!response.ok) {
      this.sectionEl.hidden = true;
      return;
    }
    const disputes = response.data.results;
    this.sectionEl.hidden = false;
    this.countEl.textContent = `(${disputes.length})`;
    if (!disputes.length) {
      this.listEl.replaceChildren(el("p", { class: "empty", "data-testid": "question-queue-empty" }, "No disputed article questions."));
      return;
    }
    this.listEl.replaceChildren(...disputes.map((dispute) => this.#card(dispute)));
  }

  #choices(dispute) {
    const multi = dispute.type === "multi";
    const options = dispute.type === "boolean"
      ? [{ code: "yes", label: "Yes" }, { code: "no", label: "No" }]
      : dispute.options;
    const group = el("fieldset", { class: "question-gold-choices" });
    group.append(el("legend", {}, "Gold answer"));
    for (const option of options) {
      const id = `gold-${dispute.article}-${dispute.question}-${option.code}`;
      const input = el("input", {
        type: multi ? "checkbox" : "radio",
        name: `gold-${dispute.article}-${dispute.question}`,
        value: option.code,
        id,
      });
      const label = el("label", { for: id, class: "question-option" });
      label.append(input, el("span", {}, option.label));
      group.append(label);
    }
    return group;
  }

  #value(dispute, form) {
    const inputs = [...form.querySelectorAll("input")];
    if (dispute.type === "multi") return inputs.filter((i) => i.checked).map((i) => i.value);
    const chosen = inputs.find((i) => i.checked);
    if (!chosen) return undefined;
    return dispute.type === "boolean" ? chosen.value === "yes" : chosen.value;
  }

  #card(dispute) {
    const card = el("article", { class: "question-dispute", "data-testid": "question-dispute" });
    card.dataset.article = String(dispute.article);
    card.dataset.question = dispute.question;
    const title = el("h3", {}, dispute.prompt);
    const where = el("p", { class: "muted small" }, `${dispute.article_title || `Article ${dispute.article}`} · ${dispute.question}`);
    const answers = el("dl", { class: "question-answers" });
    for (const [reviewer, value] of Object.entries(dispute.answers)) {
      answers.append(el("dt", {}, reviewer), el("dd", {}, answerText(dispute, value)));
    }
    const form = el("form", { class: "question-gold", novalidate: "" });
    const save = el("button", { type: "submit", class: "button button--primary" }, "Save gold answer");
    form.append(this.#choices(dispute), save);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.#decide(dispute, form);
    });
    card.append(title, where, answers, form);
    return card;
  }

  async #decide(dispute, form) {
    const value = this.#value(dispute, form);
    if (value === undefined) {
      this.showError("Choose the gold answer first.");
      return;
    }
    const url = `${this.sessionApi}articles/${dispute.article}/gold-answers/`;
    const response = await request("PUT", url, { answers: { [dispute.question]: value } });
    if (!response.ok) {
      const detail = response.data ? JSON.stringify(response.data) : "no response";
      this.showError(`Could not save the gold answer (${response.status}): ${detail}`);
      return;
    }
    const gold = response.data.gold[dispute.question];
    this.say(`Gold answer saved for "${dispute.prompt}" (by ${gold.decided_by}).`);
    await this.load();
  }
}
