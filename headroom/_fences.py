"""Closing code fences found without rescanning the text for every opener.

A parser that looks for an opener's closer line by line pays the rest of the text for each
unclosed opener: a transcript of ```` ```python ```` lines that never close cost seconds.
:class:`FenceIndex` lists the candidate closers once and remembers which fences found none.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable

FENCE_CHARS = "`~"
_MIN_RUN = 3


class FenceIndex:
    """Where the fence opened at a line closes; queries must come in increasing line order.

    ``bare``: a closer holds nothing but fence characters (CommonMark, the router); otherwise a
    closer only has to start with the opener's run (the prose parser's looser rule).
    """

    def __init__(self, lines: Iterable[str], bare: bool) -> None:
        self._lines: dict[str, list[int]] = {char: [] for char in FENCE_CHARS}
        self._runs: dict[str, list[int]] = {char: [] for char in FENCE_CHARS}
        for index, line in enumerate(lines):
            head = line.lstrip()[:1]
            if not head or head not in FENCE_CHARS:  # most lines: no strip, no call
                continue
            run = _run(line.strip(), bare)
            if run:
                self._lines[head].append(index)
                self._runs[head].append(run)
        self._unclosed = dict.fromkeys(FENCE_CHARS, math.inf)

    def closer(self, fence: str, after: int) -> int | None:
        """Index of the first line after ``after`` that closes ``fence``; None when none does.

        A fence that finds no closer from ``after`` on finds none from any later line either,
        nor does a longer run of the same character: both are answered without a scan.
        """
        char, length = fence[0], len(fence)
        if length >= self._unclosed[char]:
            return None
        lines, runs = self._lines[char], self._runs[char]
        for position in range(bisect.bisect_right(lines, after), len(lines)):
            if runs[position] >= length:
                return lines[position]
        self._unclosed[char] = length
        return None


def _run(stripped: str, bare: bool) -> int:
    """Length of the leading fence run of a stripped line (0 when it cannot close a fence)."""
    if not stripped or stripped[0] not in FENCE_CHARS:
        return 0
    run = len(stripped) - len(stripped.lstrip(stripped[0]))
    if run < _MIN_RUN or (bare and run != len(stripped)):
        return 0
    return run
