"""Browser fixtures: one headless Chromium per module, a fresh context per test."""

import os
import re
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in this thread; the ORM calls that the
# tests make for setup would otherwise be refused as "async unsafe".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from playwright.sync_api import sync_playwright  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Finds `phrase` in the rendered article (paragraphs joined by "\n") and returns the
# client rectangles of its first and last characters, for a real mouse drag.
PHRASE_BOXES_JS = """
([phrase, occurrence, toPhrase]) => {
  const root = document.getElementById("article-text");
  const pieces = [];
  let joined = "";
  for (const paragraph of root.querySelectorAll("p")) {
    if (joined) joined += "\\n";
    const walker = document.createTreeWalker(paragraph, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      pieces.push({ node, start: joined.length });
      joined += node.data;
    }
  }
  let index = -1;
  for (let i = 0; i <= occurrence; i += 1) {
    index = joined.indexOf(phrase, index + 1);
    if (index === -1) return null;
  }
  let endPhrase = phrase;
  let endIndex = index;
  if (toPhrase) {
    endPhrase = toPhrase;
    endIndex = joined.indexOf(toPhrase, index);
    if (endIndex === -1) return null;
  }
  const locate = (offset) => {
    const piece = pieces.find(
      (p) => p.start <= offset && offset < p.start + p.node.data.length,
    );
    return [piece.node, offset - piece.start];
  };
  const rect = (offset, width) => {
    const [node, local] = locate(offset);
    const range = document.createRange();
    range.setStart(node, local);
    range.setEnd(node, local + width);
    const r = range.getClientRects()[0];
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom };
  };
  locate(index)[0].parentElement.scrollIntoView({ block: "center" });
  const firstWidth = phrase.codePointAt(0) > 0xffff ? 2 : 1;
  const last = endPhrase.length - 1;
  const code = endPhrase.charCodeAt(last);
  const lastWidth = last > 0 && code >= 0xdc00 && code <= 0xdfff ? 2 : 1;
  return {
    first: rect(index, firstWidth),
    last: rect(endIndex + endPhrase.length - lastWidth, lastWidth),
  };
}
"""


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: run scripts/install_chromium.sh"
        )
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS
        )
        yield instance
        instance.close()


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1400, "height": 950})
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.js_errors = errors
    # Chromium reports every Content-Security-Policy refusal on the console: no
    # browser test may cause one (a test expecting one clears the list).
    refused: list[str] = []
    page.on(
        "console",
        lambda message: refused.append(message.text)
        if "Content Security Policy" in message.text
        else None,
    )
    page.csp_violations = refused
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
    try:
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    except Exception:  # noqa: BLE001 - a failed screenshot must not hide the result
        pass
    context.close()
    assert refused == [], "the page was refused by its Content-Security-Policy"


def login(page, live_server, username: str, password: str) -> None:
    """Sign in through the login form, as a person would."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def open_article(page, live_server, session_id: int, article_id: int) -> None:
    page.goto(f"{live_server.url}/sessions/{session_id}/articles/{article_id}/")
    page.wait_for_function("() => document.body.dataset.ready === '1'")


def drag_select(page, phrase: str, occurrence: int = 0, to_phrase: str | None = None):
    """Select `phrase` (or from `phrase` to the end of `to_phrase`) with the mouse."""
    boxes = page.evaluate(PHRASE_BOXES_JS, [phrase, occurrence, to_phrase])
    assert boxes, f"{phrase!r} (to {to_phrase!r}) is not in the rendered text"
    last = boxes["last"]
    first = boxes["first"]
    page.mouse.move(first["left"] + 1, (first["top"] + first["bottom"]) / 2)
    page.mouse.down()
    page.mouse.move(
        (first["left"] + last["right"]) / 2, (last["top"] + last["bottom"]) / 2, steps=4
    )
    page.mouse.move(last["right"] - 1, (last["top"] + last["bottom"]) / 2, steps=4)
    page.mouse.up()
    page.wait_for_selector("#editor:not([hidden])")


def api_get(page, live_server, path: str):
    """GET an API path with the page's session cookie; returns the parsed JSON."""
    response = page.request.get(f"{live_server.url}{path}")
    assert response.ok, f"GET {path} answered {response.status}"
    return response.json()


def span_results(page, live_server, session_id: int, article_id: int) -> list[dict]:
    data = api_get(
        page,
        live_server,
        f"/api/sessions/{session_id}/spans/?article={article_id}&limit=1000",
    )
    return data["results"] if isinstance(data, dict) else data


def character_granularity(session):
    """Tests of the character-granularity workspace (selections kept as made) run
    their session in it; a new session selects whole words (tests/browser/
    test_words.py)."""
    session.granularity = "character"
    session.save(update_fields=["granularity"])
    return session
