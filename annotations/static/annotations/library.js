// The library's intake: choose or drop files, preview the import (a dry run),
// correct the extracted metadata, then import; a large import is a job whose
// progress bar is polled. Text reaches the DOM through textContent only.

import { csrfToken, el } from "./http.js";

const section = document.querySelector(".intake");
const input = document.getElementById("intake-files");
const zone = section.querySelector(".dropzone");
const chosen = section.querySelector(".intake-chosen");
const previewButton = document.getElementById("intake-preview");
const confirmButton = document.getElementById("intake-confirm");
const statusLine = document.getElementById("intake-status");
const progressLine = document.getElementById("intake-progress-line");
const progressBar = document.getElementById("intake-progress");
const progressText = document.getElementById("intake-progress-text");
const table = document.getElementById("intake-preview-table");

const EDITABLE = ["title", "byline", "outlet", "published", "url"];
const PREVIEW_ROWS = 500;
const STATUS_KEY = "library-import-status";
let files = [];

function say(text, isError = false) {
  statusLine.hidden = !text;
  statusLine.textContent = text;
  statusLine.classList.toggle("message--error", isError);
}

function addFiles(list) {
  for (const file of list) {
    if (!files.some((known) => known.name === file.name && known.size === file.size)) {
      files.push(file);
    }
  }
  chosen.replaceChildren(
    ...files.map((file) => el("li", {}, `${file.name} (${file.size.toLocaleString()} bytes)`)),
  );
  previewButton.disabled = files.length === 0;
  confirmButton.disabled = true;
  table.hidden = true;
  say("");
}

function importUrl(dryRun) {
  const params = new URLSearchParams();
  if (dryRun) params.set("dry_run", "true");
  if (document.getElementById("intake-partial").checked) params.set("partial", "true");
  if (document.getElementById("intake-nfc").checked) params.set("normalize", "nfc");
  return `${section.dataset.importUrl}?${params}`;
}

function formFor(corrections) {
  const form = new FormData();
  for (const file of files) form.append("files", file, file.name);
  for (const field of section.querySelectorAll("[data-meta]")) {
    if (field.value.trim()) form.append(field.name, field.value.trim());
  }
  if (corrections.length) form.append("corrections", JSON.stringify(corrections));
  return form;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function showProgress(done, total) {
  progressLine.hidden = false;
  progressBar.max = Math.max(total, 1);
  progressBar.value = done;
  progressText.textContent = `${done.toLocaleString()} of ${total.toLocaleString()} read`;
}

// A 202 answer is a job: poll it until it is done, then answer like the import.
async function followJob(job) {
  for (;;) {
    showProgress(job.done, job.total);
    if (job.status === "done") return { status: job.http_status, data: { results: job.results } };
    if (job.status === "failed") return { status: 500, data: { detail: job.error } };
    await sleep(500);
    const response = await fetch(`${section.dataset.jobUrl}${job.id}/`, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) return { status: response.status, data: null };
    job = await response.json();
  }
}

async function send(dryRun, corrections = []) {
  let response;
  try {
    response = await fetch(importUrl(dryRun), {
      method: "POST",
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrfToken() },
      body: formFor(corrections),
    });
  } catch (error) {
    return { status: 0, data: null };
  }
  let data = null;
  try {
    data = await response.json();
  } catch (error) {
    data = null;
  }
  if (response.status === 202 && data && data.job) return followJob(data.job);
  return { status: response.status, data };
}

function cell(text, attrs = {}) {
  return el("td", attrs, text === null || text === undefined || text === "" ? "—" : String(text));
}

function extracted(article, field) {
  if (field === "outlet") return article.outlet ? article.outlet.name : "";
  if (field === "published") return article.published_text || article.published_date || "";
  return article[field] || "";
}

function previewRow(result) {
  const row = el("tr", { "data-status": result.status });
  row.append(cell(result.file), cell(result.row, { class: "num" }));
  const status = el("td");
  status.append(el("span", { class: `status status--${result.status}` }, result.status));
  if (result.message) status.append(el("span", { class: "preview-message" }, result.message));
  row.append(status);
  const article = result.article;
  for (const field of EDITABLE) {
    if (!article) {
      row.append(cell(""));
    } else if (result.status !== "created") {
      row.append(cell(extracted(article, field)));
    } else {
      const value = extracted(article, field);
      const box = el("input", {
        "aria-label": `${field} of ${result.file}${result.row ? ` row ${result.row}` : ""}`,
        "data-field": field,
        "data-original": value,
        "data-testid": `preview-${field}`,
      });
      box.value = value;
      box.dataset.file = result.file;
      box.dataset.row = result.row === null ? "" : String(result.row);
      const td = el("td");
      td.append(box);
      row.append(td);
    }
  }
  row.append(cell(article ? article.length : "", { class: "num" }));
  return row;
}

function renderResults(results) {
  const rows = results.slice(0, PREVIEW_ROWS).map(previewRow);
  table.tBodies[0].replaceChildren(...rows);
  table.hidden = false;
}

function counts(results) {
  const tally = { created: 0, duplicate: 0, error: 0 };
  for (const result of results) tally[result.status] += 1;
  return tally;
}

function corrections() {
  const byRecord = new Map();
  for (const box of table.querySelectorAll("input[data-field]")) {
    if (box.value === box.dataset.original) continue;
    const key = `${box.dataset.file}\u0000${box.dataset.row}`;
    if (!byRecord.has(key)) {
      const row = box.dataset.row === "" ? null : Number(box.dataset.row);
      byRecord.set(key, { file: box.dataset.file, row });
    }
    byRecord.get(key)[box.dataset.field] = box.value;
  }
  return [...byRecord.values()];
}

function errorSentence(response, action) {
  if (response.status === 0) return `Could not reach the server to ${action}.`;
  if (response.status === 403) return `You are not allowed to ${action}.`;
  const data = response.data || {};
  const parts = Object.entries(data)
    .filter(([key]) => key !== "results")
    .map(([key, value]) => `${key === "detail" ? "" : `${key}: `}${JSON.stringify(value)}`);
  return `Could not ${action} (${response.status}). ${parts.join(" ")}`;
}

async function preview() {
  previewButton.disabled = true;
  confirmButton.disabled = true;
  say("Reading the files…");
  const response = await send(true);
  previewButton.disabled = false;
  progressLine.hidden = true;
  if (!response.data || !Array.isArray(response.data.results)) {
    say(errorSentence(response, "preview the import"), true);
    return;
  }
  const results = response.data.results;
  renderResults(results);
  const tally = counts(results);
  const partial = document.getElementById("intake-partial").checked;
  let text = `Preview: ${tally.created} new, ${tally.duplicate} duplicate, ${tally.error} with errors.`;
  if (tally.error && !partial) text += " Nothing will be imported until the errors are fixed, unless you choose to import the good ones.";
  text += " Check the extracted details and correct them before importing.";
  say(text, tally.error > 0 && !partial);
  confirmButton.disabled = tally.created === 0;
}

async function confirmImport() {
  confirmButton.disabled = true;
  previewButton.disabled = true;
  say("Importing…");
  const response = await send(false, corrections());
  previewButton.disabled = false;
  if (!response.data || !Array.isArray(response.data.results)) {
    say(errorSentence(response, "import the articles"), true);
    return;
  }
  const tally = counts(response.data.results);
  if (response.status === 201) {
    sessionStorage.setItem(
      STATUS_KEY,
      `Imported ${tally.created} article${tally.created === 1 ? "" : "s"}` +
        ` (${tally.duplicate} duplicate, ${tally.error} with errors skipped).`,
    );
    window.location.assign(window.location.pathname);
    return;
  }
  renderResults(response.data.results);
  say(`Nothing was imported: ${tally.error} with errors, ${tally.duplicate} duplicate.`, tally.error > 0);
}

input.addEventListener("change", () => addFiles(input.files));
zone.addEventListener("dragover", (event) => {
  event.preventDefault();
  zone.classList.add("dropzone--over");
});
zone.addEventListener("dragleave", () => zone.classList.remove("dropzone--over"));
zone.addEventListener("drop", (event) => {
  event.preventDefault();
  zone.classList.remove("dropzone--over");
  addFiles(event.dataTransfer.files);
});
previewButton.addEventListener("click", preview);
confirmButton.addEventListener("click", confirmImport);

const remembered = sessionStorage.getItem(STATUS_KEY);
if (remembered) {
  sessionStorage.removeItem(STATUS_KEY);
  say(remembered);
}
