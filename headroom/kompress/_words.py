"""Word-level view of a text: whitespace words per line, budgeted keep decisions, rendering.

Words are the whitespace-split tokens of each line, so the output keeps the input's line
structure: a line keeps its indentation and its surviving words; a line that loses every word
disappears; lines are never joined.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from headroom.kompress._rules import bounds
from headroom.text import query_terms, words
from headroom.tokens import get_encoding

_MARKUP = re.compile(r"^(?:#{1,6}|[-*+>•]|\d{1,3}[.)]|\|)$")
_SENTENCE_END = re.compile(r"[.!?…:;][\"')\]»”’*_`]*$")
_NEAR = 3


@dataclass(frozen=True)
class Layout:
    """The lines of a text split into words (``lines[i]`` is a list of words, maybe empty)."""

    raw: list[str]
    lines: list[list[str]]
    trailing_newline: bool

    @property
    def flat(self) -> list[str]:
        """Every word, line after line."""
        return [w for line in self.lines for w in line]


def layout(text: str) -> Layout:
    """Split ``text`` into lines and each line into whitespace-separated words."""
    trailing = text.endswith("\n")
    raw = (text[:-1] if trailing else text).split("\n")
    return Layout(raw=raw, lines=[line.split() for line in raw], trailing_newline=trailing)


def sentence_ends(lines: Sequence[Sequence[str]]) -> list[bool]:
    """Per word (flattened): whether a sentence or a line ends after it (a good place to cut)."""
    ends: list[bool] = []
    for line in lines:
        ends.extend(_SENTENCE_END.search(w) is not None for w in line[:-1])
        if line:
            ends.append(True)
    return ends


_WORD_COSTS: dict[str, dict[str, int]] = {}
_MAX_WORD_COSTS = 262144


def token_costs(flat: Sequence[str], encoding: str) -> list[int]:
    """Tokens each word costs in the output (with its leading space), cached per distinct word."""
    known = _WORD_COSTS.setdefault(encoding, {})
    costs = list(map(known.get, flat))  # one dict lookup per word, in C; only new words are encoded
    if None not in costs:
        return costs  # type: ignore[return-value]
    if len(known) > _MAX_WORD_COSTS:
        known.clear()  # a long-running process sees unbounded vocabularies
    encode = get_encoding(encoding).encode_ordinary
    out: list[int] = []
    for word, cost in zip(flat, costs, strict=True):
        if cost is None:
            cost = known.get(word)
            if cost is None:
                cost = known[word] = len(encode(" " + word))
        out.append(cost)
    return out


def boost(layout_: Layout, probs: list[float], query: str | None, weight: float) -> list[float]:
    """Raise words that match a query term by ``weight`` and their near neighbours by half of it."""
    terms = set(query_terms(query))
    if not terms or weight <= 0.0:
        return probs
    out = list(probs)
    offset = 0
    for line in layout_.lines:
        hits = [i for i, w in enumerate(line) if terms.intersection(words(w))]
        for i in range(len(line)):
            distance = min((abs(i - h) for h in hits), default=None)
            if distance is not None:
                out[offset + i] += weight if distance == 0 else (weight / 2 if distance <= _NEAR else 0.0)
        offset += len(line)
    return out


def name_spans(layout_: Layout) -> list[tuple[int, int]]:
    """Flat half-open ranges of the runs of two or more capitalised words on a line (names)."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in layout_.lines:
        start = 0
        while start < len(line):
            end = start
            while end < len(line) and _capitalised(line[end]):
                end += 1
            if end - start >= 2:
                spans.append((offset + start, offset + end))
            start = end + 1
        offset += len(line)
    return spans


def bound_spans(layout_: Layout) -> list[tuple[int, int]]:
    """Flat ranges of each bound and the date or quantity it bounds (see :func:`~headroom.kompress._rules.bounds`)."""
    spans: list[tuple[int, int]] = []
    offset = 0
    for line in layout_.lines:
        spans.extend((offset + a, offset + b) for a, b in bounds(line))
        offset += len(line)
    return spans


def merge_spans(*groups: Sequence[tuple[int, int]]) -> list[tuple[int, int]]:
    """The union of half-open ranges, overlapping ones merged: disjoint and in text order."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(span for group in groups for span in group):
        if out and start < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def together_spans(layout_: Layout) -> list[tuple[int, int]]:
    """Word ranges kept or dropped whole: names (:func:`name_spans`) and bounds (:func:`bound_spans`).

    A name cut in half ("Unwin", "Wilhelm Röntgen" without "Conrad") reads as another name, and a
    bound cut from its number states another fact; as one unit in :func:`choose` and the trim,
    with one probability (:func:`share_best`), the budget keeps or drops each together.
    """
    return merge_spans(name_spans(layout_), bound_spans(layout_))


def share_best(probs: Sequence[float], spans: Sequence[tuple[int, int]]) -> list[float]:
    """Every word of each span takes the span's best probability."""
    out = list(probs)
    for start, end in spans:
        out[start:end] = [max(out[start:end])] * (end - start)
    return out


def units(count: int, spans: Sequence[tuple[int, int]]) -> list[list[int]]:
    """Word indices ``0..count-1`` grouped: each span one unit, every other word alone, in text order.

    ``spans`` are disjoint and in text order, as :func:`together_spans` gives them.
    """
    grouped: list[list[int]] = []
    position = 0
    for start, end in spans:
        grouped.extend([i] for i in range(position, start))
        grouped.append(list(range(start, end)))
        position = end
    grouped.extend([i] for i in range(position, count))
    return grouped


def _capitalised(word: str) -> bool:
    core = word.lstrip("\"'([{«“‘")
    return bool(core) and core[0].isupper()


def choose(
    probs: Sequence[float],
    forced: Sequence[bool],
    costs: Sequence[int],
    rate: float,
    threshold: float | None,
    reserve: float = 0.0,
    total: float | None = None,
    groups: Sequence[Sequence[int]] | None = None,
) -> list[bool]:
    """Keep forced words, then the most probable words up to ``rate`` of all tokens (or ≥ ``threshold``).

    ``reserve`` tokens of the budget are set aside (for the marker the output will carry), so
    ``rate`` is the share of the input the whole output costs. ``total`` is the input's exact
    token count (default: the sum of the word costs, which tokenizing words apart approximates).
    ``groups`` (see :func:`units`) are taken or skipped whole: a name is not cut to fit.
    """
    keep = list(forced)
    if threshold is not None:
        return [k or p >= threshold for k, p in zip(keep, probs, strict=True)]
    whole = sum(costs) if total is None else total
    budget = rate * whole - reserve - sum(c for c, k in zip(costs, keep, strict=True) if k)
    grouped = [[i] for i in range(len(probs))] if groups is None else groups
    # Highest probability first; ties keep text order, so the choice is deterministic.
    # A unit that does not fit is skipped, not taken over budget: cheaper ones after it may fit.
    for unit in sorted(grouped, key=lambda u: (-max(probs[j] for j in u), u[0])):
        if budget <= 0:
            break
        wanted = [i for i in unit if not keep[i]]
        cost = sum(costs[i] for i in wanted)
        if wanted and cost <= budget:
            for i in wanted:
                keep[i] = True
            budget -= cost
    return keep


def tie_markup(layout_: Layout, keep: list[bool]) -> list[bool]:
    """A line's leading markup (``#``, ``-``, ``1.``, ``>``, ``|``) lives and dies with the rest of it."""
    out = list(keep)
    offset = 0
    for line in layout_.lines:
        if line and _MARKUP.match(line[0]):
            out[offset] = any(out[offset + 1 : offset + len(line)])
        offset += len(line)
    return out


def render(layout_: Layout, keep: Sequence[bool]) -> str:
    """Kept words in order, line by line, with each line's indentation; emptied lines vanish."""
    out: list[str] = []
    offset = 0
    removed = False
    for raw, line in zip(layout_.raw, layout_.lines, strict=True):
        kept = [w for w, k in zip(line, keep[offset : offset + len(line)], strict=True) if k]
        offset += len(line)
        if line and not kept:
            removed = True
            continue
        if not line and removed and out and not out[-1].strip():
            continue  # a paragraph vanished: do not stack blank lines
        if len(kept) == len(line):
            out.append(raw)  # untouched lines stay byte-identical (internal spacing included)
        else:
            cr = "\r" if raw.endswith("\r") else ""  # CRLF input keeps its line ends
            out.append(raw[: len(raw) - len(raw.lstrip())] + " ".join(kept) + cr)
        removed = removed and not line
    return "\n".join(out) + ("\n" if layout_.trailing_newline else "")
