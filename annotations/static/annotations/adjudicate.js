// The disputes queue: competing reviewer versions side by side and the gold decision.
//
// Keyboard first: j/n next, k/p previous, a/b/c accept a version, r reject, e edit,
// Esc cancel. Offsets shown and sent are Unicode code points (end exclusive); the
// article text is sliced in UTF-16 with the `*_utf16` offsets the API also returns
// (conversions in offsets.js). The unit's cards are drawn by adjudicate/cards.js, the
// edit form is adjudicate/edit.js, the comment thread and article note
// adjudicate/discussion.js. User text only reaches the DOM through
// textContent, attributes or form values.

import { goldText, snippet, statusBadge, versionCard } from "./adjudicate/cards.js";
import { Discussion } from "./adjudicate/discussion.js";
import { EditForm } from "./adjudicate/edit.js";
import { REASON_FILTERS, reasonsList, reasonWords } from "./adjudicate/reasons.js";
import { GoldUndo } from "./adjudicate/undo.js";
import { QuestionDisputes } from "./adjudicate/questions.js";
import { FIELD_LABELS, errorText as apiErrorText, request, getAll, el } from "./http.js";

const root = document.getElementById("adjudicate");
const sessionId = Number(root.dataset.sessionId);
const api = root.dataset.api;
const sessionApi = `${api}sessions/${sessionId}/`;
const scheme = JSON.parse(document.getElementById("scheme-data").textContent);

const messagesEl = document.getElementById("messages");
const statusEl = document.getElementById("status");
const queueEl = document.getElementById("queue");
const disputeEl = document.getElementById("dispute");
const contextEl = document.getElementById("context");
const editForm = document.getElementById("edit-form");

const ACCEPT_KEYS = ["a", "b", "c"];
const labels = {
  claimTypes: new Map(scheme.claim_types.map((c) => [c.code, c])),
  levels: new Map(scheme.sourcing_levels.map((l) => [l.code, l])),
};

// The page's state; only this module changes it.
const state = {
  units: [], // the queue, as loaded
  index: -1, // the unit on screen, or -1
  articles: new Map(), // id -> {title, text, outlet}
  facts: [],
  busy: false, // a decision is being saved
};

const edit = new EditForm({
  formEl: editForm,
  contextEl,
  scheme,
  say,
  granularity: root.dataset.granularity,
  current: () => {
    const unit = state.units[state.index];
    return { unit, article: unit && state.articles.get(unit.article) };
  },
});

const goldUndo = new GoldUndo({
  barEl: document.getElementById("undo-bar"),
  sessionApi,
  showError,
  errorText,
  onUndone: async (unit, body, description) => {
    unit.gold = body.current;
    unit.status = body.unit_status || unit.status;
    go(state.units.indexOf(unit));
    say(`Undone: ${description}. ${body.current ? "The previous decision is back." : "The unit is disputed again."}`);
  },
});

const discussion = new Discussion({
  sessionApi,
  say,
  showError,
  onUnreadChange: () => renderQueue(),
});

// --- HTTP -------------------------------------------------------------------

function errorText(response, action) {
  return apiErrorText(response, action, {
    labels: FIELD_LABELS,
    statuses: {
      404: `Could not ${action}: this unit no longer exists (the agreement was recomputed). Reload the queue.`,
    },
  });
}

function showError(text) {
  const box = document.createElement("p");
  box.className = "message message--error";
  box.textContent = text;
  messagesEl.replaceChildren(box);
  box.scrollIntoView({ block: "nearest" });
}

function say(text) {
  statusEl.textContent = text;
}

// --- Loading --------------------------------------------------------------------

async function articleOf(articleId) {
  if (!state.articles.has(articleId)) {
    const response = await request("GET", `${sessionApi}articles/${articleId}/`);
    if (!response.ok) throw new Error(errorText(response, "load the article text"));
    const { display_title: title, text, outlet, direction } = response.data;
    state.articles.set(articleId, { title, text, outlet, direction });
  }
  return state.articles.get(articleId);
}

async function loadFacts() {
  const response = await getAll(`${sessionApi}facts/?limit=500`);
  if (!response.ok) return;
  state.facts = response.items;
  const select = document.getElementById("fact-select");
  const keep = select.value;
  select.replaceChildren(
    el("option", { value: "" }, "— none (keep as is) —"),
    ...state.facts.map((fact) => el("option", { value: String(fact.id) }, fact.label)),
    el("option", { value: "new" }, "New fact…"),
  );
  select.value = [...select.options].some((o) => o.value === keep) ? keep : "";
}

async function loadQueue(preferId, { widen = false } = {}) {
  const filterEl = document.getElementById("queue-filter");
  const filter = filterEl.value;
  const reason = document.getElementById("reason-filter").value;
  const reasonQuery = reason ? `&reason=${encodeURIComponent(reason)}` : "";
  const response = await getAll(`${sessionApi}disputes/?status=${filter}${reasonQuery}&limit=200`);
  if (!response.ok) {
    queueEl.replaceChildren(el("p", { class: "empty" }, "The queue could not be loaded."));
    showError(errorText(response, "load the disputes"));
    return;
  }
  const wanted = response.items.findIndex((unit) => unit.id === preferId);
  if (widen && wanted < 0 && preferId !== undefined && filter !== "all") {
    // A linked unit that is not in this queue (a decided one): show all units.
    filterEl.value = "all";
    await loadQueue(preferId);
    return;
  }
  state.units = response.items;
  state.index = wanted >= 0 ? wanted : state.units.length ? 0 : -1;
  renderQueue();
  await showCurrent();
}

// --- Rendering ------------------------------------------------------------------

function renderQueue() {
  const open = state.units.filter((unit) => unit.status === "disputed").length;
  document.getElementById("queue-count").textContent = `${open} open of ${state.units.length}`;
  if (!state.units.length) {
    queueEl.replaceChildren(el("p", { class: "empty" }, "Nothing here."));
    return;
  }
  const parts = [];
  let list = null;
  let article = null;
  state.units.forEach((unit, index) => {
    if (unit.article !== article) {
      article = unit.article;
      parts.push(el("h3", {}, unit.article_title));
      list = el("ol", { class: "queue-list" });
      parts.push(list);
    }
    const button = el("button", { type: "button", class: "queue-item", "data-unit-id": String(unit.id) });
    if (index === state.index) button.setAttribute("aria-current", "true");
    button.append(el("span", { class: "queue-quote", dir: "auto" }, unit.quote), statusBadge(unit.status));
    const why = reasonWords(unit);
    if (why) button.append(el("span", { class: "queue-reasons" }, why));
    const unread = discussion.badge(unit.id);
    if (unread) button.append(unread);
    button.addEventListener("click", () => go(index));
    const item = el("li");
    item.append(button);
    list.append(item);
  });
  queueEl.replaceChildren(...parts);
}

function renderActions(unit) {
  const actions = document.getElementById("actions");
  const buttons = unit.versions.map((version, i) => {
    const button = el("button", { type: "button", class: "button button--primary", "data-accept": version.letter });
    button.append(document.createTextNode(`Accept ${version.letter} `));
    if (i < ACCEPT_KEYS.length) button.append(el("kbd", {}, ACCEPT_KEYS[i]));
    button.addEventListener("click", () => accept(version.letter));
    return button;
  });
  const editButton = el("button", { type: "button", class: "button", id: "edit-button" });
  editButton.append(document.createTextNode("Edit "), el("kbd", {}, "e"));
  editButton.addEventListener("click", openEdit);
  const reject = el("button", { type: "button", class: "button button--danger", id: "reject-button" });
  reject.append(document.createTextNode("Reject: not a claim "), el("kbd", {}, "r"));
  reject.addEventListener("click", rejectUnit);
  actions.replaceChildren(...buttons, editButton, reject);
}

async function showCurrent() {
  edit.close();
  const unit = state.units[state.index];
  document.getElementById("queue-empty").hidden = Boolean(unit);
  disputeEl.hidden = !unit;
  if (!unit) {
    document.body.dataset.unitId = "";
    return;
  }
  let article;
  try {
    article = await articleOf(unit.article);
  } catch (error) {
    showError(error.message);
    return;
  }
  if (state.units[state.index] !== unit) return; // moved on while loading
  const position = state.units.filter((u) => u.status === "disputed").indexOf(unit);
  document.getElementById("dispute-title").textContent =
    unit.status === "disputed" && position >= 0 ? `Dispute ${position + 1}` : `Unit ${state.index + 1} of ${state.units.length}`;
  document.getElementById("unit-status").replaceWith(statusBadge(unit.status, { id: "unit-status", "data-testid": "unit-status" }));
  document.getElementById("dispute-article").textContent = article.outlet ? `${article.title} · ${article.outlet}` : article.title;
  document.getElementById("unit-extent").textContent = `Unit ${unit.start}–${unit.end} · ${unit.reviewer_count} reviewer${unit.reviewer_count === 1 ? "" : "s"} · ${unit.versions.length} version${unit.versions.length === 1 ? "" : "s"}`;
  document.getElementById("reasons").replaceWith(reasonsList(unit, labels));
  const context = snippet(article.text, unit.start_utf16, unit.end_utf16, unit.start_utf16, unit.end_utf16, "unit-extent");
  contextEl.replaceChildren(...context.nodes);
  contextEl.dir = article.direction || "auto"; // Urdu, Pashto: right to left
  contextEl.dataset.from = String(context.from);
  const versions = document.getElementById("versions");
  versions.replaceChildren(...unit.versions.map((version) => versionCard(version, unit, article.text, labels)));
  const gold = document.getElementById("gold-line");
  gold.hidden = !unit.gold;
  gold.textContent = goldText(unit.gold, labels);
  document.getElementById("verdict").value = unit.gold?.verdict ?? "";
  renderActions(unit);
  await discussion.show(unit);
  if (state.units[state.index] !== unit) return;
  document.body.dataset.unitId = String(unit.id);
  history.replaceState(null, "", `#unit-${unit.id}`);
}

function go(index) {
  if (index < 0 || index >= state.units.length || state.busy) return;
  messagesEl.replaceChildren();
  state.index = index;
  renderQueue();
  showCurrent().then(() => document.getElementById("dispute-title").focus({ preventScroll: true }));
}

function step(delta) {
  const next = state.index + delta;
  if (next < 0 || next >= state.units.length) {
    say(delta > 0 ? "This is the last unit in the queue." : "This is the first unit in the queue.");
    return;
  }
  go(next);
}

// --- Decisions ------------------------------------------------------------------

function extras(decision) {
  const body = {};
  const note = document.getElementById("decision-note").value.trim();
  if (note) body.note = note;
  const verdict = document.getElementById("verdict").value;
  if (verdict) body.verdict = verdict;
  const fact = document.getElementById("fact-select").value;
  const value = document.getElementById("fact-value").value.trim();
  if (fact === "new") {
    const label = document.getElementById("fact-label").value.trim();
    if (!label) return { error: "Give the new fact a label, or choose no fact." };
    body.facts = [{ label, value }];
  } else if (fact) {
    body.facts = [{ fact: Number(fact), value }];
  }
  if (decision === "rejected" && (body.verdict || body.facts)) {
    return { error: "A rejected unit is not a claim: clear the verdict and the fact first." };
  }
  return { body };
}

async function decide(body, description) {
  const unit = state.units[state.index];
  if (!unit || state.busy) return;
  const extra = extras(body.decision);
  if (extra.error) {
    showError(extra.error);
    return;
  }
  state.busy = true;
  messagesEl.replaceChildren();
  say(`Saving: ${description}…`);
  const response = await request("POST", `${sessionApi}units/${unit.id}/decision/`, { ...body, ...extra.body });
  state.busy = false;
  if (response.status !== 201) {
    say("");
    showError(errorText(response, description));
    return;
  }
  unit.status = response.data.unit_status || "adjudicated";
  unit.gold = response.data;
  goldUndo.offer(unit, response.data, description);
  for (const id of ["decision-note", "fact-value", "fact-label"]) document.getElementById(id).value = "";
  if (body.facts || extra.body.facts) await loadFacts();
  document.getElementById("fact-select").value = "";
  document.getElementById("fact-label-field").hidden = true;
  // Advance to the next unit still disputed (after this one, then from the top).
  const order = [...state.units.keys()].slice(state.index + 1).concat([...state.units.keys()].slice(0, state.index));
  const next = order.find((i) => state.units[i].status === "disputed");
  if (next === undefined) {
    say(`Decided: ${description}. The unit is adjudicated; no disputes left in the queue.`);
    renderQueue();
    await showCurrent();
  } else {
    say(`Decided: ${description}. The unit is adjudicated; next dispute.`);
    go(next);
  }
}

function accept(letter) {
  const unit = state.units[state.index];
  if (!unit || !unit.versions.some((v) => v.letter === letter)) {
    say(`There is no version ${letter} in this unit.`);
    return;
  }
  decide({ decision: "accepted", accept: letter }, `accept version ${letter}`);
}

function rejectUnit() {
  decide({ decision: "rejected" }, "reject (not a claim)");
}

// --- Edit -----------------------------------------------------------------------

function openEdit() {
  edit.open();
}

function submitEdit(event) {
  event.preventDefault();
  const body = edit.decision();
  if (!body) {
    showError("Start and End must be whole numbers.");
    return;
  }
  decide(body, "save the edited span");
}

// --- Keyboard -------------------------------------------------------------------

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "Escape") {
    if (edit.editing) {
      edit.close();
      say("Edit cancelled.");
      document.getElementById("dispute-title").focus({ preventScroll: true });
      event.preventDefault();
    }
    return;
  }
  if (typing(event.target) || edit.editing) return;
  if (event.target.closest && event.target.closest("#question-disputes")) return;
  const key = event.key.toLowerCase();
  const actions = {
    j: () => step(1),
    n: () => step(1),
    k: () => step(-1),
    p: () => step(-1),
    r: rejectUnit,
    e: openEdit,
    u: () => goldUndo.run(),
  };
  if (ACCEPT_KEYS.includes(key)) {
    event.preventDefault();
    accept(key.toUpperCase());
  } else if (actions[key]) {
    event.preventDefault();
    actions[key]();
  }
});

// --- Wiring ---------------------------------------------------------------------

editForm.addEventListener("submit", submitEdit);
document.getElementById("edit-cancel").addEventListener("click", () => {
  edit.close();
  say("Edit cancelled.");
});
for (const id of ["edit-start", "edit-end"]) {
  document.getElementById(id).addEventListener("input", () => edit.updateQuote());
}
contextEl.addEventListener("mouseup", () => edit.takeSelection());
contextEl.addEventListener("keyup", () => edit.takeSelection());
document.getElementById("fact-select").addEventListener("change", (event) => {
  document.getElementById("fact-label-field").hidden = event.target.value !== "new";
});
document.getElementById("queue-filter").addEventListener("change", () => loadQueue());
// The reason filter: its choices, and ?reason= from a link (the dashboard's counts).
const reasonFilter = document.getElementById("reason-filter");
reasonFilter.replaceChildren(...REASON_FILTERS.map(([value, text]) => el("option", { value }, text)));
const reasonParam = new URLSearchParams(location.search).get("reason") ?? "";
if (REASON_FILTERS.some(([value]) => value && value === reasonParam)) reasonFilter.value = reasonParam;
reasonFilter.addEventListener("change", () => loadQueue());

// A link names a unit as #unit-<id> or ?unit=<id> (the ClaimReview export's
// default permalink); a decided unit is not in the disputed queue, so the
// queue widens to all units when it is not found there.
const openAt = (preferId) => loadQueue(preferId, { widen: true });

const hashMatch = location.hash.match(/^#unit-(\d+)$/);
const unitParam = new URLSearchParams(location.search).get("unit");
const linkedUnit = hashMatch ? Number(hashMatch[1]) : /^\d+$/.test(unitParam ?? "") ? Number(unitParam) : undefined;
const questionDisputes = new QuestionDisputes({ sessionApi, say, showError });
Promise.all([
  loadFacts(),
  discussion.loadUnread(),
  openAt(linkedUnit),
  questionDisputes.load(),
]).finally(() => {
  document.body.dataset.ready = "1";
});
