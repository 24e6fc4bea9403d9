// Shared by the workbench pages: same-origin JSON calls to the REST API, DRF
// pagination, API errors in plain words (one set of field labels), and a safe
// element builder.
//
// Nothing here turns user text into HTML: `el` sets text through textContent and
// attributes through setAttribute.

export function csrfToken() {
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

// Resolves to {status, ok, data}; status 0 means the server could not be reached.
export async function request(method, url, body) {
  const options = {
    method,
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  };
  if (method !== "GET") options.headers["X-CSRFToken"] = csrfToken();
  if (body !== undefined) {
    options.headers["Content-Type"] = "application/json";
    options.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, options);
  } catch (error) {
    return { status: 0, ok: false, data: null };
  }
  let data = null;
  if (response.status !== 204) {
    try {
      data = await response.json();
    } catch (error) {
      data = null;
    }
  }
  return { status: response.status, ok: response.ok, data };
}

// Follows DRF pagination ({count, next, results}) or accepts a plain list.
export async function getAll(url) {
  const items = [];
  let next = url;
  while (next) {
    const response = await request("GET", next);
    if (!response.ok) return { ...response, items };
    const data = response.data;
    if (Array.isArray(data)) return { ...response, items: data };
    items.push(...(data.results || []));
    next = data.next;
  }
  return { ok: true, status: 200, items };
}

// How API error bodies name the fields of spans, decisions and review states.
export const FIELD_LABELS = {
  start: "Start",
  end: "End",
  quote: "Quote",
  claim_type: "Claim type",
  sourcing_quality: "Sourcing quality",
  cited_source: "Cited source",
  note: "Note",
  version: "Version",
  article: "Article",
  reviewer: "Reviewer",
  done: "Done",
  decision: "Decision",
  accept: "Accepted version",
  verdict: "Verdict",
  facts: "Fact",
  detail: "",
  non_field_errors: "",
};

function flatten(value) {
  if (Array.isArray(value)) return value.map(flatten).join(" ");
  if (value && typeof value === "object") return Object.values(value).map(flatten).join(" ");
  return String(value);
}

// "Could not <action>. <Field>: <message> …" from a DRF error body.
// labels: field -> label shown ("" shows the message alone; detail and
//   non_field_errors always do); statuses: status -> sentence replacing the rest;
// skip: fields of the body that are not messages.
export function errorText(response, action, { labels = {}, statuses = {}, skip = [] } = {}) {
  if (response.status === 0) {
    return `Could not reach the server to ${action}. Check your connection and try again.`;
  }
  if (response.status in statuses) return statuses[response.status];
  if (response.status === 403) return `You are not allowed to ${action}.`;
  const data = response.data;
  if (data && typeof data === "object") {
    const parts = [];
    for (const [field, value] of Object.entries(data)) {
      if (skip.includes(field)) continue;
      const plain = field === "detail" || field === "non_field_errors";
      const label = plain ? "" : (labels[field] ?? field.replaceAll("_", " "));
      parts.push(label ? `${label}: ${flatten(value)}` : flatten(value));
    }
    if (parts.length) return `Could not ${action}. ${parts.join(" ")}`;
  }
  return `Could not ${action} (the server answered ${response.status}).`;
}

export function el(tag, attrs = {}, text) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "class") node.className = value;
    else node.setAttribute(key, value);
  }
  if (text !== undefined) node.textContent = text;
  return node;
}
