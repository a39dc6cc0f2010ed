"""HTML pages: main-content extraction to markdown (trafilatura), with a plain-text fallback.

Extraction rewrites the page, so removed content cannot be mapped to runs; one marker at the
end counts the markup lines removed: non-blank input lines that appear nowhere in the output.
Error-bearing page text that the extractor left out (outside the main content) is appended.
"""

from __future__ import annotations

import html
import logging
import re
from html.parser import HTMLParser
from typing import TYPE_CHECKING

from pydantic import Field

from headroom.compressors._base import CompressContext, Compressed, passthrough, result
from headroom.compressors._registry import register
from headroom.compressors._section import Tuning
from headroom.critical import CRITICAL, KeptLines, critical_units, line_words
from headroom.policy import Section, tunable


class HtmlPolicy(Section):
    """HTML pages: main-content extraction to markdown."""

    enabled: bool = Field(True, description="Compress HTML at all.")
    include_links: bool = tunable(False, "Keep hyperlink targets in the markdown.", choices=[False, True])
    include_tables: bool = tunable(True, "Keep tables from the main content.", choices=[False, True])
    favor_recall: bool = tunable(
        True, "Ask the extractor to keep more borderline text rather than less.", choices=[True, False]
    )


if TYPE_CHECKING:
    from headroom.policy import Policy

# The opening tag only: a lazy ``(.*?)</title>`` ran to the end of the text for every unclosed one.
_TITLE_OPEN = re.compile(r"<title\b[^<>]{0,500}>", re.IGNORECASE)
_TITLE_CLOSE = re.compile(r"</title\s*>", re.IGNORECASE)
_TITLE_CHARS = 2000
_TAG = re.compile(
    r"</?(?:html|head|body|div|p|span|a|li|ul|ol|table|tr|td|th|h[1-6]|br|img|section|article|header"
    r"|footer|nav|main|script|style|meta|link|form|input|button)\b[^<>]*>",
    re.IGNORECASE,
)
_DOCUMENT = re.compile(r"<(?:html|body)\b", re.IGNORECASE)
_CODE_SIGNAL = re.compile(
    r"^\s*(?:import |export |const |let |function |return \(|class \w+)|className=|=>", re.M
)
_TITLE_SPLIT = re.compile(r"\s+[-|–—:·]+\s+")
_SKIPPED = frozenset({"script", "style", "noscript", "template", "svg", "head", "iframe", "object"})
_BLOCKS = frozenset(
    "address article aside blockquote br dd div dl dt fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 "
    "header hr li main nav ol p pre section table td th tr ul title".split()
)
_MARKER_KIND = "markup lines"
_MARKER_DETAIL = "(html page reduced to main content)"


class _TextParser(HTMLParser):
    """Visible text, one block element per line; scripts, styles and the head are skipped."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if "head" in self.skipping and (tag == "body" or (tag in _BLOCKS and tag != "title")):
            # Body content closes an unclosed head (and title), as browsers do: not all invisible.
            del self.skipping[self.skipping.index("head") :]
        if tag in _SKIPPED:
            self.skipping.append(tag)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self.skipping and tag == self.skipping[-1]:
            self.skipping.pop()
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)

    def lines(self) -> list[str]:
        text = "".join(self.parts)
        return [" ".join(line.split()) for line in text.split("\n") if line.strip()]


def visible_lines(markup: str) -> list[str]:
    """The page's visible text lines, without scripts, styles or the head."""
    parser = _TextParser()
    try:
        parser.feed(markup)
        parser.close()
    except (AssertionError, ValueError):
        pass  # html.parser can give up on pathological markup; what it read so far is kept
    return parser.lines()


_warmed = False


def _warm_extractor() -> None:
    """Load trafilatura and its justext stoplists (every language's, about a second) once.

    trafilatura builds the stoplists lazily, on the first page its main extractor gives up on;
    done here, inside the caller's untimed set-up, that one-time cost is never billed to a block.
    """
    global _warmed
    if _warmed:
        return
    _warmed = True
    from trafilatura import external

    if getattr(external, "JT_STOPLIST", ()) is None and callable(getattr(external, "jt_stoplist_init", None)):
        external.jt_stoplist_init()


def _extract(markup: str, rules: HtmlPolicy) -> str:
    """trafilatura's markdown of the main content; empty when it finds none or fails."""
    import trafilatura

    logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
    try:
        out = trafilatura.extract(
            markup,
            output_format="markdown",
            include_links=rules.include_links,
            include_tables=rules.include_tables,
            include_comments=False,
            include_images=False,
            favor_recall=rules.favor_recall,
            deduplicate=False,
            with_metadata=False,
        )
    except Exception:  # third-party parser on arbitrary input: fall back instead of failing
        return ""
    return (out or "").strip()


def _title(markup: str) -> str:
    """The first ``<title>``'s text; none when it does not close within a title's length."""
    opening = _TITLE_OPEN.search(markup, 0, 200_000)
    if opening is None:
        return ""
    closing = _TITLE_CLOSE.search(markup, opening.end(), opening.end() + _TITLE_CHARS)
    if closing is None:
        return ""
    return " ".join(html.unescape(markup[opening.end() : closing.start()]).split())


def _with_title(body: str, title: str) -> str:
    """Prefix the page title unless the body already opens with it (or its main part)."""
    if not title:
        return body
    opening = body[:500].lower()
    parts = [title, *_TITLE_SPLIT.split(title)]
    if any(len(part) > 8 and part.lower() in opening for part in parts):
        return body
    return f"# {title}\n\n{body}"


def _missing_critical(markup: str, body: str) -> list[str]:
    """Visible error-bearing text the extraction dropped: each unit no body line holds.

    Held means on one line (the shared rule): words scattered over the article do not say it.
    """
    if not CRITICAL.search(markup):
        return []
    kept = KeptLines(body.splitlines())
    missing = []
    for line in visible_lines(markup):
        for unit in critical_units(line):
            words = line_words(unit)
            if not kept.holds(words):
                missing.append(unit if unit == line else f"… {unit} …")
                kept.add(words)
    return missing


def _removed_lines(markup: str, out: str) -> int:
    """Non-blank input lines that do not appear (stripped) as a line of the output."""
    kept = {line.strip() for line in out.split("\n")}
    return sum(1 for line in markup.split("\n") if line.strip() and line.strip() not in kept)


class HtmlCompressor:
    """Reduces an HTML page to its main content as markdown."""

    name = "html"
    content_type = "html"
    max_confidence = 0.95  # the most detect() returns; the router skips what cannot win
    section = HtmlPolicy
    tuning = Tuning(kinds=("html",), markup=True)

    def detect(self, sample: str) -> float:
        """High for documents (doctype, ``<html>``), moderate for tag-dense fragments."""
        head = sample[:5000].lstrip("\ufeff \t\r\n").lower()
        if head.startswith(("<!doctype html", "<html")):
            return 0.95
        if not head.startswith("<") or head.startswith("<?xml") or _CODE_SIGNAL.search(head):
            return 0.0
        if re.search(r"<(?:head|body)\b", head):
            return 0.85
        tags = len(_TAG.findall(head))
        return 0.7 if tags >= 6 and "</" in head else 0.0

    def compress(self, text: str, policy: Policy, ctx: CompressContext) -> Compressed:
        """Main content as markdown, the title on top, one marker counting removed markup lines."""
        if not text.strip():
            return passthrough(text, ctx, self.name, self.content_type, "empty input")
        if not policy.html.enabled:
            return passthrough(text, ctx, self.name, self.content_type, "disabled by policy")
        if not _TAG.search(text[:200_000]):
            return passthrough(text, ctx, self.name, self.content_type, "no html markup found")
        # Extraction looks for a page's main content; a fragment is all content already.
        document = _DOCUMENT.search(text[:200_000]) is not None
        if document:
            with ctx.untimed():
                _warm_extractor()
        body = (_extract(text, policy.html) if document else "") or "\n".join(visible_lines(text))
        ctx.check_time("html: extracting the main content")
        body = _with_title(body, _title(text)).strip()
        extra = _missing_critical(text, body)
        if extra:
            body += "\n\nOther page text:\n" + "\n".join(extra)
        return self._finish(text, body, ctx)

    def _finish(self, text: str, body: str, ctx: CompressContext) -> Compressed:
        if not body:  # an unclosed <title> or <head> hides the rest: a lone marker would hide it all
            return passthrough(text, ctx, self.name, self.content_type, "no visible text extracted")
        removed = _removed_lines(text, body)
        if removed == 0:
            return passthrough(text, ctx, self.name, self.content_type, "no markup lines removed")
        marker, elision = ctx.marker(text, removed, _MARKER_KIND, _MARKER_DETAIL)
        out = f"{body}\n\n{marker}" if body else marker
        if ctx.tokens(out) >= ctx.tokens(text):
            return passthrough(text, ctx, self.name, self.content_type, "extracted text is not smaller")
        return result(text, out, ctx, self, [elision])


register(HtmlCompressor())
