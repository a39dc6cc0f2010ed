"""Cheap recognisers for prose and markdown, run on a prefix of the text.

Prose is the fallback content type: confidence stays moderate for ordinary text so that any
structured compressor that recognises the content wins, and drops low on structural signs of
JSON, logs, diffs, search hits, HTML, code or CSV.
"""

from __future__ import annotations

import functools
import re

SAMPLE_CHARS = 4000
_SAMPLE_LINES = 80

_TIMESTAMP = re.compile(r"^\S{0,3}(?:\d{4}-\d{2}-\d{2}|\d{2}:\d{2}:\d{2}|\[\d|\w{3} \d{1,2} \d{2}:)")
_DIFF = re.compile(r"^(?:diff --git |@@ -\d|\+\+\+ |--- a/|index [0-9a-f]{7})")
_SEARCH = re.compile(r"^[\w./\\-]+:\d+[:-]")
_CODE = re.compile(
    r"^\s*(?:def |class |import |from \S+ import|return\b|if .*[:{]\s*$|for .*[:{]\s*$|while |fn |func |"
    r"let |const |var |public |private |#include|package |using |}|end\s*$)|[;{]\s*$"
)
_HTML_TAG = re.compile(r"</?[a-zA-Z][\w-]*(?:\s[^<>]*)?>")
_MD_SIGNS = re.compile(
    r"^(?: {0,3}#{1,6} \S| {0,3}(?:```|~~~)|\s*[-*+] \S|\s*\d{1,3}\. \S|\s*\|.*\|\s*$|>\s)"
    r"|\[[^\[\]\n]+\]\([^)\n]+\)|\*\*[^*\n]+\*\*|`[^`\n]+`",
    re.MULTILINE,
)
_RST_SIGNS = re.compile(r"^\.\. [\w|_-]+|:[a-z]+:`[^`\n]+`", re.MULTILINE)
_WORD = re.compile(r"[^\W\d_]{2,}")


def detect_prose(sample: str) -> float:
    """Confidence that ``sample`` is natural-language prose or markdown (at most 0.6)."""
    head = sample[:SAMPLE_CHARS]
    lines = [line for line in head.splitlines()[:_SAMPLE_LINES] if line.strip()]
    if not lines:
        return 0.0
    if _structured(head, lines):
        return 0.1
    wordy = _word_share(head)
    if wordy < 0.55:
        return 0.15
    markdown = is_markdown(head)
    if wordy < 0.7:
        return 0.4 if markdown else 0.3
    return 0.6 if markdown else 0.55


def is_markdown(sample: str) -> bool:
    """Whether ``sample`` carries markdown structure (headings, lists, fences, tables, links).

    reStructuredText shares some of those signs but is reported as prose.
    """
    return _is_markdown(sample[:SAMPLE_CHARS])


def markdown_signs(sample: str) -> int:
    """How many markdown constructs the prefix of ``sample`` holds."""
    return _markdown_signs(sample[:SAMPLE_CHARS])


# Cached by prefix: routing asks twice, then the router's content type and the compressor ask
# again about the same text.
@functools.lru_cache(maxsize=64)
def _is_markdown(head: str) -> bool:
    return _markdown_signs(head) >= 2 and len(_RST_SIGNS.findall(head)) < 2


@functools.lru_cache(maxsize=64)
def _markdown_signs(head: str) -> int:
    return len(_MD_SIGNS.findall(head))


def _structured(head: str, lines: list[str]) -> bool:
    stripped = head.lstrip()
    if stripped[:1] in "{[" and stripped[1:2] in ('"', "{", "[", "\n", " ", "") and "]" not in stripped[:2]:
        return True
    signs = markdown_signs(head)
    markdown = signs >= 2
    # Markdown often embeds some HTML, CSS or code; it takes more of it to outweigh the markdown.
    tag_chars = 15 if markdown else 40
    if len(_HTML_TAG.findall(head)) * tag_chars > len(head) or stripped[:9].lower() in (
        "<!doctype",
        "<html>",
    ):
        return True
    if _csv_like(lines):
        return True
    code_threshold = 0.65 if signs >= 4 else 0.5 if markdown else 0.3
    tests = (*_LINE_TESTS, (_CODE, code_threshold))
    return any(_share(lines, test) >= threshold for test, threshold in tests)


def _share(lines: list[str], test: re.Pattern[str]) -> float:
    return sum(1 for line in lines if test.search(line)) / len(lines)


def _csv_like(lines: list[str]) -> bool:
    counts = [line.count(",") for line in lines[:40]]
    common = max(set(counts), key=counts.count)
    return len(lines) >= 3 and common >= 2 and counts.count(common) >= 0.8 * len(counts)


_LINE_TESTS: tuple[tuple[re.Pattern[str], float], ...] = (
    (_TIMESTAMP, 0.4),
    (_DIFF, 0.15),
    (_SEARCH, 0.4),
)


def _word_share(head: str) -> float:
    """Share of non-space characters that belong to alphabetic words."""
    visible = len("".join(head.split()))  # split() breaks on exactly the characters isspace() names
    if not visible:
        return 0.0
    return sum(map(len, _WORD.findall(head))) / visible
