"""Query-aware selection: which function bodies the query, the conversation or a trace names."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePath

from headroom.compressors._code.site import Site

_IDENT = re.compile(r"[A-Za-z_$][\w$]*")
_TRACE_LINE = r"(?:{name}\"?(?::|, line |\(|#L)\s*(\d+))"


def identifiers(text: str) -> set[str]:
    """Every identifier-shaped word in ``text`` (case kept: code names are case-sensitive)."""
    return set(_IDENT.findall(text))


def mentioned_rows(text: str, filename: str | None) -> set[int]:
    """0-based rows of ``filename`` named as ``file:line`` or ``File "...", line N`` in ``text``."""
    if not filename or not text:
        return set()
    base = re.escape(PurePath(filename).name)
    pattern = re.compile(_TRACE_LINE.format(name=base))
    return {int(m.group(1)) - 1 for m in pattern.finditer(text)}


def file_mentioned(text: str, filename: str | None) -> bool:
    """Whether ``text`` names ``filename`` (its base name, as a whole word)."""
    if not filename or not text:
        return False
    base = PurePath(filename).name
    return bool(base) and re.search(rf"(?<![\w.-]){re.escape(base)}(?![\w-])", text) is not None


def parents(sites: Sequence[Site]) -> list[int]:
    """For sites sorted by start, the index of the innermost site holding each one (-1: none)."""
    found: list[int] = []
    stack: list[int] = []
    for site in sites:
        while stack and sites[stack[-1]].end < site.end:
            stack.pop()
        found.append(stack[-1] if stack else -1)
        stack.append(len(found) - 1)
    return found


def ancestors(index: int, parent: Sequence[int]) -> set[int]:
    """Every site holding site ``index``."""
    found: set[int] = set()
    current = parent[index]
    while current >= 0:
        found.add(current)
        current = parent[current]
    return found


def _seed(sites: Sequence[Site], names: set[str], rows: set[int]) -> set[int]:
    kept = {index for index, site in enumerate(sites) if site.name and site.name in names}
    for row in rows:
        # Sites are sorted by start, so the last one holding the row is the innermost.
        holding = [index for index, site in enumerate(sites) if site.rows[0] <= row <= site.rows[1]]
        kept.update(holding[-1:])
    return kept


def select(
    sites: Sequence[Site], src: bytes, names: set[str], rows: set[int], depth: int
) -> tuple[set[int], set[int]]:
    """``(named, kept)``: sites named directly, and those plus callers/callees up to ``depth`` hops.

    A site holding a kept one is not its caller: it only contains its definition.
    """
    seeds = _seed(sites, names, rows)
    kept = set(seeds)
    if not kept or depth <= 0:
        return seeds, kept
    parent = parents(sites)
    uses = [identifiers(src[s.start : s.end].decode("utf-8", "replace")) for s in sites]
    by_name: dict[str, list[int]] = {}
    for index, site in enumerate(sites):
        if site.name:
            by_name.setdefault(site.name, []).append(index)
    frontier = set(kept)
    for _ in range(depth):
        grown: set[int] = set()
        for index in frontier:
            found = {i for callee in uses[index] & by_name.keys() for i in by_name[callee]}
            name = sites[index].name
            found.update(i for i, used in enumerate(uses) if name and name in used)
            grown |= found - ancestors(index, parent)
        frontier = grown - kept
        kept |= grown
        if not frontier:
            break
    return seeds, kept
