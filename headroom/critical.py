"""The one definition of critical content: lines that must survive every compressor verbatim."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

__all__ = [
    "CRITICAL",
    "CRITICAL_STEMS",
    "LONG_LINE_CHARS",
    "NO_ERROR_FIELD",
    "SNIPPET_WORDS",
    "critical_fields",
    "critical_starts",
    "critical_template",
    "is_critical",
    "json_record",
    "mentions_critical",
    "without_no_error_fields",
]

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


def mentions_critical(text: str) -> bool:
    """``CRITICAL.search(text) is not None``, several times faster on long ASCII text."""
    if text.isascii():  # ASCII case-folds as lower() does; other scripts need the regex's own rules
        return _CRITICAL_LOWER.search(text.lower()) is not None
    return CRITICAL.search(text) is not None


def critical_starts(text: str) -> Iterator[int]:
    """Where each ``CRITICAL.finditer(text)`` match starts, in order (one lower-casing for ASCII text)."""
    if text.isascii():
        return (match.start() for match in _CRITICAL_LOWER.finditer(text.lower()))
    return (match.start() for match in CRITICAL.finditer(text))


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


def json_record(line: str) -> Any:
    """``line`` parsed when it is one whole JSON object or array (a JSON Lines record), else ``None``."""
    stripped = line.strip()
    if not stripped or stripped[0] not in "{[" or stripped[-1] not in "}]":
        return None
    try:
        value = json.loads(stripped)
    except ValueError:
        return None
    return value if isinstance(value, dict | list) else None


def critical_fields(value: Any, key: str = "") -> Iterator[str]:
    """The texts of a parsed JSON value that carry an error signal, leaf by leaf.

    A string leaf is yielded whole when it is critical (JSON inside it is searched instead), with
    its key in front when it is one word (``status: error``: the word alone says little); a
    non-empty scalar under an error-named key is yielded as ``key: value`` (``is_error: true``).
    """
    if isinstance(value, dict):
        for name, child in value.items():
            yield from critical_fields(child, str(name))
    elif isinstance(value, list):
        for child in value:
            yield from critical_fields(child, key)
    elif isinstance(value, str):
        inner = json_record(value)
        if inner is not None:
            yield from critical_fields(inner, key)
        elif CRITICAL.search(value):
            yield f"{key}: {value}" if key and len(value.split()) == 1 else value
        elif value and CRITICAL.search(key):
            yield f"{key}: {value}"
    elif value not in (None, False, 0) and CRITICAL.search(key):
        yield f"{key}: {json.dumps(value)}"
