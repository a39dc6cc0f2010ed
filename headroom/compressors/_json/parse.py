"""Parsing for the JSON compressor: strict JSON, JSON Lines, JSONC and JSON embedded in strings."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Any

from headroom.compressors._json.exact import EXACT_DECODER, DuplicateKey
from headroom.critical import is_critical

# A string literal or a comment; strings are matched first so `//` inside a URL survives. Every
# alternative that starts a token also matches it (an unterminated string or comment runs as far
# as it can, its close optional), so no start position is rescanned to the end: linear time.
_JSONC_TOKEN = re.compile(r'"(?:[^"\\\n]|\\.)*+"?|//[^\n]*|/\*(?:.*?\*/|.*\Z)|,(?=\s*[}\]])', re.S)
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]+")
_JSONL_SAMPLE_LINES = 8
# What may follow an opening bracket in JSON; a bare number must end at `,` or `]`, so a
# bracketed log timestamp (`[2024-05-01 12:00:00]`) does not count.
_JSON_START = re.compile(r'[\[{]\s*("|\{|\[|\]|\}|-?\d+(\.\d+)?([eE][-+]?\d+)?\s*[,\]]|true|false|null)')


@dataclass(frozen=True)
class Parsed:
    """A parsed document: its value, how it was encoded and how many comment lines were dropped."""

    value: Any
    form: str
    comment_lines: int = 0
    tail: str = ""
    """A torn end (output cut at N bytes) that did not parse: kept verbatim after the value."""
    critical_comments: tuple[str, ...] = ()
    """Comment lines that carry an error signal: kept verbatim, not counted in ``comment_lines``."""


def _loads(text: str) -> Any:
    """The exact value of ``text`` (see ``_json_exact``), or ``_FAILED``; a repeated key raises DuplicateKey."""
    try:
        return EXACT_DECODER.decode(text)
    except (ValueError, RecursionError):
        return _FAILED


def _loads_lenient(text: str) -> Any:
    """As :func:`_loads`, with a repeated key counting as parsed (for detection: it is JSON)."""
    try:
        return _loads(text)
    except DuplicateKey:
        return True


_FAILED = object()


def parse_document(text: str) -> Parsed | None:
    """Parse ``text`` as JSON, JSON Lines or JSONC; ``None`` when it is none of them.

    Raises :class:`DuplicateKey` when an object repeats a key (no re-encoding can be lossless).
    """
    stripped = text.strip()
    if not stripped or stripped[0] not in "{[":
        return None
    value = _loads(stripped)
    if value is not _FAILED:
        return Parsed(value, "json")
    lines = _parse_lines(stripped)
    if lines is not None:
        return lines
    if "//" in stripped or "/*" in stripped:
        jsonc = _parse_jsonc(stripped)
        if jsonc is not None:
            return jsonc
    return _parse_torn_array(stripped)


def _parse_lines(text: str) -> Parsed | None:
    """JSON Lines; a last line that does not parse (the output was cut) is kept as the tail."""
    rows: list[Any] = []
    lines = text.splitlines()
    for number, line in enumerate(lines):
        line = line.strip()
        if not line:
            continue
        value = _loads(line) if line[0] in "{[" else _FAILED
        if value is _FAILED:
            if number == len(lines) - 1 and len(rows) >= 2:
                return Parsed(rows, "jsonl", tail=line)
            return None
        rows.append(value)
    return Parsed(rows, "jsonl") if len(rows) >= 2 else None


_DECODER = EXACT_DECODER
_SEPARATOR = re.compile(r"\s*,\s*")
_MIN_TORN_ITEMS = 2


def _parse_torn_array(text: str) -> Parsed | None:
    """An array cut mid-item: its complete items, with the torn rest kept verbatim as the tail."""
    if not text.startswith("["):
        return None
    items: list[Any] = []
    position = len(text) - len(text[1:].lstrip())
    end = position
    while position < len(text):
        try:
            item, after = _DECODER.raw_decode(text, position)
        except (ValueError, RecursionError):
            break
        items.append(item)
        end = after
        separator = _SEPARATOR.match(text, after)
        if separator is None:
            break
        position = separator.end()
    if len(items) < _MIN_TORN_ITEMS:
        return None
    return Parsed(items, "json", tail=text[end:])


def _parse_jsonc(text: str) -> Parsed | None:
    comments: list[str] = []

    def drop(match: re.Match[str]) -> str:
        token = match.group(0)
        if token.startswith('"'):
            return token
        if token != ",":
            comments.extend(token.split("\n"))
        return ""

    value = _loads(_JSONC_TOKEN.sub(drop, text))
    if value is _FAILED or not comments:
        return None
    critical = tuple(line.strip() for line in comments if is_critical(line))
    return Parsed(value, "jsonc", len(comments) - len(critical), critical_comments=critical)


def _loads_embedded(text: str) -> Any:
    try:
        return _loads(text)
    except DuplicateKey:  # left as the string it is
        return _FAILED


def decode_embedded(value: str) -> tuple[Any, str] | None:
    """A JSON container embedded in a string (plain or base64), with how it was encoded."""
    if len(value) < 40:
        return None
    stripped = value.strip()
    if stripped[:1] in "{[" and stripped[-1:] in "}]":
        parsed = _loads_embedded(stripped)
        if isinstance(parsed, dict | list) and parsed:
            return parsed, "JSON"
        return None
    if len(stripped) >= 64 and _BASE64.fullmatch(stripped):
        return _decode_base64(stripped)
    return None


def _decode_base64(value: str) -> tuple[Any, str] | None:
    try:
        raw = base64.b64decode("".join(value.split()), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    stripped = raw.strip()
    if stripped[:1] not in "{[":
        return None
    parsed = _loads_embedded(stripped)
    if isinstance(parsed, dict | list) and parsed:
        return parsed, "base64 JSON"
    return None


def detect_json(sample: str) -> float:
    """Confidence that ``sample`` (a prefix of the text) is JSON or JSON Lines."""
    stripped = sample.strip()
    if not stripped or stripped[0] not in "{[":
        return 0.0
    if _loads_lenient(stripped) is not _FAILED:
        return 0.95
    lines = [line.strip() for line in stripped.splitlines() if line.strip()][:_JSONL_SAMPLE_LINES]
    whole = [line for line in lines[:-1] if line[0] in "{[" and _loads_lenient(line) is not _FAILED]
    if len(lines) >= 3 and len(whole) >= len(lines) - 1:
        return 0.8
    head = stripped[:400]
    if _JSON_START.match(head) and re.search(r'"\s*:', head):
        return 0.85
    if _JSON_START.match(head) and head[0] == "[":
        return 0.6
    return 0.1
