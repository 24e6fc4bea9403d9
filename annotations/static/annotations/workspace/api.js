// The workspace's REST calls: loading the article with its spans, span writes in
// UTF-16 offsets (`offset_unit: "utf16"`; the server stores code points), the done
// state and cited-source suggestions.

import { FIELD_LABELS, errorText, getAll, request } from "../http.js";

export class WorkspaceApi {
  constructor(apiBase, articleId) {
    this.apiBase = apiBase;
    this.articleId = articleId;
  }

  errorText(response, action) {
    return errorText(response, action, { labels: FIELD_LABELS, skip: ["current", "field"] });
  }

  // {scheme, article, spans} or {failed: response, action}. The article arrives with
  // its spans in one read; a very busy article says where the list continues.
  async load() {
    const [session, article] = await Promise.all([
      request("GET", this.apiBase),
      request("GET", `${this.apiBase}articles/${this.articleId}/?include=spans`),
    ]);
    let rest = { ok: true, items: [] };
    if (article.ok && article.data.spans_next) rest = await getAll(article.data.spans_next);
    for (const [response, action] of [
      [session, "load the session"],
      [article, "load the article"],
      [rest, "load the spans"],
    ]) {
      if (!response.ok) return { failed: response, action };
    }
    // The spans live in the document only; the article keeps its own fields.
    const { spans, spans_next: _next, ...fields } = article.data;
    const granularity = session.data.granularity || "character";
    return { scheme: session.data.scheme, granularity, article: fields, spans: [...spans, ...rest.items] };
  }

  createSpan(fields) {
    const body = { article: this.articleId, offset_unit: "utf16", ...fields };
    return request("POST", `${this.apiBase}spans/`, body);
  }

  updateSpan(spanId, version, changes) {
    const body = { version, offset_unit: "utf16", ...changes };
    return request("PATCH", `${this.apiBase}spans/${spanId}/`, body);
  }

  // Undo of a deletion: the span comes back under its id at version + 1.
  restoreSpan(spanId, version) {
    return request("POST", `${this.apiBase}spans/${spanId}/restore/`, { version });
  }

  deleteSpan(spanId, version) {
    const query = `?version=${encodeURIComponent(version)}`;
    return request("DELETE", `${this.apiBase}spans/${spanId}/${query}`);
  }

  setDone(done) {
    return request("PUT", `${this.apiBase}articles/${this.articleId}/review-state/`, { done });
  }

  citedSources(query) {
    return request("GET", `${this.apiBase}cited-sources/?q=${encodeURIComponent(query)}`);
  }
}
