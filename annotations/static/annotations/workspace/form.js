// The span form inside the panel: label choices, field values, the saved version
// shown after a conflict, and cited-source suggestions.

import { el } from "../http.js";

export const EMPTY_VALUES = { claim_type: "", sourcing_quality: "", cited_source: "", note: "" };

export function spanValues(span) {
  return {
    claim_type: span.claim_type,
    sourcing_quality: span.sourcing_quality,
    cited_source: span.cited_source || "",
    note: span.note || "",
  };
}

function choice(name, value, label, description, shortcut, color) {
  const wrapper = el("label", { class: "choice" });
  const input = document.createElement("input");
  input.type = "radio";
  input.name = name;
  input.value = value;
  const text = el("span", { class: "choice-text" });
  const title = el("span", { class: "choice-name" });
  if (color) {
    const swatch = el("span", { class: "swatch" });
    swatch.style.backgroundColor = color;
    title.append(swatch);
  }
  title.append(document.createTextNode(label));
  text.append(title);
  if (description) {
    text.append(el("span", { class: "choice-description" }, description));
    wrapper.title = description; // still at hand where the layout hides descriptions
  }
  wrapper.append(input, text);
  if (shortcut) wrapper.append(el("kbd", { "aria-label": `shortcut ${shortcut}` }, shortcut));
  return wrapper;
}

// The claim type and sourcing level radio buttons, in the scheme's order.
export function buildChoices(doc) {
  const claimSet = document.getElementById("claim-types");
  for (const claim of doc.claimTypes.values()) {
    claimSet.append(
      choice("claim_type", claim.code, claim.name, claim.description, claim.shortcut, claim.color),
    );
  }
  const levelSet = document.getElementById("sourcing-levels");
  for (const level of doc.levels.values()) {
    levelSet.append(
      choice("sourcing_quality", level.code, level.name, level.description, level.shortcut),
    );
  }
}

export function formValues(formEl) {
  const data = new FormData(formEl);
  return {
    claim_type: data.get("claim_type") || "",
    sourcing_quality: data.get("sourcing_quality") || "",
    cited_source: formEl.elements.cited_source.value,
    note: formEl.elements.note.value,
  };
}

export function setFormValues(formEl, values) {
  for (const input of formEl.querySelectorAll("input[type=radio]")) {
    input.checked = values[input.name] === input.value;
  }
  formEl.elements.cited_source.value = values.cited_source || "";
  formEl.elements.note.value = values.note || "";
}

// Checks the radio button of `value`; true when there is one.
export function pick(formEl, name, value) {
  const input = formEl.querySelector(`input[name="${name}"][value="${CSS.escape(value)}"]`);
  if (input) input.checked = true;
  return Boolean(input);
}

// Shows the span as saved on the server, under the form.
export function showServerVersion(doc, span) {
  const claim = doc.claimTypes.get(span.claim_type);
  const level = doc.levels.get(span.sourcing_quality);
  const rows = [
    ["Version", String(span.version)],
    ["Claim type", claim ? claim.name : span.claim_type],
    ["Sourcing quality", level ? level.name : span.sourcing_quality],
    ["Cited source", span.cited_source || "—"],
    ["Note", span.note || "—"],
  ];
  const fields = rows.flatMap(([label, value]) => [el("dt", {}, label), el("dd", {}, value)]);
  document.getElementById("server-version-fields").replaceChildren(...fields);
  document.getElementById("server-version").hidden = false;
}

// Suggestions for the cited-source field, from the sources cited in the session.
export function citedSourceSuggestions(api) {
  let lastQuery = null;
  let timer = null;
  async function load(query) {
    if (query === lastQuery) return;
    lastQuery = query;
    const response = await api.citedSources(query);
    if (!response.ok || !response.data) return;
    document
      .getElementById("cited-source-options")
      .replaceChildren(...(response.data.results || []).map((value) => el("option", { value })));
  }
  function typed(value) {
    clearTimeout(timer);
    timer = setTimeout(() => load(value), 200);
  }
  return { load, typed };
}
