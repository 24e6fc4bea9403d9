// The dashboard's outlet indicator profiles: for each outlet with resolved article
// answers, its sourcing score (from the same reliability report) beside one row per
// article question. A row shows the question's key share with its Wilson 95% interval
// and n (the share of "yes" for a yes/no question, of any answer but "No" for a
// nominal question offering "No", e.g. clickbait headlines; otherwise the most common
// option), and every option's count and share under "all options". Text only.

import { el } from "../http.js";

const SVG_NS = "http://www.w3.org/2000/svg";

function pct(value) {
  return value === null || value === undefined ? "n/a" : `${(Number(value) * 100).toFixed(0)}%`;
}

function interval(low, high) {
  return low === null || low === undefined ? "" : ` [${pct(low)}–${pct(high)}]`;
}

function svg(tag, attrs = {}) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, String(value));
  return node;
}

// A 0..1 scale with the interval as a bar and the share as a dot.
function shareBar(figure, label) {
  const width = 160;
  const x = (v) => 5 + (width - 10) * Math.max(0, Math.min(1, v));
  const root = svg("svg", { viewBox: `0 0 ${width} 14`, width, height: 14, role: "img", "aria-label": label, class: "chart-svg profile-bar" });
  root.append(svg("line", { x1: x(0), x2: x(1), y1: 7, y2: 7, stroke: "#e3e6ea", "stroke-width": 5 }));
  if (figure.ci_low !== null && figure.ci_low !== undefined) {
    root.append(svg("line", { x1: x(figure.ci_low), x2: x(figure.ci_high), y1: 7, y2: 7, stroke: "#1f5fbf", "stroke-width": 3, "stroke-linecap": "round" }));
  }
  if (figure.share !== null && figure.share !== undefined) root.append(svg("circle", { cx: x(figure.share), cy: 7, r: 4, fill: "#174a96", stroke: "#fff" }));
  return root;
}

// The figure a row leads with: {label, share, ci_low, ci_high, count, option}.
// The complement of a Wilson interval is the Wilson interval of the complement.
export function keyFigure(question, profile) {
  const options = profile.options ?? {};
  const labelOf = (code) => question.options.find((o) => o.code === code)?.label ?? code;
  if (question.type === "boolean" && options.yes) return { label: "Yes", option: "yes", ...options.yes };
  if (question.type === "nominal" && options.no && profile.n > 0) {
    const no = options.no;
    return {
      label: "Any answer but “No”",
      option: "!no",
      count: profile.n - no.count,
      share: no.share === null ? null : 1 - no.share,
      ci_low: no.ci_high === null ? null : 1 - no.ci_high,
      ci_high: no.ci_low === null ? null : 1 - no.ci_low,
    };
  }
  let best = null;
  for (const option of question.options) {
    const entry = options[option.code];
    if (entry && (best === null || entry.count > best.count)) best = { label: labelOf(option.code), option: option.code, ...entry };
  }
  return best && best.count > 0 ? { ...best, label: `Most common: ${best.label}` } : null;
}

function questionRow(question, profile) {
  const row = el("li", { class: "profile-q", "data-code": question.code, "data-n": String(profile.n) });
  row.append(el("p", { class: "profile-prompt" }, question.prompt));
  const figure = keyFigure(question, profile);
  const line = el("p", { class: "profile-key", "data-testid": "profile-key" });
  if (figure === null) {
    line.textContent = `No resolved answers (n = ${profile.n})`;
  } else {
    line.dataset.option = figure.option;
    line.append(shareBar(figure, `${figure.label}: ${pct(figure.share)}`));
    line.append(el("span", { class: "profile-figure" }, `${figure.label}: ${pct(figure.share)}${interval(figure.ci_low, figure.ci_high)} · ${figure.count} of n = ${profile.n}`));
  }
  row.append(line);
  if (profile.n > 0) {
    const details = el("details", { class: "profile-options" });
    details.append(el("summary", {}, "all options"));
    const list = el("ul");
    for (const option of question.options) {
      const entry = profile.options?.[option.code];
      if (!entry) continue;
      list.append(el("li", { "data-option": option.code }, `${option.label}: ${pct(entry.share)}${interval(entry.ci_low, entry.ci_high)} (${entry.count})`));
    }
    details.append(list);
    row.append(details);
  }
  return row;
}

function sourcingText(outlet) {
  const score = outlet?.sourcing;
  if (!score) return "Sourcing: no scored claims";
  if (score.insufficient) return `Sourcing: insufficient evidence (n = ${score.n})`;
  return `Sourcing ${Number(score.value).toFixed(2)} [${Number(score.ci_low).toFixed(2)}, ${Number(score.ci_high).toFixed(2)}] n = ${score.n}`;
}

export function drawProfiles(report, questions) {
  const target = document.getElementById("outlet-profiles");
  if (!target) return;
  const profiles = report.outlet_indicators ?? [];
  if (!profiles.length || !questions.length) {
    target.replaceChildren(el("p", { class: "empty" }, "No resolved article answers yet."));
    return;
  }
  const outlets = new Map((report.outlets ?? []).map((o) => [o.label, o]));
  target.replaceChildren(
    ...profiles.map((entry) => {
      const card = el("article", { class: "card profile", "data-outlet": entry.label, "data-testid": "outlet-profile" });
      card.append(el("h4", {}, entry.label));
      card.append(el("p", { class: "muted small profile-sourcing", "data-testid": "profile-sourcing" }, sourcingText(outlets.get(entry.label))));
      const list = el("ul", { class: "profile-list" });
      for (const question of questions) {
        const profile = entry.indicators?.[question.code];
        if (profile) list.append(questionRow(question, profile));
      }
      card.append(list);
      return card;
    }),
  );
}
