"""The browser's word rule (words.js) on the case table the server test reads too."""

import pytest

from annotations.text import OffsetMap
from tests import snap_cases

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs words.js on [text, start16, end16] triples; returns UTF-16 {start, end}|null.
SNAP_JS = """
async ([mode, cases]) => {
  const words = await import("/static/annotations/words.js");
  const offsets = await import("/static/annotations/offsets.js");
  return cases.map(([text, start, end]) => {
    const segments = new words.TextSegments(text);
    if (mode === "word") return segments.snap(start, end);
    const whole = segments.wholeGraphemes(start, end);
    return offsets.trimWhitespace(text, whole.start, whole.end);
  });
}
"""


def _utf16(case):
    offsets = OffsetMap(case.text)
    # Past the end, UTF-16 runs on as far as the code points do.
    end = offsets.to_utf16(min(case.end, len(case.text))) + max(
        case.end - len(case.text), 0
    )
    return [case.text, offsets.to_utf16(case.start), end]


def _as_codepoints(case, result):
    if result is None:
        return None
    offsets = OffsetMap(case.text)
    return (
        offsets.to_codepoint(result["start"]),
        offsets.to_codepoint(result["end"]),
    )


@pytest.mark.parametrize("mode", ["word", "character"])
def test_browser_snaps_the_shared_cases(page, live_server, mode):
    page.goto(f"{live_server.url}/accounts/login/")
    cases = snap_cases.cases(mode)
    results = page.evaluate(SNAP_JS, [mode, [_utf16(case) for case in cases]])
    got = {
        case.name: _as_codepoints(case, r)
        for case, r in zip(cases, results, strict=True)
    }
    assert got == {case.name: case.expect for case in cases}


def test_browser_never_splits_a_cluster_the_server_refuses(page, live_server):
    page.goto(f"{live_server.url}/accounts/login/")
    raws = snap_cases.load()["graphemes"]
    triples = []
    for raw in raws:
        offsets = OffsetMap(raw["text"])
        for split in raw["splits"]:
            # A one-code-point selection that starts, then one that ends, inside.
            triples.append(
                [raw["text"], offsets.to_utf16(split), offsets.to_utf16(split) + 1]
            )
            triples.append(
                [raw["text"], offsets.to_utf16(split - 1), offsets.to_utf16(split)]
            )
    widened = page.evaluate(
        """async (triples) => {
          const words = await import("/static/annotations/words.js");
          return triples.map(
            ([t, s, e]) => new words.TextSegments(t).wholeGraphemes(s, e),
          );
        }""",
        triples,
    )
    for (text, _, _), span in zip(triples, widened, strict=True):
        offsets = OffsetMap(text)
        start, end = (
            offsets.to_codepoint(span["start"]),
            offsets.to_codepoint(span["end"]),
        )
        raw = next(r for r in raws if r["text"] == text)
        assert start not in raw["splits"] and end not in raw["splits"], (text, span)
    assert page.js_errors == []
