// Reviewer feedback: once the lead turns it on and the article has gold, the
// reviewer's figures against gold and peers in a side panel, and in place in the
// text the gold spans that differ from theirs (dashed outline, numbered) and the
// gold spans they missed (dotted outline). The outlines are boxes over the text's
// line rectangles in a layer beside it, redrawn when the text re-renders or the
// window resizes; the number's tooltip and the panel's list say what differs.

import { request } from "../http.js";

const FIELD_NAMES = { claim_type: "claim type", sourcing_quality: "sourcing", cited_source: "cited source" };
const percent = (value) => (value === null || value === undefined ? "–" : `${Math.round(value * 100)}%`);

function labelOf(doc, field, code) {
  if (field === "claim_type") return doc.claimTypes.get(code)?.name || code || "none";
  if (field === "sourcing_quality") return doc.levels.get(code)?.name || code || "none";
  return code || "none";
}

// "gold says Quantity, you said Event; gold's words differ" for one matched span.
export function differenceText(doc, row) {
  const parts = row.differs
    .filter((field) => field !== "offsets")
    .map((field) => `${FIELD_NAMES[field]}: gold says ${labelOf(doc, field, row.gold[field])}, you said ${labelOf(doc, field, row[field])}`);
  if (row.differs.includes("offsets")) parts.push("gold marks other words");
  return parts.join("; ");
}

export class FeedbackView {
  constructor({ data, doc, view, textEl, panelEl }) {
    Object.assign(this, { data, doc, view, textEl, panelEl });
    this.marks = [
      ...data.spans
        .filter((row) => row.gold && row.differs.length)
        .map((row) => ({ kind: "differs", gold: row.gold, text: differenceText(doc, row) })),
      ...data.missed.map((gold) => ({
        kind: "missed",
        gold,
        text: `missed: gold marks ${labelOf(doc, "claim_type", gold.claim_type)} here`,
      })),
    ].sort((a, b) => a.gold.start - b.gold.start);
    this.layer = document.createElement("div");
    this.layer.className = "fb-layer";
    this.layer.setAttribute("aria-hidden", "true");
    textEl.parentElement.classList.add("fb-host");
    textEl.parentElement.append(this.layer);
  }

  start() {
    this.renderPanel();
    this.draw();
    new MutationObserver(() => this.draw()).observe(this.textEl, { childList: true });
    window.addEventListener("resize", () => this.draw());
  }

  renderPanel() {
    const { summary } = this.data;
    const figures = [
      ["Span F1 (exact offsets)", percent(summary.exact.f1)],
      ["Span F1 (overlap)", percent(summary.overlap.f1)],
      ["Labels as gold", percent(summary.label_agreement)],
      ["Your units agreed with peers", percent(summary.peers.agreed_share)],
    ];
    const claim = summary.peer_pairs?.claim_type;
    if (claim && claim.percent_agreement !== null) figures.push(["Claim type agreement with peers", percent(claim.percent_agreement)]);
    const list = this.panelEl.querySelector("#feedback-figures");
    list.replaceChildren(
      ...figures.flatMap(([name, value]) => {
        const dt = document.createElement("dt");
        dt.textContent = name;
        const dd = document.createElement("dd");
        dd.textContent = value;
        return [dt, dd];
      }),
    );
    const counts = this.panelEl.querySelector("#feedback-counts");
    counts.textContent = `${summary.matched} of your ${summary.spans} spans meet gold's ${summary.gold}; ${this.data.missed.length} missed.`;
    const items = this.panelEl.querySelector("#feedback-list");
    items.replaceChildren(
      ...this.marks.map((mark, index) => {
        const li = document.createElement("li");
        li.className = `fb-item fb-item--${mark.kind}`;
        li.dataset.testid = "feedback-item";
        li.textContent = `${index + 1}. “${mark.gold.quote || ""}”: ${mark.text}`;
        return li;
      }),
    );
    this.panelEl.hidden = false;
  }

  draw() {
    const host = this.layer.parentElement.getBoundingClientRect();
    const boxes = [];
    this.marks.forEach((mark, index) => {
      const range = this.view.rangeFor(mark.gold.start, mark.gold.end);
      if (!range) return;
      const rects = [...range.getClientRects()].filter((r) => r.width > 0);
      rects.forEach((rect, part) => {
        const box = document.createElement("div");
        box.className = `fb-gold fb-gold--${mark.kind}`;
        box.dataset.testid = `feedback-gold-${mark.kind}`;
        box.style.left = `${rect.left - host.left - 1}px`;
        box.style.top = `${rect.top - host.top - 1}px`;
        box.style.width = `${rect.width + 2}px`;
        box.style.height = `${rect.height + 2}px`;
        if (part === 0) {
          const tag = document.createElement("span");
          tag.className = "fb-tag";
          tag.textContent = String(index + 1);
          tag.title = mark.text;
          box.append(tag);
        }
        boxes.push(box);
      });
    });
    this.layer.replaceChildren(...boxes);
  }
}

// The panel when the API gives feedback (offsets in UTF-16); null otherwise (not
// enabled, no gold yet, not a reviewer): the page then shows nothing of it.
export async function startFeedback({ apiBase, articleId, doc, view, textEl }) {
  const panelEl = document.getElementById("feedback");
  if (!panelEl) return null;
  const response = await request("GET", `${apiBase}articles/${articleId}/feedback/?offset_unit=utf16`);
  if (!response.ok) return null;
  const feedback = new FeedbackView({ data: response.data, doc, view, textEl, panelEl });
  feedback.start();
  document.body.dataset.feedback = "1";
  return feedback;
}
