"""The one definition of critical content: lines that must survive every compressor verbatim."""

from __future__ import annotations

import json
import math
import re
from collections import defaultdict, deque
from collections.abc import Iterable, Iterator
from typing import Any

__all__ = [
    "ANSI",
    "CRITICAL",
    "CRITICAL_STEMS",
    "KEEP_SHARE",
    "KeptLines",
    "LONG_LINE_CHARS",
    "NO_ERROR_FIELD",
    "SHORT_VALUE_WORDS",
    "SNIPPET_WORDS",
    "covers",
    "critical_fields",
    "critical_starts",
    "critical_template",
    "critical_units",
    "is_critical",
    "json_record",
    "line_words",
    "mentions_critical",
    "needs_its_key",
    "strip_ansi",
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
#: A line is kept when one output line holds this share of its words: the rest may be numbers or
#: names that changed, but the words that say what happened stay together on one line.
KEEP_SHARE = 0.75
#: A critical value of fewer words than this says little alone ("error", "should fail"): where its
#: key is set apart from it (a table's header), the value is shown with its key.
SHORT_VALUE_WORDS = 3
_WORD = re.compile(r"\w+")
#: ANSI colour and cursor escape sequences: spelling, not words ("\x1b[31mError" says "Error").
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")
# How far either side of an error word its unit is looked for: SNIPPET_WORDS words of prose fit.
_UNIT_REACH = 200
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


def strip_ansi(line: str) -> str:
    """``line`` without ANSI colour and cursor escape sequences."""
    return ANSI.sub("", line) if "\x1b" in line else line


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


def line_words(line: str) -> frozenset[str]:
    """The lower-case ``\\w+`` words of ``line``, the unit :func:`covers` compares (colour codes
    are no words: a compressor that strips them keeps the line)."""
    return frozenset(_WORD.findall(strip_ansi(line).lower()))


def covers(kept: frozenset[str], line: frozenset[str]) -> bool:
    """Whether a kept line with words ``kept`` holds ``KEEP_SHARE`` of ``line``'s words."""
    return len(kept & line) >= KEEP_SHARE * len(line)


class KeptLines:
    """The lines an output keeps, to ask whether one of them holds (``covers``) a critical unit."""

    def __init__(self, lines: Iterable[str] = ()) -> None:
        self._sets: list[frozenset[str]] = []
        self._postings: dict[str, list[int]] = defaultdict(list)
        for line in lines:
            self.add(line_words(line))

    def add(self, words: frozenset[str]) -> None:
        """Record one more kept line by its words."""
        for word in words:
            self._postings[word].append(len(self._sets))
        self._sets.append(words)

    def holds(self, words: frozenset[str]) -> bool:
        """Whether some kept line holds ``KEEP_SHARE`` of ``words``."""
        if not words:
            return True
        need = math.ceil(KEEP_SHARE * len(words))
        # A line with `need` of the words holds one of the rarest len - need + 1 of them.
        rarest = sorted(words, key=lambda w: len(self._postings.get(w, ())))[: len(words) - need + 1]
        candidates = {i for word in rarest for i in self._postings.get(word, ())}
        return any(len(words & self._sets[i]) >= need for i in candidates)


def critical_units(line: str) -> list[str]:
    """The parts of ``line`` that must survive on one output line, verbatim.

    A log-sized line is one unit; a longer one (a paragraph, a record) has one unit per critical
    word: the text from ``SNIPPET_WORDS`` words before it to as many after. Overlapping units stay
    apart: a merged one would pass on the words of its neighbour. Colour codes are no part of a
    unit: they are spelling, and a compressor may strip them.
    """
    line = strip_ansi(line)
    if len(line) <= LONG_LINE_CHARS:
        return [line] if is_critical(line) else []
    spans: dict[tuple[int, int], None] = {}
    # Only the text near each error word is read: a long string (a file an agent wrote) has few.
    for hit in _CRITICAL_LOWER.finditer(line.lower()):
        low, high = max(0, hit.start() - _UNIT_REACH), hit.end() + _UNIT_REACH
        if any(f.start() <= hit.start() < f.end() for f in NO_ERROR_FIELD.finditer(line, low, high)):
            continue
        spans[_unit_span(line, hit.start(), low, high)] = None
    return [line[start:end] for start, end in spans]


def _unit_span(line: str, at: int, low: int, high: int) -> tuple[int, int]:
    """From ``SNIPPET_WORDS`` words of ``line[low:high]`` before the word at ``at`` to as many after
    it (fewer where the window has fewer); the scan stops at the last word it needs."""
    before: deque[re.Match[str]] = deque(maxlen=SNIPPET_WORDS)
    first: re.Match[str] | None = None
    last: re.Match[str] | None = None
    after = 0
    for word in _WORD.finditer(line, low, high):
        # A word the reach cuts in two is no word of the text (unless the error is in it).
        if (word.start() == low > 0 or word.end() == high < len(line)) and not (
            word.start() <= at < word.end()
        ):
            continue
        if last is not None:
            last, after = word, after + 1
            if after == SNIPPET_WORDS:
                break
        elif word.end() > at:
            first = before[0] if before else word
            last = word
        else:
            before.append(word)
    if first is None or last is None:  # no word reaches the error word: it is the window's end
        raise ValueError(f"no word at offset {at}")
    return first.start(), last.end()


def needs_its_key(value_text: str) -> bool:
    """Whether a critical value is too short to be read without its key (``level: error``)."""
    return len(_WORD.findall(value_text)) < SHORT_VALUE_WORDS and is_critical(value_text)


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

    return " ".join(_TEMPLATE_TOKEN.sub(token, strip_ansi(line)).split())


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
