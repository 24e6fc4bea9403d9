// The disputes queue: competing reviewer versions side by side and the gold decision.
//
// Keyboard first: j/n next, k/p previous, a/b/c accept a version, r reject, e edit,
// Esc cancel. Offsets shown and sent are Unicode code points (end exclusive); the
// article text is sliced in UTF-16 with the `*_utf16` offsets the API also returns.
// User text only reaches the DOM through textContent, attributes or form values.

import { errorText as apiErrorText, request, getAll, el } from "./http.js";

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

const CONTEXT_CHARS = 240;
const CARD_CONTEXT_CHARS = 70;
const ACCEPT_KEYS = ["a", "b", "c"];
const FIELD_LABELS = {
  decision: "Decision",
  accept: "Accepted version",
  start: "Start",
  end: "End",
  quote: "Quote",
  claim_type: "Claim type",
  sourcing_quality: "Sourcing quality",
  cited_source: "Cited source",
  note: "Note",
  verdict: "Verdict",
  facts: "Fact",
  detail: "",
  non_field_errors: "",
};

const claimTypes = new Map(scheme.claim_types.map((c) => [c.code, c]));
const levels = new Map(scheme.sourcing_levels.map((l) => [l.code, l]));

const state = {
  units: [],
  index: -1,
  articles: new Map(), // id -> {title, text}
  facts: [],
  busy: false,
  editing: false,
};

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

// --- Offsets ----------------------------------------------------------------

function utf16ToCodePoint(text, offset) {
  let count = 0;
  for (let i = 0; i < offset; i += 1) {
    const code = text.charCodeAt(i);
    if (!(code >= 0xdc00 && code <= 0xdfff && i > 0)) count += 1;
  }
  return count;
}

function codePointToUtf16(text, offset) {
  let units = 0;
  let points = 0;
  for (const char of text) {
    if (points === offset) return units;
    units += char.length;
    points += 1;
  }
  return units;
}

// --- Loading --------------------------------------------------------------------

async function articleOf(articleId) {
  if (!state.articles.has(articleId)) {
    const response = await request("GET", `${sessionApi}articles/${articleId}/`);
    if (!response.ok) throw new Error(errorText(response, "load the article text"));
    state.articles.set(articleId, { title: response.data.display_title, text: response.data.text, outlet: response.data.outlet });
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

async function loadQueue(preferId) {
  const filter = document.getElementById("queue-filter").value;
  const response = await getAll(`${sessionApi}disputes/?status=${filter}&limit=200`);
  if (!response.ok) {
    queueEl.replaceChildren(el("p", { class: "empty" }, "The queue could not be loaded."));
    showError(errorText(response, "load the disputes"));
    return;
  }
  state.units = response.items;
  const wanted = state.units.findIndex((unit) => unit.id === preferId);
  state.index = wanted >= 0 ? wanted : state.units.length ? 0 : -1;
  renderQueue();
  await showCurrent();
}

// --- Rendering ------------------------------------------------------------------

function statusBadge(status, attrs = {}) {
  return el("span", { class: `unit-status unit-status--${status}`, ...attrs }, status);
}

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
    button.append(el("span", { class: "queue-quote" }, unit.quote), statusBadge(unit.status));
    button.addEventListener("click", () => go(index));
    const item = el("li");
    item.append(button);
    list.append(item);
  });
  queueEl.replaceChildren(...parts);
}

function snippet(text, start16, end16, markStart, markEnd, markClass, around = CONTEXT_CHARS) {
  // Text around [start16, end16) with [markStart, markEnd) highlighted; cut at spaces.
  let from = Math.max(0, start16 - around);
  let to = Math.min(text.length, end16 + around);
  if (from > 0) from = text.indexOf(" ", from) + 1 || from;
  if (to < text.length) to = text.lastIndexOf(" ", to) > end16 ? text.lastIndexOf(" ", to) : to;
  const nodes = [];
  if (from > 0) nodes.push(document.createTextNode("… "));
  const lead = document.createTextNode(text.slice(from, markStart));
  const mark = el("mark", markClass ? { class: markClass } : {}, text.slice(markStart, markEnd));
  const tail = document.createTextNode(text.slice(markEnd, to));
  nodes.push(lead, mark, tail);
  if (to < text.length) nodes.push(document.createTextNode(" …"));
  return { nodes, from, lead, mark, tail };
}

function labelLine(dl, term, value, colour) {
  const dd = el("dd");
  if (colour) {
    const swatch = el("span", { class: "swatch", "aria-hidden": "true" });
    swatch.style.background = colour;
    dd.append(swatch);
  }
  dd.append(document.createTextNode(value || "—"));
  dl.append(el("dt", {}, term), dd);
}

function versionCard(version, unit, text) {
  const card = el("article", { class: "version", "data-letter": version.letter, "data-span-id": String(version.id) });
  const gold = unit.gold;
  if (gold?.decision === "accepted") {
    // Decisions recorded before accepted_span existed may lack it: match offsets.
    const chosen = gold.accepted_span != null
      ? gold.accepted_span === version.id
      : gold.start === version.start && gold.end === version.end;
    if (chosen) card.dataset.chosen = "1";
  }
  const head = el("h3");
  head.append(el("span", { class: "letter" }, version.letter), document.createTextNode(version.reviewer));
  card.append(head);
  const ctx = el("div", { class: "context" });
  const low = Math.min(unit.start_utf16, version.start_utf16);
  const high = Math.max(unit.end_utf16, version.end_utf16);
  ctx.append(...snippet(text, low, high, version.start_utf16, version.end_utf16, "", CARD_CONTEXT_CHARS).nodes);
  card.append(ctx);
  const dl = el("dl");
  labelLine(dl, "Offsets", `${version.start}–${version.end} (${version.end - version.start} chars)`);
  const claim = claimTypes.get(version.claim_type);
  labelLine(dl, "Claim type", claim ? claim.name : version.claim_type, claim?.color);
  const level = levels.get(version.sourcing_quality);
  labelLine(dl, "Sourcing", level ? `${level.rank}. ${level.name}` : version.sourcing_quality);
  labelLine(dl, "Cited source", version.cited_source);
  labelLine(dl, "Note", version.note);
  card.append(dl);
  return card;
}

function goldText(gold) {
  if (!gold) return "";
  const who = `${gold.decided_by}, revision ${gold.revision}`;
  if (gold.decision === "rejected") return `Gold: rejected (not a claim) by ${who}.`;
  const claim = claimTypes.get(gold.claim_type)?.name ?? gold.claim_type;
  const level = levels.get(gold.sourcing_quality)?.name ?? gold.sourcing_quality;
  const accepted = gold.source_spans.find((s) => s.id === gold.accepted_span);
  let origin;
  if (gold.decision === "accepted" && gold.accepted_reviewer) {
    const letter = accepted?.letter ? `version ${accepted.letter}, ` : "";
    origin = `accepted ${letter}by ${gold.accepted_reviewer}`;
  } else {
    const from = gold.source_spans.map((s) => s.letter).filter(Boolean).join(", ");
    origin = `${gold.decision}${from ? ` from ${from}` : ""}`;
  }
  const verdict = gold.verdict ? `, verdict ${gold.verdict}` : "";
  const facts = gold.facts.length ? `; facts: ${gold.facts.map((f) => `${f.label} = ${f.value}`).join("; ")}` : "";
  return `Gold (${origin}): ${gold.start}–${gold.end} “${gold.quote}”, ${claim}, ${level}${gold.cited_source ? `, ${gold.cited_source}` : ""}${verdict}${facts} — ${who}.`;
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
  const edit = el("button", { type: "button", class: "button", id: "edit-button" });
  edit.append(document.createTextNode("Edit "), el("kbd", {}, "e"));
  edit.addEventListener("click", openEdit);
  const reject = el("button", { type: "button", class: "button button--danger", id: "reject-button" });
  reject.append(document.createTextNode("Reject: not a claim "), el("kbd", {}, "r"));
  reject.addEventListener("click", rejectUnit);
  actions.replaceChildren(...buttons, edit, reject);
}

async function showCurrent() {
  closeEdit();
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
  const context = snippet(article.text, unit.start_utf16, unit.end_utf16, unit.start_utf16, unit.end_utf16, "unit-extent");
  contextEl.replaceChildren(...context.nodes);
  contextEl.dataset.from = String(context.from);
  const versions = document.getElementById("versions");
  versions.replaceChildren(...unit.versions.map((version) => versionCard(version, unit, article.text)));
  const gold = document.getElementById("gold-line");
  gold.hidden = !unit.gold;
  gold.textContent = goldText(unit.gold);
  document.getElementById("verdict").value = unit.gold?.verdict ?? "";
  renderActions(unit);
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

function fillSelect(select, items, current) {
  select.replaceChildren(...items.map((item) => el("option", { value: item.code }, item.rank ? `${item.rank}. ${item.name}` : item.name)));
  select.value = current;
}

function updateEditQuote() {
  const unit = state.units[state.index];
  const article = unit && state.articles.get(unit.article);
  const quote = document.getElementById("edit-quote");
  const start = Number(document.getElementById("edit-start").value);
  const end = Number(document.getElementById("edit-end").value);
  if (!article || !Number.isInteger(start) || !Number.isInteger(end) || start < 0 || end <= start) {
    quote.textContent = "";
    return;
  }
  quote.textContent = article.text.slice(codePointToUtf16(article.text, start), codePointToUtf16(article.text, end));
}

function openEdit() {
  const unit = state.units[state.index];
  if (!unit) return;
  const base = unit.gold?.decision && unit.gold.decision !== "rejected" ? unit.gold : unit.versions[0];
  document.getElementById("edit-start").value = String(base.start);
  document.getElementById("edit-end").value = String(base.end);
  fillSelect(document.getElementById("edit-claim-type"), scheme.claim_types, base.claim_type);
  fillSelect(document.getElementById("edit-sourcing"), scheme.sourcing_levels, base.sourcing_quality);
  document.getElementById("edit-cited-source").value = base.cited_source ?? "";
  editForm.hidden = false;
  state.editing = true;
  updateEditQuote();
  document.getElementById("edit-start").focus();
  say("Editing: select words in the text above, or type offsets. Enter saves, Esc cancels.");
}

function closeEdit() {
  editForm.hidden = true;
  state.editing = false;
}

function selectionToOffsets() {
  // A selection inside the context box sets the edit offsets (code points).
  if (!state.editing) return;
  const selection = window.getSelection();
  if (!selection || selection.isCollapsed || !selection.rangeCount) return;
  const range = selection.getRangeAt(0);
  if (!contextEl.contains(range.startContainer) || !contextEl.contains(range.endContainer)) return;
  const unit = state.units[state.index];
  const article = state.articles.get(unit.article);
  const from = Number(contextEl.dataset.from);
  const offsetOf = (container, offset) => {
    // Sum the text before the boundary, skipping the "… " ellipsis node.
    let total = 0;
    const walker = document.createTreeWalker(contextEl, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const isEllipsis = node.parentNode === contextEl && (node.data === "… " || node.data === " …");
      if (node === container) return isEllipsis ? total : total + offset;
      if (!isEllipsis) total += node.data.length;
    }
    return total;
  };
  let start = from + offsetOf(range.startContainer, range.startOffset);
  let end = from + offsetOf(range.endContainer, range.endOffset);
  const text = article.text;
  while (start < end && /\s/.test(text[start])) start += 1;
  while (end > start && /\s/.test(text[end - 1])) end -= 1;
  if (end <= start) return;
  document.getElementById("edit-start").value = String(utf16ToCodePoint(text, start));
  document.getElementById("edit-end").value = String(utf16ToCodePoint(text, end));
  updateEditQuote();
}

function submitEdit(event) {
  event.preventDefault();
  const start = Number(document.getElementById("edit-start").value);
  const end = Number(document.getElementById("edit-end").value);
  if (!Number.isInteger(start) || !Number.isInteger(end)) {
    showError("Start and End must be whole numbers.");
    return;
  }
  decide(
    {
      decision: "edited",
      start,
      end,
      offset_unit: "codepoint",
      claim_type: document.getElementById("edit-claim-type").value,
      sourcing_quality: document.getElementById("edit-sourcing").value,
      cited_source: document.getElementById("edit-cited-source").value,
    },
    "save the edited span",
  );
}

// --- Keyboard -------------------------------------------------------------------

function typing(target) {
  return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName));
}

document.addEventListener("keydown", (event) => {
  if (event.ctrlKey || event.metaKey || event.altKey) return;
  if (event.key === "Escape") {
    if (state.editing) {
      closeEdit();
      say("Edit cancelled.");
      document.getElementById("dispute-title").focus({ preventScroll: true });
      event.preventDefault();
    }
    return;
  }
  if (typing(event.target) || state.editing) return;
  const key = event.key.toLowerCase();
  const actions = {
    j: () => step(1),
    n: () => step(1),
    k: () => step(-1),
    p: () => step(-1),
    r: rejectUnit,
    e: openEdit,
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
  closeEdit();
  say("Edit cancelled.");
});
for (const id of ["edit-start", "edit-end"]) document.getElementById(id).addEventListener("input", updateEditQuote);
contextEl.addEventListener("mouseup", selectionToOffsets);
contextEl.addEventListener("keyup", selectionToOffsets);
document.getElementById("fact-select").addEventListener("change", (event) => {
  document.getElementById("fact-label-field").hidden = event.target.value !== "new";
});
document.getElementById("queue-filter").addEventListener("change", () => loadQueue());

const hashMatch = location.hash.match(/^#unit-(\d+)$/);
Promise.all([loadFacts(), loadQueue(hashMatch ? Number(hashMatch[1]) : undefined)]).finally(() => {
  document.body.dataset.ready = "1";
});
