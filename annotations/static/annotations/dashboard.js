// The review dashboard: agreement figures and source reliability drawn as inline SVG.
//
// Progress is rendered by the server; this module fetches the stored reports from the
// REST API, draws them (no chart library, works offline), runs "Recompute" (POST, then
// polls the task state every second until it is ready) and opens the evidence behind a
// reliability score. User text (names, quotes, labels) only reaches the DOM through
// textContent or attribute setters, never as HTML.

import { drawProfiles } from "./dashboard/profiles.js";
import { drawQuestions } from "./dashboard/questions.js";
import { errorText as apiErrorText, request, el } from "./http.js";
import { BAND_COLOURS, BAND_INK, band, diagnosticsList, figureText, fmt, legend, readingBadge, reasonCounts } from "./readings.js";

const root = document.getElementById("dashboard");
const sessionId = Number(root.dataset.sessionId);
const api = root.dataset.api;
const sessionApi = `${api}sessions/${sessionId}/`;
const scheme = JSON.parse(document.getElementById("scheme-data").textContent);
const messagesEl = document.getElementById("messages");

const SVG_NS = "http://www.w3.org/2000/svg";
const POLL_MS = 1000;
const POLL_LIMIT = 600; // ten minutes of polling, then give up and say so

const labelNames = {
  claim_type: new Map(scheme.claim_types.map((c) => [c.code, c.name])),
  sourcing_quality: new Map(scheme.sourcing_levels.map((l) => [l.code, l.name])),
};

const state = { agreement: null, reliability: null };

// --- HTTP -------------------------------------------------------------------

function errorText(response, action) {
  return apiErrorText(response, action, {
    statuses: { 503: `Could not ${action}: the task queue is unavailable. Try again shortly.` },
  });
}

function showError(text) {
  const box = document.createElement("p");
  box.className = "message message--error";
  box.textContent = text;
  messagesEl.replaceChildren(box);
}

// --- Small DOM and SVG helpers ------------------------------------------------

function svg(tag, attrs = {}, text) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

function svgRoot(width, height, label) {
  const node = svg("svg", {
    viewBox: `0 0 ${width} ${height}`,
    width,
    height,
    role: "img",
    "aria-label": label,
    class: "chart-svg",
  });
  node.append(svg("title", {}, label));
  return node;
}

function when(iso) {
  if (!iso) return "never";
  const date = new Date(iso);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "medium" });
}

function labelName(dimension, code) {
  return labelNames[dimension]?.get(code) || code.replaceAll("_", " ");
}

// Where the point estimate falls on Krippendorff's (2004) scale. This is not the
// reading: that also weighs the interval and the number of units (server side).
const BAND_TEXT = { reliable: "reliable", tentative: "tentative", unreliable: "not reliable", undefined: "undefined" };

// The reading scale's colour band (the same bands as the alpha scale and the legend).
function agreementColour(value) {
  return BAND_COLOURS[band(value)];
}

function inkOn(value) {
  return BAND_INK[band(value)];
}

function readingsOf(dimension) {
  return state.agreement?.readings?.labels?.[dimension] ?? {};
}

// --- Task state polling ---------------------------------------------------------

function pollTask(taskId, stateEl, onDone) {
  let polls = 0;
  const show = (text, tone) => {
    stateEl.textContent = text;
    stateEl.dataset.state = tone;
  };
  const tick = async () => {
    polls += 1;
    const response = await request("GET", `${api}tasks/${encodeURIComponent(taskId)}/`);
    if (!response.ok) {
      show("unknown", "FAILURE");
      showError(errorText(response, "read the task's state"));
      onDone(false);
      return;
    }
    const { state: taskState, ready } = response.data;
    show(taskState, taskState);
    if (ready) {
      if (taskState !== "SUCCESS") showError(`The recompute failed (${taskState}). ${response.data.result ?? ""}`);
      onDone(taskState === "SUCCESS");
      return;
    }
    if (polls >= POLL_LIMIT) {
      showError("The recompute is still running; reload the page later to see it.");
      onDone(false);
      return;
    }
    setTimeout(tick, POLL_MS);
  };
  show("PENDING", "PENDING");
  setTimeout(tick, POLL_MS);
}

function wireRecompute(buttonId, stateId, url, bodyFn, reload) {
  const button = document.getElementById(buttonId);
  const stateEl = document.getElementById(stateId);
  button.addEventListener("click", async () => {
    button.disabled = true;
    messagesEl.replaceChildren();
    const response = await request("POST", url, bodyFn());
    if (response.status !== 202 || !response.data?.task_id) {
      showError(errorText(response, "start the recompute"));
      button.disabled = false;
      return;
    }
    stateEl.dataset.taskId = response.data.task_id;
    pollTask(response.data.task_id, stateEl, async (ok) => {
      if (ok) await reload();
      button.disabled = false;
    });
  });
}

// --- Agreement ----------------------------------------------------------------

function freshness(computedId, staleId, report) {
  const computed = document.getElementById(computedId);
  const stale = document.getElementById(staleId);
  computed.textContent = report?.computed_at ? `Computed ${when(report.computed_at)}` : "Not computed yet";
  if (report?.computed_at) computed.dataset.computedAt = report.computed_at;
  stale.hidden = false;
  const isStale = !report || report.stale;
  stale.textContent = isStale ? "stale" : "up to date";
  stale.className = `status ${isStale ? "status--open" : "status--done"}`;
  stale.dataset.stale = isStale ? "1" : "0";
}

function alphaCard(dimension, title, figures) {
  const card = document.getElementById(`alpha-${dimension}`);
  const alpha = figures?.alpha ?? null;
  const ci = figures?.ci ?? null;
  const reading = readingsOf(dimension).alpha;
  const where = band(alpha);
  card.dataset.value = alpha === null ? "" : String(alpha);
  card.dataset.tone = { reliable: "good", tentative: "fair", unreliable: "poor" }[where] ?? "none";
  card.dataset.level = reading?.level ?? "";
  const value = el("p", { class: "figure-value", "data-testid": "alpha-value" }, alpha === null ? "undefined" : fmt(alpha));
  const interval = el(
    "p",
    { class: "figure-ci", "data-testid": "alpha-ci" },
    ci && ci[0] !== null ? `95% CI ${fmt(ci[0])} – ${fmt(ci[1])}` : "95% CI undefined",
  );
  const verdict = readingBadge(reading, { "data-testid": "alpha-verdict", title: "The reading weighs the interval's lower bound and the number of units" });
  const position = el("p", { class: "muted small band-line" }, "Point estimate in the ");
  position.append(el("span", { class: `band band--${where}`, "data-testid": "alpha-reading" }, BAND_TEXT[where]), document.createTextNode(where === "undefined" ? "" : " band"));
  const sentence = el("p", { class: "figure-sentence", "data-testid": "alpha-sentence" }, reading?.sentence ?? "");
  const sub = el(
    "p",
    { class: "muted small" },
    `${figures?.level ?? ""} · ${figures?.pairable_units ?? 0} units with 2+ values`,
  );
  card.replaceChildren(el("h3", {}, `α ${title}`), value, verdict, interval, alphaScale(alpha, ci), position, sentence, sub);
}

// A 0..1 scale with Krippendorff's thresholds, the estimate and its interval.
function alphaScale(alpha, ci) {
  const width = 220;
  const height = 34;
  const x = (v) => 8 + (width - 16) * Math.max(0, Math.min(1, v));
  const node = svgRoot(width, height, alpha === null ? "alpha undefined" : `alpha ${fmt(alpha)} on a 0 to 1 scale`);
  node.append(
    svg("rect", { x: x(0), y: 12, width: x(0.667) - x(0), height: 8, fill: "#f6d5d1" }),
    svg("rect", { x: x(0.667), y: 12, width: x(0.8) - x(0.667), height: 8, fill: "#fbeec2" }),
    svg("rect", { x: x(0.8), y: 12, width: x(1) - x(0.8), height: 8, fill: "#d3eedd" }),
  );
  for (const tick of [0, 0.667, 0.8, 1]) {
    node.append(svg("text", { x: x(tick), y: 32, "text-anchor": "middle", class: "tick" }, String(tick)));
  }
  if (ci && ci[0] !== null && ci[1] !== null) {
    node.append(svg("line", { x1: x(ci[0]), x2: x(ci[1]), y1: 16, y2: 16, stroke: "#1d232b", "stroke-width": 2 }));
  }
  if (alpha !== null) node.append(svg("circle", { cx: x(alpha), cy: 16, r: 5, fill: "#1f5fbf", stroke: "#fff" }));
  return node;
}

function detectionCard(detection) {
  const card = document.getElementById("detection");
  const overlap = detection?.overlap ?? {};
  const exact = detection?.exact ?? {};
  card.dataset.value = overlap.micro_f1 ?? "";
  card.replaceChildren(
    el("h3", {}, "Span detection F1"),
    el("p", { class: "figure-value", "data-testid": "f1-value" }, fmt(overlap.micro_f1)),
    el("p", { class: "muted small" }, `overlap match (micro); macro ${fmt(overlap.macro_f1)}`),
    el("p", { class: "muted small", "data-testid": "f1-exact" }, `exact offsets: ${fmt(exact.micro_f1)}`),
    el("p", { class: "figure-sentence", "data-testid": "f1-sentence" }, state.agreement?.readings?.detection?.sentence ?? ""),
  );
}

function countsCard(counts) {
  const card = document.getElementById("unit-counts");
  const status = counts?.status ?? {};
  const list = el("dl", { class: "counts" });
  for (const key of ["agreed", "disputed", "pending", "adjudicated"]) {
    list.append(el("dt", {}, key), el("dd", { "data-status": key }, String(status[key] ?? 0)));
  }
  const link = el("a", { href: `/sessions/${sessionId}/disputes/` }, "Open the disputes queue");
  const sentence = el("p", { class: "figure-sentence", "data-testid": "counts-sentence" }, state.agreement?.readings?.counts?.sentence ?? "");
  card.replaceChildren(el("h3", {}, `${counts?.units ?? 0} units`), list, sentence, el("h3", {}, "By reason"), reasonCounts(counts?.reasons, sessionId), link);
}

function drawHeatmap() {
  const target = document.getElementById("kappa-heatmap");
  const payload = state.agreement?.payload;
  const dimension = document.getElementById("kappa-dimension").value;
  const reviewers = payload?.reviewers ?? [];
  if (reviewers.length < 2) {
    target.replaceChildren(el("p", { class: "empty" }, "Needs two reviewers with spans."));
    return;
  }
  const pairs = new Map();
  const readingOfPair = new Map();
  for (const reading of readingsOf(dimension).pairs ?? []) {
    readingOfPair.set(`${reading.reviewer_a}\u0000${reading.reviewer_b}`, reading);
    readingOfPair.set(`${reading.reviewer_b}\u0000${reading.reviewer_a}`, reading);
  }
  for (const pair of payload.labels[dimension]?.pairs ?? []) {
    pairs.set(`${pair.reviewer_a}\u0000${pair.reviewer_b}`, pair);
    pairs.set(`${pair.reviewer_b}\u0000${pair.reviewer_a}`, pair);
  }
  const minUnits = state.agreement?.readings?.min_units ?? 30;
  const cell = 64;
  const left = 110;
  const top = 28;
  const node = svgRoot(left + cell * reviewers.length + 4, top + cell * reviewers.length + 4, `Cohen's kappa between reviewers, ${dimension.replaceAll("_", " ")}`);
  reviewers.forEach((name, i) => {
    node.append(svg("text", { x: left + cell * i + cell / 2, y: top - 8, "text-anchor": "middle", class: "axis" }, name));
    node.append(svg("text", { x: left - 8, y: top + cell * i + cell / 2 + 4, "text-anchor": "end", class: "axis" }, name));
  });
  reviewers.forEach((a, i) => {
    reviewers.forEach((b, j) => {
      const pair = i === j ? null : pairs.get(`${a}\u0000${b}`);
      const value = i === j ? null : pair?.cohen_kappa ?? null;
      const reading = i === j ? null : readingOfPair.get(`${a}\u0000${b}`);
      const few = i !== j && value !== null && (pair?.n ?? 0) < minUnits;
      const shown = i === j ? "—" : value === null ? "undefined" : `${fmt(value, 2)}${few ? "*" : ""}`;
      const group = svg("g", { class: "heat-cell", "data-a": a, "data-b": b, "data-value": value ?? "", "data-level": reading?.level ?? "" });
      group.append(
        svg("rect", {
          x: left + cell * j,
          y: top + cell * i,
          width: cell - 2,
          height: cell - 2,
          rx: 3,
          fill: i === j ? "#f3f5f8" : agreementColour(value),
        }),
        svg("text", { x: left + cell * j + cell / 2 - 1, y: top + cell * i + cell / 2 + 4, "text-anchor": "middle", fill: i === j ? "#8a94a3" : inkOn(value), class: "cell-label" }, shown),
        svg("title", {}, i === j ? a : `${a} × ${b}: κ = ${figureText(value, reading)} over ${pair?.n ?? 0} units; ${fmt(pair?.percent_agreement ?? null, 2)} raw agreement. ${reading?.sentence ?? ""}`),
      );
      node.append(group);
    });
  });
  target.replaceChildren(node, legend([`* fewer than ${minUnits} shared units: too few to tell`, "undefined: hover a cell for why"]));
}

function fillReviewerSelects() {
  const reviewers = state.agreement?.payload?.reviewers ?? [];
  const a = document.getElementById("confusion-a");
  const b = document.getElementById("confusion-b");
  const keep = [a.value, b.value];
  for (const select of [a, b]) {
    select.replaceChildren(...reviewers.map((name) => el("option", { value: name }, name)));
  }
  a.value = reviewers.includes(keep[0]) ? keep[0] : reviewers[0] ?? "";
  b.value = reviewers.includes(keep[1]) ? keep[1] : reviewers[1] ?? reviewers[0] ?? "";
}

function drawConfusion() {
  const target = document.getElementById("confusion");
  const payload = state.agreement?.payload;
  const dimension = document.getElementById("confusion-dimension").value;
  const a = document.getElementById("confusion-a").value;
  const b = document.getElementById("confusion-b").value;
  const figures = payload?.labels?.[dimension];
  if (!figures || !a || !b || a === b) {
    target.replaceChildren(el("p", { class: "empty" }, "Choose two different reviewers."));
    return;
  }
  let matrix = null;
  let n = 0;
  for (const pair of figures.pairs) {
    if (pair.reviewer_a === a && pair.reviewer_b === b) {
      matrix = pair.confusion;
    } else if (pair.reviewer_a === b && pair.reviewer_b === a) {
      // Stored as (b, a): transpose so that rows stay the first reviewer's labels.
      matrix = pair.confusion.map((_, i) => pair.confusion.map((row) => row[i]));
    } else {
      continue;
    }
    n = pair.n;
    break;
  }
  if (!matrix) {
    target.replaceChildren(el("p", { class: "empty" }, "No units marked by both."));
    return;
  }
  const categories = figures.categories;
  // Only categories either reviewer used, so the matrix stays readable.
  const used = categories.map((_, i) => i).filter((i) => matrix[i].some((v) => v) || matrix.some((row) => row[i]));
  const cell = 38;
  const left = 150;
  const top = 120;
  const max = Math.max(1, ...matrix.flat());
  const node = svgRoot(left + cell * used.length + 4, top + cell * used.length + 4, `Confusion matrix of ${a} (rows) and ${b} (columns), ${n} shared units`);
  node.append(svg("text", { x: 2, y: 14, class: "axis" }, `rows ${a}, columns ${b}`));
  used.forEach((c, k) => {
    const name = labelName(dimension, categories[c]);
    node.append(svg("text", { x: left - 6, y: top + cell * k + cell / 2 + 4, "text-anchor": "end", class: "axis" }, name));
    node.append(svg("text", { transform: `translate(${left + cell * k + cell / 2 + 4}, ${top - 6}) rotate(-50)`, class: "axis" }, name));
  });
  used.forEach((r, i) => {
    used.forEach((c, j) => {
      const count = matrix[r][c];
      const shade = count ? 0.15 + 0.85 * (count / max) : 0;
      const colour = r === c ? `rgba(30,122,70,${shade})` : `rgba(192,57,43,${shade})`;
      const group = svg("g", { class: "confusion-cell", "data-row": categories[r], "data-col": categories[c], "data-count": count });
      group.append(
        svg("rect", { x: left + cell * j, y: top + cell * i, width: cell - 2, height: cell - 2, rx: 2, fill: count ? colour : "#f3f5f8", stroke: r === c ? "#9fb8a8" : "none" }),
        svg("text", { x: left + cell * j + cell / 2 - 1, y: top + cell * i + cell / 2 + 4, "text-anchor": "middle", class: "cell-label", fill: shade > 0.6 ? "#fff" : "#1d232b" }, String(count)),
        svg("title", {}, `${a}: ${labelName(dimension, categories[r])}, ${b}: ${labelName(dimension, categories[c])} — ${count}`),
      );
      node.append(group);
    });
  });
  target.replaceChildren(node);
}

function drawPerLabel(dimension) {
  const target = document.getElementById(`per-label-${dimension}`);
  const perLabel = state.agreement?.payload?.labels?.[dimension]?.per_label ?? {};
  const readings = readingsOf(dimension).per_label ?? {};
  const rows = Object.entries(perLabel)
    .filter(([, item]) => item.n > 0)
    .sort(([, x], [, y]) => (x.alpha ?? Infinity) - (y.alpha ?? Infinity));
  if (!rows.length) {
    target.replaceChildren(el("p", { class: "empty" }, "No labels used yet."));
    return;
  }
  const low = Math.min(0, ...rows.map(([, item]) => item.alpha ?? 0));
  const left = 170;
  const barWidth = 260;
  const rowHeight = 24;
  const x = (v) => left + ((v - low) / (1 - low)) * barWidth;
  const node = svgRoot(left + barWidth + 80, rowHeight * rows.length + 24, `Per-label alpha, ${dimension.replaceAll("_", " ")}, lowest first`);
  for (const tick of [0.667, 0.8]) {
    node.append(svg("line", { x1: x(tick), x2: x(tick), y1: 0, y2: rowHeight * rows.length, stroke: "#aab4c2", "stroke-dasharray": "3 3" }));
    node.append(svg("text", { x: x(tick), y: rowHeight * rows.length + 16, "text-anchor": "middle", class: "tick" }, String(tick)));
  }
  rows.forEach(([code, item], i) => {
    const y = i * rowHeight;
    const reading = readings[code];
    const group = svg("g", { class: "label-bar", "data-label": code, "data-value": item.alpha ?? "", "data-level": reading?.level ?? "" });
    group.append(svg("text", { x: left - 8, y: y + 16, "text-anchor": "end", class: "axis" }, labelName(dimension, code)));
    if (item.alpha === null) {
      group.append(svg("text", { x: x(Math.max(low, 0)) + 4, y: y + 16, class: "axis muted" }, `${figureText(null, reading)} (n = ${item.n})`));
    } else {
      const from = x(Math.max(low, Math.min(0, item.alpha)));
      const to = x(Math.max(0, item.alpha));
      group.append(
        svg("rect", { x: Math.min(from, to), y: y + 4, width: Math.max(1, Math.abs(to - from)), height: rowHeight - 8, rx: 2, fill: agreementColour(item.alpha) }),
        svg("text", { x: x(Math.max(0, item.alpha)) + 6, y: y + 16, class: "axis" }, `${fmt(item.alpha)} (n = ${item.n})`),
      );
    }
    group.append(svg("title", {}, `${labelName(dimension, code)}: α ${figureText(item.alpha, reading)}, ${item.n} values. ${reading?.sentence ?? ""}`));
    node.append(group);
  });
  target.replaceChildren(node, legend());
}

// An article's alpha: the value (or "undefined"), its reading in words beside it
// and the reading's sentence (with why, for undefined) as the cell's tooltip.
function articleAlpha(value, reading) {
  const cell = el("td", { class: "num", "data-level": reading?.level ?? "", title: reading?.sentence ?? "" }, fmt(value));
  if (reading && reading.level !== "undefined") cell.append(el("span", { class: "muted small" }, ` ${reading.words}`));
  return cell;
}

function drawArticles(articles) {
  const body = document.querySelector("#article-agreement tbody");
  body.replaceChildren(
    ...articles.map((row) => {
      const tr = el("tr", { "data-article-id": String(row.article) });
      tr.append(
        el("td", {}, row.title),
        el("td", { class: "num" }, String(row.units ?? "—")),
        el("td", { class: "num" }, String(row.status?.disputed ?? "—")),
        articleAlpha(row.claim_type_alpha, row.claim_type_reading),
        articleAlpha(row.sourcing_quality_alpha, row.sourcing_quality_reading),
        el("td", { class: "num" }, fmt(row.overlap_f1)),
        el("td", {}, `${when(row.computed_at)}${row.stale ? " (stale)" : ""}`),
      );
      return tr;
    }),
  );
}

async function loadAgreement() {
  const response = await request("GET", `${sessionApi}agreement/`);
  if (!response.ok) {
    showError(errorText(response, "load the agreement report"));
    return;
  }
  const report = response.data.report;
  state.agreement = report;
  freshness("agreement-computed", "agreement-stale", report);
  const payload = report?.payload;
  document.getElementById("agreement-empty").hidden = Boolean(payload);
  document.getElementById("agreement-body").hidden = !payload;
  if (!payload) return;
  alphaCard("claim_type", "claim type", payload.labels.claim_type);
  alphaCard("sourcing_quality", "sourcing quality", payload.labels.sourcing_quality);
  detectionCard(payload.detection);
  countsCard(payload.counts);
  drawQuestions(payload.article_questions);
  fillReviewerSelects();
  drawHeatmap();
  drawConfusion();
  drawPerLabel("claim_type");
  drawPerLabel("sourcing_quality");
  drawArticles(response.data.articles);
  document.getElementById("diagnostics").replaceChildren(diagnosticsList(report.readings?.diagnostics));
  document.body.dataset.agreementLoaded = String(Date.now());
}

// --- Reliability ----------------------------------------------------------------

function intervalChart(kind, subjects, target) {
  if (!subjects.length) {
    target.replaceChildren(el("p", { class: "empty" }, "No scores yet."));
    return;
  }
  const list = el("ol", { class: "interval-list" });
  const width = 200;
  const x = (v) => 6 + (width - 12) * Math.max(0, Math.min(1, v));
  for (const subject of subjects) {
    const score = subject.sourcing ?? { value: null, ci_low: null, ci_high: null, n: 0, insufficient: true };
    const item = el("li", { class: "interval-row", "data-key": subject.key });
    const name = el("button", { type: "button", class: "link-button", "data-testid": "subject" }, subject.label);
    name.addEventListener("click", () => loadEvidence(kind, subject.key, subject.label));
    const chart = svgRoot(width, 18, `${subject.label}: sourcing ${fmt(score.value, 2)}`);
    chart.append(svg("line", { x1: x(0), x2: x(1), y1: 9, y2: 9, stroke: "#e3e6ea", "stroke-width": 6 }));
    if (score.ci_low !== null && score.ci_high !== null) {
      chart.append(svg("line", { x1: x(score.ci_low), x2: x(score.ci_high), y1: 9, y2: 9, stroke: score.insufficient ? "#aab4c2" : "#1f5fbf", "stroke-width": 4, "stroke-linecap": "round" }));
    }
    if (score.value !== null) chart.append(svg("circle", { cx: x(score.value), cy: 9, r: 5, fill: score.insufficient ? "#8a94a3" : "#174a96", stroke: "#fff" }));
    const figure = score.insufficient
      ? `insufficient evidence (n = ${score.n})`
      : `${fmt(score.value, 2)} [${fmt(score.ci_low, 2)}, ${fmt(score.ci_high, 2)}] n = ${score.n}`;
    item.append(name, chart, el("span", { class: "muted small interval-figure" }, figure));
    list.append(item);
  }
  target.replaceChildren(list);
}

async function loadEvidence(kind, key, label) {
  const section = document.getElementById("evidence");
  const list = document.getElementById("evidence-list");
  const title = document.getElementById("evidence-title");
  const response = await request("GET", `${sessionApi}reliability/${kind}/${encodeURIComponent(key)}/evidence/`);
  if (!response.ok) {
    showError(errorText(response, `load the evidence for ${label}`));
    return;
  }
  title.textContent = `Evidence: ${response.data.label} (${response.data.evidence.length} claim${response.data.evidence.length === 1 ? "" : "s"})`;
  list.replaceChildren(
    ...response.data.evidence.map((entry) => {
      const item = el("li", { class: "evidence-item" });
      item.append(el("blockquote", { class: "quote" }, entry.quote ?? ""));
      const labels = entry.labels ?? {};
      const meta = [
        entry.article_external_id ?? `article ${entry.article_id}`,
        entry.outlet,
        labels.claim_type && labelName("claim_type", labels.claim_type),
        labels.sourcing_quality && labelName("sourcing_quality", labels.sourcing_quality),
        labels.cited_source && `source: ${labels.cited_source}`,
        labels.verdict && `verdict: ${labels.verdict}`,
        entry.origin,
      ].filter(Boolean);
      item.append(el("p", { class: "muted small" }, meta.join(" · ")));
      return item;
    }),
  );
  section.hidden = false;
  title.focus();
}

function drawConflicts(conflicts) {
  const target = document.getElementById("conflicts");
  if (!conflicts.length) {
    target.replaceChildren(el("p", { class: "empty" }, "No conflicting values among linked facts."));
    return;
  }
  target.replaceChildren(
    ...conflicts.map((conflict) => {
      const box = el("div", { class: "conflict card" });
      box.append(el("h4", {}, conflict.label || `Fact ${conflict.fact_id}`));
      const values = el("ul", { class: "conflict-values" });
      for (const value of conflict.values) {
        const li = el("li");
        const head = el("strong", {}, value.value || "(no value)");
        li.append(head);
        if (value.confidence !== null && value.confidence !== undefined) li.append(el("span", { class: "muted small" }, ` confidence ${fmt(value.confidence, 2)}`));
        const who = el("ul", { class: "who-said" });
        for (const reported of value.reported_by) {
          who.append(el("li", {}, `${reported.outlet} (${reported.article_external_id})${reported.cited_source ? `, citing ${reported.cited_source}` : ""}: “${reported.quote}”`));
        }
        li.append(who);
        values.append(li);
      }
      box.append(values);
      return box;
    }),
  );
}

async function loadReliability() {
  const response = await request("GET", `${sessionApi}reliability/`);
  if (!response.ok) {
    document.getElementById("reliability-computed").textContent = "Not available";
    if (response.status !== 404) showError(errorText(response, "load the reliability report"));
    return;
  }
  state.reliability = response.data;
  freshness("reliability-computed", "reliability-stale", response.data.report?.computed_at ? response.data.report : null);
  intervalChart("outlet", response.data.outlets ?? [], document.getElementById("reliability-outlets"));
  intervalChart("cited_source", response.data.cited_sources ?? [], document.getElementById("reliability-sources"));
  drawProfiles(response.data, scheme.article_questions ?? []);
  drawConflicts(response.data.conflicts ?? []);
}

// --- Wiring ---------------------------------------------------------------------

document.getElementById("kappa-dimension").addEventListener("change", drawHeatmap);
for (const id of ["confusion-a", "confusion-b", "confusion-dimension"]) {
  document.getElementById(id).addEventListener("change", drawConfusion);
}
wireRecompute(
  "agreement-recompute",
  "agreement-task",
  `${sessionApi}agreement/recompute/`,
  () => ({ force: document.getElementById("agreement-force").checked }),
  loadAgreement,
);
wireRecompute("reliability-recompute", "reliability-task", `${sessionApi}reliability/recompute/`, () => ({}), loadReliability);

Promise.all([loadAgreement(), loadReliability()]).finally(() => {
  document.body.dataset.ready = "1";
});
