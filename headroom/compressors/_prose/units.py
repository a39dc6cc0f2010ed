"""Split prose and markdown into selectable units: sentences, list items, table rows, lines, code blocks.

Units partition the text: each covers its content plus the whitespace after it, so kept units
concatenated in order reproduce the original layout. The splitter knows nothing about scoring
or budgets, so the extractive scorer and the Kompress model can share it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from headroom._fences import FenceIndex
from headroom.critical import CRITICAL, critical_starts

SENTENCES = "sentences"
LIST_ITEMS = "list items"
TABLE_ROWS = "table rows"
LINES = "lines"
CODE_BLOCKS = "code blocks"

LONG_CODE_CHARS = 240

_LINE = re.compile(r"[^\n]*\n|[^\n]+")
HEADING = re.compile(r"^ {0,3}#{1,6}(?:\s|$)")
_UNDERLINE = re.compile(r"^([=\-^~*#+\"'`:.])\1{2,}\s*$")
FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_LIST = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+\S")
# Matched on the stripped line: ``^\s*\|?\s*`` around an optional pipe was quadratic in a long blank run.
_TABLE_SEP = re.compile(r"\|?[ \t]*:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*)*\|?")
_CODEISH = re.compile(r"[{}();=<>\[\]$\\|]")
_BOUNDARY = re.compile(r"[.!?…][\"')\]»”’]*\s+(?=[\"'(\[«“‘*_`]?[A-Z0-9\u00C0-\u024F])")
_INITIALISM = re.compile(r"^(?:[a-z]\.)+[a-z]$")
"""``u.s``, ``a.m``: dotted initials (the last dot is the one being judged)."""
_ABBREV = frozenset(
    "al approx ca cf dr e.g eg etc fig figs i.e ie inc jr ltd mr mrs ms no nos prof sr st vol vs".split()
)


@dataclass(frozen=True)
class Unit:
    """One selectable span of the text.

    ``start``/``end`` cover the unit and its trailing whitespace; ``content_end`` ends the
    content itself (the rest is the separator a marker inherits when the unit is dropped).
    """

    start: int
    end: int
    content_end: int
    kind: str
    must_keep: bool = False
    block: int = 0
    index_in_block: int = 0
    section: int = 0
    section_lead: bool = False
    tokens: float = 0.0

    def with_tokens(self, tokens: float) -> Unit:
        """This unit with its token count (positional: ``dataclasses.replace`` was a hot spot)."""
        return Unit(self.start, self.end, self.content_end, self.kind, self.must_keep, self.block,
                    self.index_in_block, self.section, self.section_lead, tokens)  # fmt: skip


# start, content_end, kind, must_keep, block, index_in_block, section, section_lead
_Span = tuple[int, int, str, bool, int, int, int, bool]


@dataclass
class _Builder:
    """Accumulates units while walking the lines of one text."""

    text: str
    spans: list[_Span]
    """Each unit's fields but its end (the next unit's start): a Unit is built once, at the end."""
    block: int = 0
    section: int = 0
    section_lead: bool = True
    fences: FenceIndex | None = None
    """Closing fences of the text's lines (one scan, not one per opener)."""

    def add(self, start: int, end: int, kind: str, must_keep: bool = False, index: int = 0) -> None:
        content_end = len(self.text[start:end].rstrip()) + start
        self.spans.append(
            (start, content_end, kind, must_keep, self.block, index, self.section, self.section_lead)
        )

    def close_block(self, heading: bool = False) -> None:
        self.block += 1
        if heading:
            self.section += 1
        self.section_lead = heading


def split_lines(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of every line, line breaks included; only ``\\n`` breaks lines."""
    return [(m.start(), m.end()) for m in _LINE.finditer(text)]


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]``, each running to the start of the next one."""
    stop = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    begin = start
    for match in _BOUNDARY.finditer(text, start, stop):
        if _is_abbreviation(text, begin, match.start()):
            continue
        spans.append((begin, match.end()))
        begin = match.end()
    if begin < stop:
        spans.append((begin, stop))
    return spans


def _is_abbreviation(text: str, begin: int, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word = text[max(begin, dot - 12) : dot].rsplit(None, 1)[-1:] or [""]
    token = word[0].lstrip("([\"'").lower()
    return token in _ABBREV or (len(token) == 1 and token.isalpha()) or bool(_INITIALISM.match(token))


def build_units(text: str) -> list[Unit]:
    """Partition ``text`` into units in document order (leading blank lines belong to no unit)."""
    lines = split_lines(text)
    builder = _Builder(text, [], fences=FenceIndex((_line(text, span) for span in lines), bare=False))
    i = _front_matter(text, lines, builder)
    while i < len(lines):
        i = _parse_block(text, lines, i, builder)
    return _tile(text, lines, builder.spans)


def _line(text: str, span: tuple[int, int]) -> str:
    return text[span[0] : span[1]].rstrip("\n")


def _blank(text: str, span: tuple[int, int]) -> bool:
    return not text[span[0] : span[1]].strip()


def _front_matter(text: str, lines: list[tuple[int, int]], builder: _Builder) -> int:
    if not lines or _line(text, lines[0]).strip() != "---":
        return 0
    for j in range(1, min(len(lines), 200)):
        if _line(text, lines[j]).strip() in ("---", "..."):
            builder.add(lines[0][0], lines[j][1], LINES, must_keep=True)
            builder.close_block()
            return j + 1
    return 0


def _parse_block(text: str, lines: list[tuple[int, int]], i: int, builder: _Builder) -> int:
    """Consume the block starting at line ``i``; return the index of the next line to parse."""
    if _blank(text, lines[i]):
        return i + 1
    heading_end = _heading_end(text, lines, i)
    if heading_end > i:
        builder.add(lines[i][0], lines[heading_end - 1][1], LINES, must_keep=True)
        builder.close_block(heading=True)
        return heading_end
    line = _line(text, lines[i])
    if FENCE.match(line):
        return _parse_fence(text, lines, i, builder)
    if line.lstrip().startswith("|"):
        return _parse_table(text, lines, i, builder)
    if _LIST.match(line):
        return _parse_list(text, lines, i, builder)
    return _parse_paragraph(text, lines, i, builder)


def _heading_end(text: str, lines: list[tuple[int, int]], i: int) -> int:
    """End line of an ATX, setext or reST (over- and underlined) heading at ``i``; ``i`` if none."""
    line = _line(text, lines[i])
    if HEADING.match(line):
        return i + 1
    # Called for every line of a paragraph: the line two below is only read under an overline.
    under_next = _underline(text, lines, i + 1)
    if (
        not under_next
        and _UNDERLINE.match(line)
        and _underline(text, lines, i + 2)
        and not _blank(text, lines[i + 1])
    ):
        return i + 3
    if under_next and _is_title(line):
        return i + 2
    return i


def _underline(text: str, lines: list[tuple[int, int]], k: int) -> bool:
    return k < len(lines) and _UNDERLINE.match(_line(text, lines[k])) is not None


def _is_title(line: str) -> bool:
    return bool(line.strip()) and len(line) < 120 and not _UNDERLINE.match(line) and not _LIST.match(line)


def _parse_fence(text: str, lines: list[tuple[int, int]], i: int, builder: _Builder) -> int:
    opener = FENCE.match(_line(text, lines[i]))
    assert opener is not None
    assert builder.fences is not None
    found = builder.fences.closer(opener.group(1), i)
    j = len(lines) if found is None else found
    if j == len(lines):
        # An unclosed fence (a truncated transcript) would swallow the rest of the text.
        return _parse_paragraph(text, lines, i, builder, force_lines=True)
    start, end = lines[i][0], lines[j][1]
    if end - start > LONG_CODE_CHARS and CRITICAL.search(text, start, end):
        # A long block holding a critical line is cut by the line so that line can stay.
        builder.add(start, lines[i][1], LINES, must_keep=True)
        for index, span in enumerate(lines[i + 1 : j]):
            builder.add(span[0], span[1], LINES, index=index)
        builder.add(lines[j][0], end, LINES, must_keep=True)
    else:
        builder.add(start, end, CODE_BLOCKS)
    builder.close_block()
    return j + 1


def _parse_table(text: str, lines: list[tuple[int, int]], i: int, builder: _Builder) -> int:
    j = i
    while j < len(lines) and _line(text, lines[j]).lstrip().startswith("|"):
        j += 1
    has_header = j - i >= 2 and _TABLE_SEP.fullmatch(_line(text, lines[i + 1]).strip()) is not None
    header_end = i + 2 if has_header else i
    if has_header:
        builder.add(lines[i][0], lines[i + 1][1], LINES, must_keep=True)
    for k in range(header_end, j):
        builder.add(lines[k][0], lines[k][1], TABLE_ROWS, index=k - header_end)
    builder.close_block()
    return j


def _parse_list(text: str, lines: list[tuple[int, int]], i: int, builder: _Builder) -> int:
    index = 0
    while i < len(lines) and _LIST.match(_line(text, lines[i])):
        j = i + 1
        while j < len(lines) and _continues_item(text, lines[j]):
            j += 1
        builder.add(lines[i][0], lines[j - 1][1], LIST_ITEMS, index=index)
        index += 1
        i = j
    builder.close_block()
    return i


def _continues_item(text: str, span: tuple[int, int]) -> bool:
    line = _line(text, span)
    if not line.strip() or _LIST.match(line) or FENCE.match(line) or HEADING.match(line):
        return False
    return not line.lstrip().startswith(("|", ">"))


def _parse_paragraph(
    text: str, lines: list[tuple[int, int]], i: int, builder: _Builder, force_lines: bool = False
) -> int:
    j = i + 1
    quoted = _line(text, lines[i]).lstrip().startswith(">")
    while j < len(lines) and _continues_paragraph(text, lines, j, quoted):
        j += 1
    start, end = lines[i][0], lines[j - 1][1]
    if force_lines or quoted or _line_oriented(text, lines[i:j]):
        for index, span in enumerate(lines[i:j]):
            builder.add(span[0], span[1], LINES, index=index)
    else:
        for index, (s, e) in enumerate(split_sentences(text, start, end)):
            builder.add(s, e, SENTENCES, index=index)
    builder.close_block()
    return j


def _continues_paragraph(text: str, lines: list[tuple[int, int]], j: int, quoted: bool) -> bool:
    line = _line(text, lines[j])
    if not line.strip() or _heading_end(text, lines, j) > j or FENCE.match(line) or _LIST.match(line):
        return False
    if line.lstrip().startswith("|"):
        return False
    return line.lstrip().startswith(">") == quoted


def _line_oriented(text: str, lines: list[tuple[int, int]]) -> bool:
    """Code, logs and output pasted without a fence read better dropped by the line."""
    if len(lines) < 2:
        return False
    codeish = 0
    for span in lines:
        line = _line(text, span)
        letters = sum(map(str.isalpha, line)) + line.count(" ")
        if line[:1] in " \t" or len(_CODEISH.findall(line)) >= 3 or letters < 0.7 * len(line):
            codeish += 1
    return codeish * 2 >= len(lines)


def _tile(text: str, lines: list[tuple[int, int]], spans: list[_Span]) -> list[Unit]:
    """The units: each stretched to the next one's start so they tile the text, and each touching
    a critical line kept, so the whole line survives."""
    starts = [span[0] for span in spans]
    protect = _critical_units(text, lines, starts)
    ends = [*starts[1:], len(text)]
    return [
        Unit(start, end, content_end, kind, must_keep or k in protect, block, index, section, lead)
        for k, ((start, content_end, kind, must_keep, block, index, section, lead), end) in enumerate(
            zip(spans, ends, strict=True)
        )
    ]


def _critical_units(text: str, lines: list[tuple[int, int]], starts: list[int]) -> set[int]:
    """Indexes of the units touching a critical line."""
    line_starts = [start for start, _ in lines]
    protect: set[int] = set()
    # One scan of the whole text: a stem never spans a line break, so a line is critical exactly
    # when a match starts in it.
    critical_lines = dict.fromkeys(bisect.bisect_right(line_starts, at) - 1 for at in critical_starts(text))
    for line in critical_lines:
        start, end = lines[line]
        first = max(0, bisect.bisect_right(starts, start) - 1)
        last = max(first, bisect.bisect_left(starts, end) - 1)
        protect.update(range(first, last + 1))
    return protect
