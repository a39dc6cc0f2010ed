"""Content routing: asks each compressor's ``detect()``; never knows their rules.

Mixed content (fenced blocks, embedded JSON documents between prose) is split into
sections first, and each section is routed on its own.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from headroom.compressors import Compressor, all_compressors

FALLBACK_COMPRESSOR = "prose"
MIN_CONFIDENCE = 0.5
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^\n`]*)$")
_MIN_SECTION_CHARS = 400


@dataclass(frozen=True)
class Detection:
    """The routing decision for one text."""

    content_type: str
    compressor: str
    confidence: float


@dataclass(frozen=True)
class Section:
    """A piece of mixed content: ``text`` is compressed when ``routable`` and kept verbatim otherwise."""

    text: str
    routable: bool
    hint: str = ""


def detect(text: str, compressors: list[Compressor] | None = None) -> Detection:
    """The most confident compressor for ``text``; prose when nobody is confident."""
    candidates = compressors if compressors is not None else all_compressors()
    best: tuple[float, Compressor] | None = None
    for compressor in candidates:
        confidence = compressor.detect(text)
        if best is None or confidence > best[0]:
            best = (confidence, compressor)
    if best is None or best[0] < MIN_CONFIDENCE:
        fallback = next((c for c in candidates if c.name == FALLBACK_COMPRESSOR), None)
        if fallback is None:
            return Detection("prose", "", 0.0)
        return Detection(_content_type(fallback, text), fallback.name, best[0] if best else 0.0)
    return Detection(_content_type(best[1], text), best[1].name, best[0])


def _content_type(compressor: Compressor, text: str) -> str:
    refine = getattr(compressor, "content_type_of", None)
    return str(refine(text)) if callable(refine) else compressor.content_type


def split_mixed(text: str) -> list[Section] | None:
    """Sections of mixed content, or ``None`` when ``text`` is one kind throughout."""
    lines = text.splitlines(keepends=True)
    sections: list[Section] = []
    buffer: list[str] = []
    index = 0
    while index < len(lines):
        found = _fenced_block(lines, index) or _json_block(lines, index)
        if found is None:
            buffer.append(lines[index])
            index += 1
            continue
        opener, body, closer, end = found
        if len("".join(body)) < _MIN_SECTION_CHARS:
            buffer.extend(lines[index:end])
        else:
            _flush(buffer, sections)
            if opener:
                sections.append(Section(opener, routable=False))
            sections.append(Section("".join(body), routable=True, hint=opener.strip("`~ \n")))
            if closer:
                sections.append(Section(closer, routable=False))
        index = end
    _flush(buffer, sections)
    routable = [s for s in sections if s.routable]
    if len(routable) < 2 and not (routable and any(not s.routable for s in sections)):
        return None
    return sections


def _flush(buffer: list[str], sections: list[Section]) -> None:
    if buffer:
        joined = "".join(buffer)
        sections.append(Section(joined, routable=bool(joined.strip())))
        buffer.clear()


def _fenced_block(lines: list[str], start: int) -> tuple[str, list[str], str, int] | None:
    match = _FENCE.match(lines[start].rstrip("\r\n"))
    if match is None:
        return None
    fence = match["fence"]
    for end in range(start + 1, len(lines)):
        stripped = lines[end].strip()
        if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
            return lines[start], lines[start + 1 : end], lines[end], end + 1
    return None


_DECODER = json.JSONDecoder()


def _json_block(lines: list[str], start: int) -> tuple[str, list[str], str, int] | None:
    stripped = lines[start].lstrip()
    if not stripped.startswith(("{", "[")) or (start == 0 and _looks_all_json(lines)):
        return None
    chunk = "".join(lines[start:])
    try:
        _, consumed = _DECODER.raw_decode(chunk.lstrip())
    except ValueError:
        return None
    consumed += len(chunk) - len(chunk.lstrip())
    taken, end = 0, start
    while end < len(lines) and taken < consumed:
        taken += len(lines[end])
        end += 1
    if taken != consumed and "".join(lines[start:end])[consumed:].strip():
        return None
    return "", lines[start:end], "", end


def _looks_all_json(lines: list[str]) -> bool:
    return bool(lines) and lines[-1].rstrip().endswith(("}", "]"))
