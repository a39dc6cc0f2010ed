"""Cheap evidence that a text will not parse: its head alone holds too many syntax errors.

Text that reads as code to the detector (a log with ``def`` lines, prose with braces, a listing
with line numbers) is only found unparsable once tree-sitter has parsed all of it. The head of
a long text, cut where a top-level statement starts, parses in a fraction of that time; when the
head alone already holds more errors than the whole text may have, the rest is not parsed.
"""

from __future__ import annotations

from typing import Any

from headroom.compressors._code.skeleton import error_count

MAX_ERROR_SHARE = 50
"""A text with more than one syntax error per this many lines is unparsable (passed through)."""
_HEAD_SHARE = 8
_MIN_HEAD_LINES = 64
# A cut inside a construct adds a few errors of its own at the end of the head.
_CUT_ERRORS = 3


def too_many_errors(errors: int, lines: int) -> bool:
    """Whether ``errors`` syntax errors make a text of ``lines`` lines unparsable."""
    return errors * MAX_ERROR_SHARE > lines


def hopeless_head(text: str, parser: Any) -> str | None:
    """Why ``text`` is unparsable, judged from its head alone; ``None`` when the head cannot tell."""
    lines = text.split("\n")
    head = _head_lines(lines)
    if head is None:
        return None
    root = parser.parse("\n".join(lines[:head]).encode("utf-8", "surrogatepass")).root_node
    errors = error_count(root) if root.has_error else 0
    if not too_many_errors(errors - _CUT_ERRORS, len(lines)):
        return None
    return f"unparsable code: {errors} syntax errors in the first {head} of {len(lines)} lines"


def _head_lines(lines: list[str]) -> int | None:
    """Lines in the head: up to an eighth of the text, cut before an unindented line after a blank one."""
    want = max(_MIN_HEAD_LINES, len(lines) // _HEAD_SHARE)
    if len(lines) < 2 * want:
        return None  # the head would cost most of the whole parse
    for cut in range(want, want // 2, -1):
        if lines[cut][:1] not in ("", " ", "\t") and not lines[cut - 1].strip():
            return cut
    return None
