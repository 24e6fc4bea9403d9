// The article-questions panel: one fieldset per question of the scheme (radios for
// nominal, ordinal and yes/no questions, checkboxes for multi-select), saved on every
// change through PUT answers/ with compare-and-set on the version (a 409 reloads the
// stored answers). Blind like spans: the API gives a reviewer only their own answers.
//
// Keys: `a` (outside inputs, no span open) goes to the first question; inside the
// panel `1`–`9` choose option n of the current question (multi-select: toggle it;
// a single choice moves on to the next question), `Enter` moves on, `Esc` goes back
// to the article text. Tab and
// the arrow keys work as in any form.

import { el, request } from "../http.js";

const byId = (id) => document.getElementById(id);
const TYPE_HINTS = {
  ordinal: "one point of the scale",
  nominal: "one choice",
  boolean: "yes or no",
  multi: "tick all that apply",
};

function isTypingTarget(target) {
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName)
    && !["radio", "checkbox"].includes(target.type);
}

// deps: {rootEl, url, questions, messages, textEl}.
export class QuestionsPanel {
  #version = 0;
  #answers = {};
  #queue = Promise.resolve();

  constructor(deps) {
    Object.assign(this, deps);
    this.formEl = this.rootEl.querySelector("form");
  }

  async load() {
    const response = await request("GET", this.url);
    if (!response.ok) return false;
    this.#take(response.data);
    this.render();
    return true;
  }

  #take(data) {
    this.#version = data.version;
    this.#answers = { ...data.answers };
  }

  #inputFor(question, option, index) {
    const multi = question.type === "multi";
    const id = `q-${question.code}-${option.code}`;
    const input = el("input", {
      type: multi ? "checkbox" : "radio",
      name: `q-${question.code}`,
      id,
      value: option.code,
    });
    const given = this.#answers[question.code];
    if (multi) input.checked = Array.isArray(given) && given.includes(option.code);
    else if (question.type === "boolean") input.checked = given === (option.code === "yes");
    else input.checked = given === option.code;
    input.addEventListener("change", () => this.#changed(question));
    const label = el("label", { for: id, class: "question-option" });
    label.append(input, el("kbd", {}, String(index + 1)), el("span", {}, option.label));
    return label;
  }

  #fieldset(question, index) {
    const fieldset = el("fieldset", { class: "question" });
    fieldset.dataset.code = question.code;
    const legend = el("legend", {}, `${index + 1}. ${question.prompt}`);
    const hint = el("p", { class: "question-help muted" });
    hint.textContent = `${question.help ? `${question.help} ` : ""}(${TYPE_HINTS[question.type]})`;
    hint.id = `q-${question.code}-help`;
    fieldset.setAttribute("aria-describedby", hint.id);
    const options = el("div", { class: `question-options question-options--${question.type}` });
    options.append(...question.options.map((option, i) => this.#inputFor(question, option, i)));
    fieldset.append(legend, hint, options);
    return fieldset;
  }

  render() {
    const list = byId("question-list");
    list.replaceChildren(...this.questions.map((q, i) => this.#fieldset(q, i)));
    const answered = this.questions.filter((q) => this.#answers[q.code] !== undefined).length;
    byId("questions-count").textContent = `${answered} of ${this.questions.length} answered`;
  }

  #value(question) {
    const inputs = [...this.formEl.querySelectorAll(`input[name="q-${question.code}"]`)];
    if (question.type === "multi") return inputs.filter((i) => i.checked).map((i) => i.value);
    const chosen = inputs.find((i) => i.checked);
    if (!chosen) return null;
    return question.type === "boolean" ? chosen.value === "yes" : chosen.value;
  }

  #changed(question) {
    const value = this.#value(question);
    // Saves run one after the other, each with the version the last one returned.
    this.#queue = this.#queue.then(() => this.#save({ [question.code]: value }));
  }

  async #save(answers) {
    const response = await request("PUT", this.url, { answers, version: this.#version });
    if (response.ok) {
      this.#take(response.data);
      this.messages.showStatus("Answer saved.");
      this.#refreshCount();
      return;
    }
    if (response.status === 409 && response.data && response.data.current) {
      this.#take(response.data.current);
      this.render();
      this.messages.showError("Your answers changed in another tab; they were reloaded.");
      return;
    }
    const detail = response.data ? JSON.stringify(response.data) : "no response";
    this.messages.showError(`Could not save the answer (${response.status}): ${detail}`);
  }

  #refreshCount() {
    const answered = this.questions.filter((q) => this.#answers[q.code] !== undefined).length;
    byId("questions-count").textContent = `${answered} of ${this.questions.length} answered`;
  }

  focusFirst() {
    const first = this.formEl.querySelector("fieldset.question");
    if (first) this.#focusQuestion(first);
  }

  #focusQuestion(fieldset) {
    const inputs = [...fieldset.querySelectorAll("input")];
    (inputs.find((i) => i.checked) || inputs[0]).focus();
  }

  // The document's keydown, before the span panel; true when handled.
  onKey(event, editorOpen) {
    if (event.ctrlKey || event.metaKey || event.altKey) return false;
    const fieldset = event.target.closest && event.target.closest("fieldset.question");
    if (!fieldset || !this.rootEl.contains(fieldset)) {
      if (event.key !== "a" || editorOpen || isTypingTarget(event.target)) return false;
      event.preventDefault();
      this.focusFirst();
      return true;
    }
    if (event.key === "Escape") {
      event.preventDefault();
      this.textEl.focus();
      return true;
    }
    if (event.key === "Enter") {
      // Enter moves on (a multi-select's ticks are saved as they are made).
      event.preventDefault();
      const following = fieldset.nextElementSibling;
      if (following) this.#focusQuestion(following);
      else this.textEl.focus();
      return true;
    }
    if (!/^[1-9]$/.test(event.key)) return false;
    const inputs = [...fieldset.querySelectorAll("input")];
    const input = inputs[Number(event.key) - 1];
    if (!input) return false;
    event.preventDefault();
    input.checked = input.type === "checkbox" ? !input.checked : true;
    input.dispatchEvent(new Event("change"));
    const next = fieldset.nextElementSibling;
    if (input.type === "radio" && next) this.#focusQuestion(next);
    else input.focus();
    return true;
  }
}
