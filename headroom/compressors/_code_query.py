"""Query-aware selection: which function bodies the query, the conversation or a trace names."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePath

from headroom.compressors._code_site import Site

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


def _seed(sites: Sequence[Site], names: set[str], rows: set[int]) -> set[int]:
    kept: set[int] = set()
    for index, site in enumerate(sites):
        if (site.name and site.name in names) or any(site.rows[0] <= row <= site.rows[1] for row in rows):
            kept.add(index)
    return kept


def select(
    sites: Sequence[Site], src: bytes, names: set[str], rows: set[int], depth: int
) -> tuple[set[int], set[int]]:
    """``(named, kept)``: sites named directly, and those plus callers/callees up to ``depth`` hops."""
    seeds = _seed(sites, names, rows)
    kept = set(seeds)
    if not kept or depth <= 0:
        return seeds, kept
    uses = [identifiers(src[s.start : s.end].decode("utf-8", "replace")) for s in sites]
    by_name: dict[str, list[int]] = {}
    for index, site in enumerate(sites):
        if site.name:
            by_name.setdefault(site.name, []).append(index)
    frontier = set(kept)
    for _ in range(depth):
        grown: set[int] = set()
        for index in frontier:
            for callee in uses[index] & by_name.keys():
                grown.update(by_name[callee])
            name = sites[index].name
            grown.update(i for i, used in enumerate(uses) if name and name in used)
        frontier = grown - kept
        kept |= grown
        if not frontier:
            break
    return seeds, kept
