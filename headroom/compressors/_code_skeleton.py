"""Skeleton planning on a tree-sitter tree: which function bodies and top-level runs may go.

The planner only finds *sites* (byte spans with exact line counts); the compressor decides
which sites to elide (query-aware) and renders markers as comments in the language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal

from headroom.compressors._code_langs import LangSpec

Node = Any  # tree_sitter.Node; kept loose so the module type-checks without the package stubs

_BODY_TYPES = frozenset(
    {"block", "compound_statement", "statement_block", "function_body", "constructor_body", "body_statement"}
)
_NAME_TYPES = frozenset(
    {"identifier", "field_identifier", "property_identifier", "simple_identifier", "name", "constant"}
)
_HEADER_NAME = re.compile(r"([A-Za-z_$][\w$]*)\s*(?:<[^<>()]*>)?\s*\(")
_OPENERS = {"{": "}", "(": ")"}


@dataclass(frozen=True)
class Site:
    """A removable span: a function body interior or a run of top-level statements."""

    kind: Literal["body", "run"]
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
    """Python: the docstring summary kept in place of the docstring."""
    node: Node = None
    """The body node (for line pruning when the body is kept)."""


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


def symbol_name(node: Node, src: bytes) -> str:
    """The declared name of a function-like node ("" for anonymous ones)."""
    named = node.child_by_field_name("name")
    if named is not None:
        return _text(named, src)
    parent = node.parent
    for field in ("name", "left", "key"):
        holder = parent.child_by_field_name(field) if parent is not None else None
        if holder is not None and holder.type in _NAME_TYPES | {"variable_name", "property_identifier"}:
            return _text(holder, src).lstrip("$")
    for child in node.named_children:
        if child.type in _NAME_TYPES:
            return _text(child, src)
    body = body_of(node)
    header = src[node.start_byte : body.start_byte if body is not None else node.end_byte]
    match = _HEADER_NAME.search(header.decode("utf-8", "replace"))
    return match.group(1) if match else ""


def body_of(node: Node) -> Node | None:
    """The body node of a function-like node, if it has one."""
    body = node.child_by_field_name("body")
    if body is not None:
        return body
    for child in node.named_children:
        if child.type in _BODY_TYPES:
            return child
    return None


def _text(node: Node, src: bytes) -> str:
    return src[node.start_byte : node.end_byte].decode("utf-8", "replace")


def _brace_interior(node: Node) -> tuple[int, int] | None:
    """Bytes strictly between the first opening and the last closing brace child."""
    children = node.children
    opener = next((c for c in children if c.type in _OPENERS), None)
    if opener is None:
        return None
    closer = next((c for c in reversed(children) if c.type == _OPENERS[opener.type]), None)
    if closer is None or closer.start_byte <= opener.end_byte:
        return None
    return opener.end_byte, closer.start_byte


def docstring_summary(body: Node, src: bytes) -> tuple[str, int]:
    """Python: ``('\"\"\"Summary.\"\"\"', rows)`` for a leading docstring, else ``('', 0)``."""
    first = body.named_children[0] if body.named_children else None
    if first is None or first.type != "expression_statement" or len(first.named_children) != 1:
        return "", 0
    string = first.named_children[0]
    if string.type != "string":
        return "", 0
    raw = _text(string, src)
    match = re.match(r"([rRbBuU]{0,2})(\"\"\"|'''|\"|')", raw)
    if match is None:
        return "", 0
    prefix, quote = match.groups()
    inner = raw[match.end() :]
    lines = [line.strip() for line in inner.split("\n")]
    summary = next((line for line in lines if line and line != quote), "")
    summary = summary.removesuffix(quote).rstrip("\\\"'").strip()
    if not summary:
        return "", 0
    return f"{prefix.replace('b', '').replace('B', '')}{quote}{summary}{quote}", 1


def body_site(node: Node, src: bytes, spec: LangSpec) -> Site | None:
    """The removable interior of a function-like node's body, if it spans several lines."""
    body = body_of(node)
    rows = (node.start_point.row, node.end_point.row)
    indent = line_indent(src, node.start_byte)
    name = symbol_name(node, src)
    if spec.style in ("python", "ruby"):
        if body is None or body.start_point.row <= node.start_point.row or not body.named_children:
            return None
        doc, doc_rows = docstring_summary(body, src) if spec.style == "python" else ("", 0)
        lines = removed_lines(src, body.start_byte, body.end_byte) - doc_rows
        start = body.start_byte
        return Site("body", name, start, body.end_byte, lines, rows, line_indent(src, start), doc, body)
    span = _brace_interior(body if body is not None else node)
    if span is None:
        return None
    lines = removed_lines(src, *span)
    return Site("body", name, span[0], span[1], lines, rows, indent, "", body)


def _is_run_statement(node: Node, src: bytes, spec: LangSpec, keep: re.Pattern[str] | None) -> bool:
    if node.type not in spec.statements:
        return False
    return keep is None or keep.search(_text(node, src)) is None


def collect(root: Node, src: bytes, spec: LangSpec) -> tuple[list[Site], list[Site]]:
    """``(function body sites, top-level statement runs)`` in source order."""
    bodies: list[Site] = []
    runs: list[Site] = []
    keep = re.compile(spec.keep, re.MULTILINE) if spec.keep else None
    run: list[Node] = []
    for child in root.named_children:
        if child.type == "comment" and run:
            run.append(child)
            continue
        if _is_run_statement(child, src, spec, keep):
            run.append(child)
            # Bodies inside a run are still sites: the run may be too short to elide whole.
            _find_bodies(child, src, spec, bodies)
            continue
        _close_run(run, src, runs)
        run = []
        _find_bodies(child, src, spec, bodies)
    _close_run(run, src, runs)
    bodies.sort(key=lambda site: site.start)
    return bodies, runs


def _close_run(run: list[Node], src: bytes, runs: list[Site]) -> None:
    while run and run[-1].type == "comment":
        run.pop()
    if not run:
        return
    first, last = run[0], run[-1]
    lines = removed_lines(src, first.start_byte, last.end_byte)
    rows = (first.start_point.row, last.end_point.row)
    runs.append(Site("run", "", first.start_byte, last.end_byte, lines, rows, line_indent(src, first.start_byte)))


def _find_bodies(node: Node, src: bytes, spec: LangSpec, out: list[Site]) -> None:
    # Iterative, outermost-first: a function's own body is elided whole, so nested ones are skipped.
    stack = [node]
    while stack:
        current = stack.pop()
        if current.start_point.row == current.end_point.row:
            continue
        if current.type in spec.functions:
            site = body_site(current, src, spec)
            if site is not None:
                out.append(site)
                continue
        stack.extend(reversed(current.named_children))


def error_count(node: Node) -> int:
    """ERROR and MISSING nodes in a tree, visiting only subtrees that hold errors."""
    count = 0
    stack = [node]
    while stack:
        current = stack.pop()
        if current.is_error or current.is_missing:
            count += 1
        stack.extend(child for child in current.children if child.has_error or child.is_missing)
    return count
