// The dashboard's article-question agreement: one row per question of the session
// report's `article_questions` (alpha at the question's level, MASI for multi-select,
// with its 95% bootstrap interval and the agreed / disputed / adjudicated counts).

import { el } from "../http.js";

function fmt(value) {
  return value === null || value === undefined ? "n/a" : Number(value).toFixed(3);
}

const LEVELS = { nominal: "nominal", ordinal: "ordinal", masi: "set (MASI)" };

export function drawQuestions(figures) {
  const section = document.getElementById("question-agreement-block");
  const body = document.getElementById("question-agreement-rows");
  if (!section || !body) return;
  const questions = figures?.questions ?? [];
  section.hidden = questions.length === 0;
  body.replaceChildren(
    ...questions.map((question) => {
      const tr = el("tr");
      tr.dataset.code = question.code;
      const name = el("th", { scope: "row" }, question.prompt);
      name.title = question.code;
      const ci = question.ci ? `${fmt(question.ci[0])} – ${fmt(question.ci[1])}` : "n/a";
      const alpha = el("td", { class: "num", "data-testid": "question-alpha" }, fmt(question.alpha));
      tr.append(
        name,
        el("td", {}, LEVELS[question.level] ?? question.level),
        alpha,
        el("td", { class: "num" }, ci),
        el("td", { class: "num" }, String(question.pairable_articles)),
        el("td", { class: "num" }, String(question.agreed)),
        el("td", { class: "num" }, String(question.disputed)),
        el("td", { class: "num" }, String(question.adjudicated)),
      );
      return tr;
    }),
  );
}
