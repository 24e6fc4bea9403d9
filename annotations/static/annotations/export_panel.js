// The Export panel: a form over POST /api/sessions/{sid}/exports/, a progress bar
// fed by polling the job, its download link, and the session's past exports.

import { el, errorText, request } from "./http.js";

const POLL_MS = 400;
const LABELS = {
  format: "Format",
  layer: "Layer",
  gold: "Gold",
  articles: "Articles",
  reviewers: "Reviewers",
  statuses: "Agreement status",
  since: "Changed since",
  until: "Until",
};
const STATE_TEXT = { queued: "Queued…", running: "Running…", done: "Done", failed: "Failed" };

function byId(id) {
  return document.getElementById(id);
}

function showMessage(text) {
  byId("export-messages").textContent = text || "";
}

// The JSON body: the form's values, leaving out what is empty (= no filter).
function requestBody(form) {
  const data = new FormData(form);
  const body = { format: data.get("format") };
  for (const name of ["layer", "gold", "articles", "since", "until"]) {
    const value = String(data.get(name) || "").trim();
    if (value) body[name] = value;
  }
  for (const name of ["reviewers", "statuses"]) {
    const values = data.getAll(name).map(String);
    if (values.length) body[name] = values.join(",");
  }
  // A gold-only format (ClaimReview) reads the gold layer whatever is chosen.
  const option = form.elements.format.selectedOptions[0];
  if (option && option.dataset.goldOnly) body.layer = "gold";
  return body;
}

function filtersText(filters) {
  const parts = [];
  for (const [name, value] of Object.entries(filters || {})) {
    const shown = Array.isArray(value) ? value.join(", ") : String(value);
    parts.push(`${name}=${shown}`);
  }
  return parts.join(" · ") || "—";
}

function when(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function historyRow(job) {
  const row = el("tr", { "data-job-id": String(job.id) });
  const time = el("td");
  time.append(el("time", { datetime: job.created_at }, when(job.created_at)));
  row.append(time, el("td", {}, job.created_by), el("td", {}, job.format));
  row.append(el("td", { class: "filters" }, filtersText(job.filters)));
  const status = el("td");
  status.append(el("span", { class: "export-status", "data-status": job.status }, job.status));
  row.append(status);
  const file = el("td");
  if (job.download_url) {
    file.append(el("a", { href: job.download_url, "data-testid": "export-history-download" }, "Download"));
  } else if (job.status === "failed") {
    file.textContent = job.error || "—";
  } else {
    file.textContent = "—";
  }
  row.append(file);
  return row;
}

async function loadHistory(api, sessionId) {
  const response = await request("GET", `${api}sessions/${sessionId}/exports/?limit=20`);
  const body = byId("export-history").tBodies[0];
  if (!response.ok) {
    showMessage(errorText(response, "list the past exports"));
    return;
  }
  const jobs = response.data.results || [];
  body.replaceChildren(...jobs.map(historyRow));
  byId("export-history-empty").hidden = jobs.length > 0;
  byId("export-history").hidden = jobs.length === 0;
}

function showProgress(job) {
  const percent = Math.round(100 * (job.status === "done" ? 1 : job.progress || 0));
  const bar = byId("export-bar");
  bar.value = percent;
  bar.dataset.status = job.status;
  bar.textContent = `${percent}%`;
  const state = byId("export-state");
  state.dataset.status = job.status;
  state.textContent =
    job.status === "failed"
      ? `Failed: ${job.error || "the export stopped."}`
      : `${STATE_TEXT[job.status] || job.status} ${percent}%`;
  const link = byId("export-download");
  link.hidden = job.status !== "done" || !job.download_url;
  if (!link.hidden) link.href = job.download_url;
}

function wait(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// Polls the job until it is done or failed; resolves to its last state.
async function follow(api, job) {
  let current = job;
  while (current.status === "queued" || current.status === "running") {
    await wait(POLL_MS);
    const response = await request("GET", `${api}exports/${job.id}/`);
    if (!response.ok) {
      showMessage(errorText(response, "follow the export"));
      return current;
    }
    current = response.data;
    showProgress(current);
  }
  return current;
}

async function start(panel, form) {
  const api = panel.dataset.api;
  const sessionId = panel.dataset.sessionId;
  const button = byId("export-start");
  showMessage("");
  button.disabled = true;
  try {
    const response = await request("POST", `${api}sessions/${sessionId}/exports/`, requestBody(form));
    if (!response.ok) {
      showMessage(
        errorText(response, "start the export", {
          labels: LABELS,
          statuses: { 503: "The export queue is not available right now; try again shortly." },
        }),
      );
      return;
    }
    byId("export-run").hidden = false;
    showProgress(response.data);
    await loadHistory(api, sessionId);
    await follow(api, response.data);
    await loadHistory(api, sessionId);
  } finally {
    button.disabled = false;
  }
}

function syncLayer(form) {
  const option = form.elements.format.selectedOptions[0];
  const goldOnly = Boolean(option && option.dataset.goldOnly);
  form.elements.layer.disabled = goldOnly;
  if (goldOnly) form.elements.layer.value = "gold";
}

function init() {
  const panel = byId("export-panel");
  if (!panel) return;
  const form = byId("export-form");
  const open = byId("export-open");
  open.addEventListener("click", () => {
    form.hidden = !form.hidden;
    open.setAttribute("aria-expanded", String(!form.hidden));
    if (!form.hidden) form.elements.format.focus();
  });
  form.elements.format.addEventListener("change", () => syncLayer(form));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    start(panel, form);
  });
  syncLayer(form);
  loadHistory(panel.dataset.api, panel.dataset.sessionId);
}

init();
