"""The one definition of critical content: lines that must survive every compressor verbatim."""

from __future__ import annotations

import re

CRITICAL_STEMS = ("error", "exception", "fatal", "fail", "traceback", "panic", "denied", "refused")
CRITICAL = re.compile("|".join(CRITICAL_STEMS), re.IGNORECASE)
# Lower-casing once and matching without IGNORECASE is several times faster on long logs.
_CRITICAL_LOWER = re.compile("|".join(CRITICAL_STEMS))
#: A line longer than this is a paragraph, a record or minified markup, not a log line: its critical
#: unit is the ``SNIPPET_WORDS`` words either side of each critical word, not the whole line.
LONG_LINE_CHARS = 400
SNIPPET_WORDS = 6
_TEMPLATE_TOKEN = re.compile(r"\"[^\"]*\"|'[^']*'|0x[0-9a-fA-F]+|\d+|[A-Za-z_][\w.]*")


def is_critical(line: str) -> bool:
    """Whether ``line`` carries an error signal that must survive compression."""
    return _CRITICAL_LOWER.search(line.lower()) is not None


def critical_template(line: str) -> str:
    """A key shared by lines that differ only in names, numbers and quoted strings."""

    def token(match: re.Match[str]) -> str:
        word = match.group(0)
        lower = word.lower()
        stem = next((s for s in CRITICAL_STEMS if s in lower), None)
        if stem is not None:
            return stem
        is_name = not word[0].isalpha() or any(c.isdigit() or c in "_." for c in word)
        return "N" if is_name or any(c.isupper() for c in word[1:]) else lower

    return " ".join(_TEMPLATE_TOKEN.sub(token, line).split())
