// The disputes page's discussion: the unit's comment thread (read markers and
// unread counts) and the adjudicators' note on the article.
//
// Comments and notes are plain text: they reach the DOM through textContent
// (via `el`) or a textarea's value, never as HTML.

import { errorText, request, el } from "../http.js";

const LABELS = { text: "Text", up_to: "Comment", version: "Version" };

function when(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? "" : date.toLocaleString();
}

export class Discussion {
  constructor({ sessionApi, say, showError, onUnreadChange }) {
    this.sessionApi = sessionApi;
    this.say = say;
    this.showError = showError;
    this.onUnreadChange = onUnreadChange;
    this.unread = new Map(); // unit id -> unread comments
    this.unitId = null; // the thread on screen
    this.articleId = null; // the note on screen
    this.noteVersion = 0;
    this.listEl = document.getElementById("comments");
    this.countEl = document.getElementById("comment-count");
    this.textEl = document.getElementById("comment-text");
    this.noteEl = document.getElementById("article-note");
    this.noteMetaEl = document.getElementById("note-meta");
    document.getElementById("comment-form").addEventListener("submit", (event) => {
      event.preventDefault();
      this.post();
    });
    this.textEl.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        this.post();
      }
    });
    document.getElementById("note-save").addEventListener("click", () => this.saveNote());
  }

  async loadUnread() {
    const response = await request("GET", `${this.sessionApi}comments/unread/`);
    if (!response.ok) return;
    this.unread = new Map(response.data.units.map((row) => [row.unit, row.unread]));
    this.onUnreadChange();
  }

  // The "N new" badge of a queue item, or null.
  badge(unitId) {
    const count = this.unread.get(unitId) || 0;
    if (!count) return null;
    return el("span", { class: "unread-badge", "data-testid": "unread-badge", title: `${count} unread comment${count === 1 ? "" : "s"}` }, `${count} new`);
  }

  async show(unit) {
    this.unitId = unit.id;
    this.listEl.replaceChildren();
    this.countEl.textContent = "";
    const url = `${this.sessionApi}units/${unit.id}/comments/`;
    const response = await request("GET", url);
    if (this.unitId !== unit.id) return; // moved on while loading
    if (!response.ok) {
      this.showError(errorText(response, "load the discussion", { labels: LABELS }));
      return;
    }
    this.render(response.data);
    if (response.data.unread) {
      const read = await request("POST", `${url}read/`, {});
      if (read.ok && this.unitId === unit.id) {
        this.unread.set(unit.id, read.data.unread);
        this.onUnreadChange();
      }
    }
    await this.showNote(unit.article);
  }

  render(thread) {
    this.countEl.textContent = thread.count ? `${thread.count} comment${thread.count === 1 ? "" : "s"}` : "no comments yet";
    this.listEl.replaceChildren(
      ...thread.results.map((comment) => {
        const item = el("li", { class: comment.unread ? "comment comment--unread" : "comment", "data-comment-id": String(comment.id) });
        const meta = el("p", { class: "comment-meta muted small" });
        meta.append(el("strong", {}, comment.author), document.createTextNode(` · ${when(comment.created_at)}`));
        if (comment.unread) meta.append(document.createTextNode(" · "), el("span", { class: "unread-badge" }, "new"));
        item.append(meta, el("p", { class: "comment-text", "data-testid": "comment-text" }, comment.text));
        return item;
      }),
    );
  }

  async post() {
    const text = this.textEl.value.trim();
    if (!text) {
      this.say("Write a comment first.");
      return;
    }
    const unitId = this.unitId;
    const url = `${this.sessionApi}units/${unitId}/comments/`;
    const response = await request("POST", url, { text });
    if (!response.ok) {
      this.showError(errorText(response, "post the comment", { labels: LABELS }));
      return;
    }
    this.textEl.value = "";
    this.say("Comment posted.");
    const thread = await request("GET", url);
    if (thread.ok && this.unitId === unitId) this.render(thread.data);
  }

  async showNote(articleId) {
    this.articleId = articleId;
    const response = await request("GET", `${this.sessionApi}articles/${articleId}/note/`);
    if (this.articleId !== articleId || !response.ok) return;
    this.fillNote(response.data);
  }

  fillNote(note) {
    this.noteVersion = note.version;
    this.noteEl.value = note.text;
    this.noteMetaEl.textContent = note.updated_by ? `Last saved by ${note.updated_by}, ${when(note.updated_at)}` : "";
  }

  async saveNote() {
    const articleId = this.articleId;
    const response = await request("PUT", `${this.sessionApi}articles/${articleId}/note/`, {
      text: this.noteEl.value,
      version: this.noteVersion,
    });
    if (response.status === 409) {
      const mine = this.noteEl.value;
      this.fillNote(response.data.current);
      this.noteEl.value = mine;
      this.showError("Someone else saved the note since you opened it; their version is saved. Save again to replace it with yours.");
      return;
    }
    if (!response.ok) {
      this.showError(errorText(response, "save the note", { labels: LABELS }));
      return;
    }
    this.fillNote(response.data);
    this.say("Note saved.");
  }
}
