"""Force-keep rules: words and lines the model is never allowed to drop.

Numbers (with what gives them their meaning: a date's month, a label, a bound such as "until"),
paths, identifiers, URLs and code spans are kept word by word; error lines, headings,
table rows, numbered source listings, ``file:line:`` diagnostics and fenced code blocks are kept
whole, and whole-kept lines are not even sent to the model (the rules already decided them,
which saves inference time). A critical line longer than
:data:`~headroom.critical.LONG_LINE_CHARS` is a paragraph, not a log line: the words around
each critical word are kept, not the whole paragraph (the same unit the corpus benchmark checks).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from headroom.compressors._prose.units import FENCE, HEADING
from headroom.critical import CRITICAL, LONG_LINE_CHARS, SNIPPET_WORDS, is_critical

_DIGIT = re.compile(r"\d")
_URL = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.)\S", re.IGNORECASE)
_PATH = re.compile(r"(?:^|[\s(\"'])(?:~?/|\.{1,2}/|[A-Za-z]:\\)\S|\w[/\\]\w")
_SNAKE = re.compile(r"[A-Za-z0-9]_[A-Za-z0-9]")
_CAMEL = re.compile(r"[a-z][A-Z]|[A-Z]{2,}[a-z]")
_DOTTED = re.compile(r"[A-Za-z_]\w*\.[A-Za-z_]\w*")
_EMAIL_OR_HANDLE = re.compile(r"\w@\w|^@\w")
_TABLE = re.compile(r"^\s*\|.*\|\s*$")
# A numbered source listing (cat -n, aider's and compilers' excerpts): "12│    try:"; a located
# line (grep -n, compiler and linter diagnostics): "app.py:8:1: F401 'os' imported but unused".
_LISTING = re.compile(r"^\s*\d{1,6}(?:\s?[│┃|█▶]|\t)|^\s*[\w./\\-]+:\d+(?::\d+)?:\s")
ASCII_SHARE = 0.8
"""Share of a word's letters that must be ASCII for the path and identifier rules to apply."""
MONTH_NAMES = "January February March April May June July August September October November December".split()
_MONTH = re.compile(rf"^(?:{'|'.join(MONTH_NAMES)}|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)\.?)$")

_LABEL = re.compile(r"^[A-Za-z][A-Za-z_-]{0,23}[:=]$")
BOUNDS = frozenset(
    "since until till before after from through by within over under above below about around "
    "approximately nearly almost".split()
)
"""Words that bound the date or quantity after them: dropped, "until 2017" reads as "2017"."""
BOUND_PAIRS = frozenset(
    tuple(pair.split())
    for pair in ("more than", "less than", "fewer than", "greater than", "at least", "at most", "up to")
)
_BOUND_STRIP = "\"'(["
_QUANTITY_OPENERS = "\"'([~$€£≈<>"
_MONTH_START = re.compile(rf"^(?:{'|'.join(MONTH_NAMES)})\b")


@dataclass(frozen=True)
class Forced:
    """Rule decisions: ``words`` per flattened word; ``lines`` marks lines kept whole."""

    words: list[bool]
    lines: list[bool]


def is_literal(word: str) -> bool:
    """Numbers, URLs, paths, snake/camel/dotted identifiers, e-mails and handles."""
    core = word.strip("\"'()[]{}<>,;:!?")
    if not core:
        return False
    if _DIGIT.search(core) is not None:
        return True
    # Code names are (nearly) ASCII: "/beɪˈdʒɪŋ/" is a pronunciation, not a path.
    return _mostly_ascii(core) and any(
        p.search(core) is not None for p in (_URL, _PATH, _SNAKE, _CAMEL, _DOTTED, _EMAIL_OR_HANDLE)
    )


def _mostly_ascii(word: str) -> bool:
    letters = [c for c in word if c.isalpha()]
    return sum(c.isascii() for c in letters) >= ASCII_SHARE * len(letters)


def whole_lines(raw: Sequence[str]) -> list[bool]:
    """Lines kept whole: error lines, headings, table rows, numbered source listings, fenced code."""
    out: list[bool] = []
    fence: str | None = None
    for line in raw:
        opener = FENCE.match(line)
        if fence is not None:
            out.append(True)
            if opener is not None and opener.group(1)[0] == fence[0] and len(opener.group(1)) >= len(fence):
                fence = None
            continue
        if opener is not None:
            fence = opener.group(1)
            out.append(True)
            continue
        short_critical = len(line) <= LONG_LINE_CHARS and is_critical(line)
        out.append(bool(HEADING.match(line) or _TABLE.match(line) or _LISTING.match(line) or short_critical))
    return out


def code_span_words(line: Sequence[str]) -> list[bool]:
    """Words inside inline code spans (`` `...` ``), which may cover several words."""
    out: list[bool] = []
    inside = False
    for word in line:
        ticks = word.count("`")
        out.append(inside or ticks > 0)
        if ticks % 2 == 1:
            inside = not inside
    return out


def is_critical_word(word: str) -> bool:
    """A word holding a critical stem, by the same substring rule as a critical line.

    ``-Werror`` and ``terrorizing`` count too: one definition of critical, everywhere, is what
    lets every compressor promise critical content survives (the corpus benchmark checks it so).
    """
    return CRITICAL.search(word) is not None


def critical_neighbourhood(line: Sequence[str]) -> list[bool]:
    """Words within :data:`~headroom.critical.SNIPPET_WORDS` of a critical word."""
    out = [False] * len(line)
    for i, word in enumerate(line):
        if is_critical_word(word):
            for j in range(max(0, i - SNIPPET_WORDS), min(len(line), i + SNIPPET_WORDS + 1)):
                out[j] = True
    return out


def force_keep(raw: Sequence[str], lines: Sequence[Sequence[str]]) -> Forced:
    """Apply every rule to a text's lines (``raw``) and their words (``lines``)."""
    whole = whole_lines(raw)
    flags: list[bool] = []
    for keep_line, line in zip(whole, lines, strict=True):
        if keep_line:
            flags.extend([True] * len(line))
            continue
        rules = zip(code_span_words(line), critical_neighbourhood(line), literal_words(line), strict=True)
        flags.extend(any(hits) for hits in rules)
    return Forced(words=flags, lines=whole)


def bounds(line: Sequence[str]) -> list[tuple[int, int]]:
    """Ranges of a line's words holding a bound and the number or month right after it.

    ``till September``, ``more than 40``, ``since (2017)``: a kept number stripped of its bound
    states another fact ("until 2017" is not "2017", "more than 40" is not "40").
    """
    bare = [w.strip(_BOUND_STRIP).lower() for w in line]
    spans: list[tuple[int, int]] = []
    for i in range(1, len(line)):
        quantity = line[i].lstrip(_QUANTITY_OPENERS)
        if not (quantity[:1].isdigit() or _MONTH_START.match(quantity)):
            continue
        if i >= 2 and (bare[i - 2], bare[i - 1]) in BOUND_PAIRS:
            spans.append((i - 2, i + 1))
        elif bare[i - 1] in BOUNDS:
            spans.append((i - 1, i + 1))
    return spans


def literal_words(line: Sequence[str]) -> list[bool]:
    """:func:`is_literal` per word, with what a number means kept beside it.

    A month next to a number is part of the date (``May 31, 2012``); a label ending in ``:`` or
    ``=`` right before a number names it (``exit code: 123``, ``port=8080``): a bare ``123``
    would keep the fact and lose what it is. So does a bound (``until 2017``, see :func:`bounds`).
    """
    flags = [is_literal(w) for w in line]
    numeric = [_DIGIT.search(w) is not None for w in line]
    for i, word in enumerate(line):
        before_number = i + 1 < len(line) and numeric[i + 1]
        beside_number = (i > 0 and numeric[i - 1]) or before_number
        date_part = beside_number and _MONTH.match(word.strip("\"'(),;:")) is not None
        label = before_number and _LABEL.match(word) is not None
        flags[i] = flags[i] or date_part or label
    for start, end in bounds(line):
        if numeric[end - 1]:
            flags[start:end] = [True] * (end - start)
    return flags
