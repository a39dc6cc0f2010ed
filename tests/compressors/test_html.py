from __future__ import annotations

import pytest

from headroom.ccr import MemoryStore, parse_markers, to_text
from headroom.compressors._base import CompressContext, Compressed, Compressor
from headroom.compressors._html import HtmlCompressor, visible_lines
from headroom.policy import Policy
from headroom.testing import CompressorContract
from tests._timing import fastest

# --- fixtures written for these tests -------------------------------------------------------

_PARAGRAPHS = [
    "The harbour authority approved a plan on Monday to rebuild the northern breakwater, which "
    "storms damaged twice in the past three winters.",
    "Engineers expect the work to take eighteen months. Fishing boats will use the southern quay "
    "while cranes place the new concrete blocks along the outer wall.",
    "Residents asked for the footpath on top of the wall to stay open at weekends, and the council "
    "agreed to review the schedule each quarter with the contractor.",
    "The project is funded by a regional grant together with harbour fees, and the final cost is "
    "estimated at forty-two million euros, slightly above the first budget.",
    "A public meeting about noise limits and working hours is planned for next month in the town hall, "
    "where the engineers will present the construction timetable.",
]

_CHROME_HEAD = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Harbour wall to be rebuilt | Coastal Gazette</title>
  <link rel="stylesheet" href="/assets/site.css">
  <style>
    body { font-family: Georgia, serif; margin: 0; }
    .nav a { color: #035; padding: 4px 8px; }
    .promo { display: none; }
  </style>
  <script>
    window.dataLayer = window.dataLayer || [];
    function track(evt) { window.dataLayer.push({event: evt, ts: Date.now()}); }
  </script>
</head>
<body>
  <header class="site-header">
    <nav class="nav">
      <a href="/">Home</a>
      <a href="/news">News</a>
      <a href="/sport">Sport</a>
      <a href="/weather">Weather</a>
    </nav>
  </header>
"""

_CHROME_FOOT = """  <aside class="promo">
    <p>Subscribe to our newsletter for weekly updates.</p>
  </aside>
  <footer>
    <ul>
      <li><a href="/about">About us</a></li>
      <li><a href="/privacy">Privacy policy</a></li>
      <li><a href="/contact">Contact</a></li>
    </ul>
  </footer>
  <script src="/assets/analytics.js"></script>
  <script>track("pageview");</script>
</body>
</html>
"""

ARTICLE_PAGE = (
    _CHROME_HEAD
    + "  <main>\n    <article>\n      <h1>Harbour wall to be rebuilt</h1>\n"
    + "".join(f"      <p>{p}</p>\n" for p in _PARAGRAPHS)
    + "    </article>\n  </main>\n"
    + _CHROME_FOOT
)

ERROR_OUTSIDE_MAIN = ARTICLE_PAGE.replace(
    '<aside class="promo">',
    '<aside class="promo">\n    <div class="alert">Comment service unavailable: connection refused by upstream</div>',
)

FRAGMENT = "\n".join(
    ["<div class='report'>", "<h2>Nightly build report</h2>"]
    + [f"<p>Job <b>job-{i}</b> finished in <i>{i * 3} s</i> on runner-{i % 4}.</p>" for i in range(12)]
    + ["<p>Job <b>job-12</b> failed: permission denied while uploading artifacts.</p>", "</div>"]
)

SPA_SHELL = """<!DOCTYPE html>
<html>
<head>
<title>Admin Console</title>
<script src="/static/vendor.js"></script>
<script>window.__CONFIG__ = {"api": "/v1", "retries": 3, "region": "eu-west-1", "features": ["a", "b"]};</script>
<style>#root { min-height: 100vh; } .spinner { animation: spin 1s linear infinite; }</style>
</head>
<body>
<div id="root"></div>
<script src="/static/main.3f9a1c.js"></script>
</body>
</html>
"""

TSX_CODE = """import React from "react";

export function Card({ title }: { title: string }) {
  return (
    <div className="card">
      <h2>{title}</h2>
      <p>Body</p>
    </div>
  );
}
"""

MARKDOWN_WITH_HTML = "# Notes\n\nSome text with <b>bold</b> and a <br> break.\n\n- item one\n- item two\n"
XML_DOC = '<?xml version="1.0"?>\n<feed><entry><title>a</title></entry><entry><title>b</title></entry></feed>'


def _run(text: str, query: str | None = None) -> tuple[Compressed, CompressContext]:
    ctx = CompressContext(store=MemoryStore(), query=query)
    return HtmlCompressor().compress(text, Policy(), ctx), ctx


class TestHtmlContract(CompressorContract):
    own_families = ("html",)

    def make_compressor(self) -> Compressor:
        return HtmlCompressor()

    def own_samples(self) -> list[str]:
        return [ARTICLE_PAGE, ERROR_OUTSIDE_MAIN, FRAGMENT, SPA_SHELL]


# --- behaviour --------------------------------------------------------------------------------


def test_article_text_and_title_are_kept() -> None:
    out, _ = _run(ARTICLE_PAGE)
    for paragraph in _PARAGRAPHS:
        assert paragraph in out.text
    assert "Harbour wall to be rebuilt" in out.text.split("\n")[0]


def test_scripts_styles_and_navigation_are_dropped() -> None:
    out, _ = _run(ARTICLE_PAGE)
    for chrome in ("dataLayer", "font-family", "Weather", "Privacy policy", "analytics.js"):
        assert chrome not in out.text


def test_one_marker_counts_the_removed_markup_lines_exactly() -> None:
    out, ctx = _run(ARTICLE_PAGE)
    (marker,) = parse_markers(out.text)
    assert marker.kind == "markup lines"
    assert out.text.rstrip().endswith("]")
    body = out.text[: out.text.rindex("\n\n[")]
    output_lines = {line.strip() for line in body.split("\n")}
    expected = sum(
        1 for line in ARTICLE_PAGE.split("\n") if line.strip() and line.strip() not in output_lines
    )
    assert marker.count == expected
    assert to_text(ctx.store.get(marker.key)) == ARTICLE_PAGE


def test_error_text_outside_the_main_content_is_kept() -> None:
    out, _ = _run(ERROR_OUTSIDE_MAIN)
    assert "Comment service unavailable: connection refused by upstream" in out.text
    assert _PARAGRAPHS[0] in out.text


def test_error_text_outside_main_is_kept_though_its_words_are_scattered_over_the_article() -> None:
    # Every word but "failed" occurs somewhere in the article: only one line holding them says it.
    caption = "Storms damaged the southern quay where cranes place concrete blocks, and the work failed"
    chatter = " ".join(f"Reader {i} liked the harbour photos and the clear maps." for i in range(12))
    comment = f"{chatter} Sadly the old crane failed again on the quay last week. {chatter}"
    page = ARTICLE_PAGE.replace(
        '<aside class="promo">',
        f'<aside class="promo">\n    <figure><figcaption>{caption}</figcaption></figure>'
        f'\n    <div class="comment">{comment}</div>',
    )
    out, _ = _run(page)
    assert caption in out.text.splitlines()
    # A long comment is cut to the words around its error, not appended whole.
    assert "maps. Sadly the old crane failed again on the quay last week" in out.text
    assert comment not in out.text


def test_fragment_keeps_its_failure_line() -> None:
    out, _ = _run(FRAGMENT)
    assert "failed: permission denied while uploading artifacts" in out.text
    assert "<p>" not in out.text


def test_page_without_content_keeps_its_title_and_drops_scripts() -> None:
    out, _ = _run(SPA_SHELL)
    assert "Admin Console" in out.text
    assert "__CONFIG__" not in out.text and "spinner" not in out.text


def test_visible_lines_skip_scripts_styles_and_head() -> None:
    lines = visible_lines(ARTICLE_PAGE)
    assert "Home" in lines and _PARAGRAPHS[1] in lines
    assert not any("dataLayer" in line or "font-family" in line for line in lines)
    assert not any("Coastal Gazette" in line for line in lines)


@pytest.mark.parametrize("text", [TSX_CODE, MARKDOWN_WITH_HTML, XML_DOC])
def test_detect_leaves_code_markdown_and_xml_alone(text: str) -> None:
    assert HtmlCompressor().detect(text) < 0.5


def test_detect_claims_fragments() -> None:
    assert HtmlCompressor().detect(FRAGMENT) >= 0.5


def test_text_without_markup_passes_through() -> None:
    out, _ = _run("plain words only, no tags at all " * 20)
    assert out.reason == "no html markup found"


def test_large_page_is_fast() -> None:
    filler = "".join(
        f'<div class="related"><a href="/story/{i}">Related story number {i}</a><span>{i} min read</span></div>\n'
        for i in range(1200)
    )
    page = ARTICLE_PAGE.replace("  <footer>", filler + "  <footer>")
    assert len(page) > 110_000
    compressor, ctx = HtmlCompressor(), CompressContext(store=MemoryStore())
    compressor.compress(ARTICLE_PAGE, Policy(), ctx)  # warm the extractor and tokenizer
    seconds, out = fastest(lambda: compressor.compress(page, Policy(), ctx))
    assert seconds < 0.6
    assert _PARAGRAPHS[2] in out.text


def test_extractor_set_up_loads_the_justext_stoplists_once() -> None:
    """trafilatura builds them on the first page it gives up on: a second of one block's budget."""
    from trafilatura import external

    from headroom.compressors import _html

    external.JT_STOPLIST = None  # as a fresh process has it
    _html._warmed = False
    _html._warm_extractor()
    assert external.JT_STOPLIST  # built here, not inside some later block's timed extraction
    loaded = external.JT_STOPLIST
    _html._warm_extractor()
    assert external.JT_STOPLIST is loaded
