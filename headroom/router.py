"""Content routing: asks each compressor's ``detect()``; never knows their rules.

Mixed content (fenced blocks, embedded JSON documents between prose) is split into
sections first, and each section is routed on its own.
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from headroom._fences import FenceIndex
from headroom.compressors import Compressor, all_compressors

FALLBACK_COMPRESSOR = "prose"
MIN_CONFIDENCE = 0.5
_FENCE = re.compile(r"^(?P<indent> {0,3})(?P<fence>`{3,}|~{3,})(?P<info>[^\n`]*)$")
_MIN_SECTION_CHARS = 400
_CHECK_EVERY = 256
_JSON_ALLOWANCE = 1_000_000
_JSON_WINDOW = 4096
# A window's end can cut a literal (``-Infinity``), an escape or a number a few characters before it.
_WINDOW_MARGIN = 16


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
    """The most confident compressor for ``text``; prose when nobody is confident.

    Compressors are stateless and deterministic, so a text re-sent later in a conversation is
    routed from memory. A detector whose declared ``max_confidence`` cannot beat the best answer
    so far is not asked (ties go to the earlier one, as when every detector is asked).
    """
    candidates = compressors if compressors is not None else all_compressors()
    key = (tuple(candidates), text)
    try:
        known = _MEMO.get(key)
    except TypeError:  # an unhashable compressor (a plugin's dataclass): route without memory
        return _detect(text, candidates)
    if known is not None:
        return known
    found = _detect(text, candidates)
    _MEMO.put(key, len(text), found)
    return found


def _detect(text: str, candidates: list[Compressor]) -> Detection:
    ceilings = _remaining_ceilings(candidates)
    best: tuple[float, Compressor] | None = None
    for compressor, ceiling in zip(candidates, ceilings, strict=True):
        if best is not None and best[0] >= ceiling:
            break  # no detector from here on can outrank the best one
        confidence = compressor.detect(text)
        if best is None or confidence > best[0]:
            best = (confidence, compressor)
    if best is None or best[0] < MIN_CONFIDENCE:
        fallback = next((c for c in candidates if c.name == FALLBACK_COMPRESSOR), None)
        if fallback is None:
            return Detection("prose", "", 0.0)
        return Detection(_content_type(fallback, text), fallback.name, best[0] if best else 0.0)
    return Detection(_content_type(best[1], text), best[1].name, best[0])


def _remaining_ceilings(candidates: list[Compressor]) -> list[float]:
    """For each position, the highest confidence any detector from there on may return."""
    ceilings: list[float] = []
    highest = float("-inf")
    for compressor in reversed(candidates):
        declared = getattr(compressor, "max_confidence", 1.0)
        highest = max(highest, float(declared) if isinstance(declared, int | float) else 1.0)
        ceilings.append(highest)
    return ceilings[::-1]


class _DetectionMemo:
    """Recent routing decisions, keyed by the candidates and the text, bounded in total characters."""

    def __init__(self, max_chars: int, max_entries: int) -> None:
        self._entries: OrderedDict[tuple[tuple[Compressor, ...], str], tuple[int, Detection]] = OrderedDict()
        self._chars = 0
        self._max_chars = max_chars
        self._max_entries = max_entries

    def get(self, key: tuple[tuple[Compressor, ...], str]) -> Detection | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        self._entries.move_to_end(key)
        return entry[1]

    def put(self, key: tuple[tuple[Compressor, ...], str], chars: int, found: Detection) -> None:
        if chars > self._max_chars // 4:
            return  # one huge text would evict everything else
        self._entries[key] = (chars, found)
        self._chars += chars
        while self._chars > self._max_chars or len(self._entries) > self._max_entries:
            _, (dropped, _) = self._entries.popitem(last=False)
            self._chars -= dropped

    def clear(self) -> None:
        self._entries.clear()
        self._chars = 0


_MEMO = _DetectionMemo(max_chars=8_000_000, max_entries=1024)


def _content_type(compressor: Compressor, text: str) -> str:
    refine = getattr(compressor, "content_type_of", None)
    return str(refine(text)) if callable(refine) else compressor.content_type


def split_mixed(text: str, check: Callable[[], None] | None = None) -> list[Section] | None:
    """Sections of mixed content, or ``None`` when ``text`` is one kind throughout.

    Linear in the text: closing fences come from one index, JSON is decoded in place, and the
    JSON decoder's total work is capped; ``check`` (the block's deadline) is called as it goes.
    """
    splitter = _Splitter(text)
    sections: list[Section] = []
    buffer: list[str] = []
    lines = splitter.lines
    index = 0
    while index < len(lines):
        if check is not None and index % _CHECK_EVERY == 0:
            check()
        found = _fenced_block(splitter, index) or _json_block(splitter, index)
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


class _Splitter:
    """The text's lines with their offsets, its closing fences, and the JSON decoder's allowance."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = text.splitlines(keepends=True)
        self.offsets = list(itertools.accumulate((len(line) for line in self.lines), initial=0))
        self.fences = FenceIndex(self.lines, bare=True)
        # Failed decodes rescan what follows them; past this many characters, JSON is not looked for.
        self.json_allowance = 2 * len(text) + _JSON_ALLOWANCE


def _flush(buffer: list[str], sections: list[Section]) -> None:
    if buffer:
        joined = "".join(buffer)
        sections.append(Section(joined, routable=bool(joined.strip())))
        buffer.clear()


def _fenced_block(splitter: _Splitter, start: int) -> tuple[str, list[str], str, int] | None:
    lines = splitter.lines
    match = _FENCE.match(lines[start].rstrip("\r\n"))
    if match is None:
        return None
    end = splitter.fences.closer(match["fence"], start)
    if end is None:
        return None
    return lines[start], lines[start + 1 : end], lines[end], end + 1


_DECODER = json.JSONDecoder()


def _json_block(splitter: _Splitter, start: int) -> tuple[str, list[str], str, int] | None:
    lines = splitter.lines
    stripped = lines[start].lstrip()
    if not stripped.startswith(("{", "[")) or (start == 0 and _looks_all_json(lines)):
        return None
    if splitter.json_allowance <= 0:
        return None
    begin = splitter.offsets[start] + len(lines[start]) - len(stripped)
    try:
        length = _decoded_length(splitter.text, begin)
    except ValueError as exc:
        splitter.json_allowance -= getattr(exc, "pos", len(splitter.text) - begin) + 1
        return None
    except RecursionError:  # nesting deeper than the decoder's stack: not a section
        splitter.json_allowance -= len(splitter.text) - begin
        return None
    stop = begin + length
    splitter.json_allowance -= length
    end = bisect.bisect_left(splitter.offsets, stop, lo=start + 1)
    if splitter.text[stop : splitter.offsets[end]].strip():
        return None
    return "", lines[start:end], "", end


def _decoded_length(text: str, begin: int) -> int:
    """Length of the JSON value at ``begin``; a failure's ``pos`` counts from ``begin`` too.

    A failed decode's error counts the lines before its position: decoding in place, once per
    ``[`` line of a long text, that count was quadratic. The value is decoded from a copy, first
    of a short window: an error well inside the window, other than an unterminated string
    (reported where the string starts), is where the whole text fails too, since the decoder read
    no further; otherwise the rest of the text decides.
    """
    window = text[begin : begin + _JSON_WINDOW]
    if len(window) < len(text) - begin:
        try:
            return _DECODER.raw_decode(window)[1]
        except json.JSONDecodeError as exc:
            if exc.pos >= len(window) - _WINDOW_MARGIN or exc.msg.startswith("Unterminated string"):
                return _DECODER.raw_decode(text[begin:])[1]
            raise
    return _DECODER.raw_decode(window)[1]


def _looks_all_json(lines: list[str]) -> bool:
    return bool(lines) and lines[-1].rstrip().endswith(("}", "]"))
