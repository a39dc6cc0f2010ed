"""The unit of code elision: a byte span with an exact line count, and small source helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

Node = Any  # tree_sitter.Node; kept loose so the module type-checks without the package stubs


@dataclass(frozen=True)
class Site:
    """A removable span: a function body interior, a run of statements, a long comment, or the
    comment lines of a type body (``type``: the span is rewritten as ``doc``, comments removed)."""

    kind: Literal["body", "run", "stmt", "doc", "type"]
    name: str
    """The symbol owning the body ("" for runs)."""
    start: int
    """First byte removed."""
    end: int
    """Byte after the last removed."""
    lines: int
    """Exact number of source lines whose content is removed."""
    rows: tuple[int, int]
    """First and last row of the owning node (for file:line mentions)."""
    indent: str
    """Indentation of the owning line, for multi-line replacements."""
    doc: str = ""
    """Text kept in place of the span: a Python docstring summary, or a type body without comments."""
    node: Node = None
    """The body node (for line pruning when the body is kept)."""
    inner: tuple[int, int] | None = None
    """Bytes inside the span written back verbatim (a signature between its doc comment and body)."""

    def removed(self, src: bytes) -> str:
        """The text this site takes out of ``src``."""
        if self.inner is None:
            return src[self.start : self.end].decode("utf-8", "replace")
        head, tail = src[self.start : self.inner[0]], src[self.inner[1] : self.end]
        return (head + tail).decode("utf-8", "replace")


def line_indent(src: bytes, offset: int) -> str:
    """The leading whitespace of the line holding ``offset``."""
    line_start = src.rfind(b"\n", 0, offset) + 1
    line = src[line_start:offset]
    stripped = line[: len(line) - len(line.lstrip())]
    return stripped.decode("utf-8", "replace")


def removed_lines(src: bytes, start: int, end: int) -> int:
    """Lines with content inside ``src[start:end]`` counted exactly (partial edge lines included)."""
    pieces = src[start:end].split(b"\n")
    if len(pieces) == 1:
        return 1 if pieces[0].strip() else 0
    edges = (1 if pieces[0].strip() else 0) + (1 if pieces[-1].strip() else 0)
    return len(pieces) - 2 + edges


def text_of(node: Node, src: bytes) -> str:
    """The source text of ``node``."""
    return src[node.start_byte : node.end_byte].decode("utf-8", "replace")


def starts_line(node: Node, src: bytes) -> bool:
    """Whether only whitespace precedes ``node`` on its first line."""
    line_start = src.rfind(b"\n", 0, node.start_byte) + 1
    return not src[line_start : node.start_byte].strip()
