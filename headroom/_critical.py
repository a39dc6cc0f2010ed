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
# A JSON field named for an error whose value is empty ("is_error": false, "error": null,
# "failures": [], "last_error": "") reports that there is no error: it is no error signal. Keys may
# be quoted at any escape depth (JSON inside a JSON string); the value must end there.
_Q = r'\\*"'
NO_ERROR_FIELD = re.compile(
    rf"{_Q}[^\"\\]*(?:{'|'.join(CRITICAL_STEMS)})[^\"\\]*{_Q}\s*:\s*"
    rf"(?:null|false|0|{_Q}{_Q}|\[\s*\]|\{{\s*\}})(?![\w.])",
    re.IGNORECASE,
)


def is_critical(line: str) -> bool:
    """Whether ``line`` carries an error signal that must survive compression.

    Error-named JSON fields with an empty value (``"is_error": false``) are no signal.
    """
    lower = line.lower()
    if _CRITICAL_LOWER.search(lower) is None:
        return False
    return _CRITICAL_LOWER.search(without_no_error_fields(lower)) is not None


def without_no_error_fields(text: str) -> str:
    """``text`` with every error-named JSON field that reports no error removed."""
    return NO_ERROR_FIELD.sub(" ", text)


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
