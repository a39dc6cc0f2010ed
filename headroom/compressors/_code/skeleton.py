"""Skeleton planning on a tree-sitter tree: which function bodies and top-level runs may go.

The planner only finds *sites* (byte spans with exact line counts); the compressor decides
which sites to elide (query-aware) and renders markers as comments in the language.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from headroom.compressors._code.langs import LangSpec
from headroom.compressors._code.names import defines_names, is_wrapper
from headroom.compressors._code.site import Node, Site, line_indent, removed_lines, starts_line, text_of
from headroom.compressors._code.types import type_body_site

_BODY_TYPES = frozenset(
    {"block", "compound_statement", "statement_block", "function_body", "constructor_body", "body_statement"}
)
_NAME_TYPES = frozenset(
    {"identifier", "field_identifier", "property_identifier", "simple_identifier", "name", "constant"}
)
_BINDING_TYPES = _NAME_TYPES | frozenset({"variable_name", "member_expression", "attribute"})
# Wrappers a function passes through on its way to a binding: call arguments (hooks such as
# ``useCallback(fn, deps)``), parentheses and type assertions.
_PASS_THROUGH = frozenset(
    {"arguments", "call_expression", "parenthesized_expression", "as_expression", "satisfies_expression"}
    | {"non_null_expression", "await_expression"}
)
_ANONYMOUS = frozenset({"arrow_function", "function_expression", "function", "func_literal"})
_LAST_NAME = re.compile(r"([A-Za-z_$][\w$]*)\s*$")
_HEADER_NAME = re.compile(r"([A-Za-z_$][\w$]*)\s*(?:<[^<>()]*>)?\s*\(")
_OPENERS = {"{": "}", "(": ")"}


def symbol_name(node: Node, src: bytes) -> str:
    """The declared name of a function-like node ("" for anonymous ones)."""
    name = bound_name(node, src)
    if name or node.type in _ANONYMOUS:
        return name
    for child in node.named_children:
        if child.type in _NAME_TYPES:
            return text_of(child, src)
    body = body_of(node)
    header = src[node.start_byte : body.start_byte if body is not None else node.end_byte]
    match = _HEADER_NAME.search(header.decode("utf-8", "replace"))
    return match.group(1) if match else ""


def bound_name(node: Node, src: bytes) -> str:
    """The name a function is declared or bound under: its own name, or the variable, property,
    key or field it is assigned to (``const f = useCallback(() => {…})`` names the arrow ``f``)."""
    named = node.child_by_field_name("name")
    if named is not None:
        return text_of(named, src)
    holder = node.parent
    for _ in range(4):
        if holder is None or holder.type not in _PASS_THROUGH:
            break
        holder = holder.parent
    if holder is None:
        return ""
    for field in ("name", "left", "key", "property"):
        target = holder.child_by_field_name(field)
        if target is not None and target.type in _BINDING_TYPES:
            found = _LAST_NAME.search(text_of(target, src))
            return found.group(1).lstrip("$") if found else ""
    return ""


def body_of(node: Node) -> Node | None:
    """The body node of a function-like node, if it has one."""
    body = node.child_by_field_name("body")
    if body is not None:
        return body
    for child in node.named_children:
        if child.type in _BODY_TYPES:
            return child
    return None


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
    string = _docstring_node(body)
    if string is None:
        return "", 0
    raw = text_of(string, src)
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
    return keep is None or keep.search(text_of(node, src)) is None


def collect(root: Node, src: bytes, spec: LangSpec) -> tuple[list[Site], list[Site], list[Site]]:
    """``(function body sites, top-level statement runs, long doc comments)`` in source order."""
    docs: list[Site] = []
    doc_sites(root, src, spec, docs)
    bodies: list[Site] = []
    runs: list[Site] = []
    keep = re.compile(spec.keep, re.MULTILINE) if spec.keep else None
    _scan(root, _Scan(src, spec, keep, bodies, runs, docs))
    bodies.sort(key=lambda site: site.start)
    runs.sort(key=lambda site: site.start)
    docs.sort(key=lambda site: site.start)
    return bodies, runs, docs


@dataclass(frozen=True)
class _Scan:
    """What one skeleton scan reads and the site lists it fills."""

    src: bytes
    spec: LangSpec
    keep: re.Pattern[str] | None
    bodies: list[Site]
    runs: list[Site]
    docs: list[Site]


def _scan(container: Node, scan: _Scan) -> None:
    """Module-scope statements of ``container``: runs of executable ones, and the bodies in all.

    A statement that defines a name outside local scope (``X.prototype = {…}``, a ``def`` under
    ``if``) never joins a run: its definitions stay and only their bodies may go.
    """
    src, spec = scan.src, scan.spec
    run: list[Node] = []
    for child in container.named_children:
        if child.type == "comment" and run:
            run.append(child)
            continue
        if _is_run_statement(child, src, spec, scan.keep) and not defines_names(child, src, spec):
            run.append(child)
            # Bodies inside a run are still sites: the run may be too short to elide whole.
            _find_bodies(child, scan)
            continue
        _close_run(run, src, scan.runs)
        run = []
        _find_bodies(child, scan)
    _close_run(run, src, scan.runs)


def _close_run(run: list[Node], src: bytes, runs: list[Site]) -> None:
    while run and run[-1].type == "comment":
        run.pop()
    if not run:
        return
    first, last = run[0], run[-1]
    lines = removed_lines(src, first.start_byte, last.end_byte)
    rows = (first.start_point.row, last.end_point.row)
    runs.append(
        Site("run", "", first.start_byte, last.end_byte, lines, rows, line_indent(src, first.start_byte))
    )


def _find_bodies(node: Node, scan: _Scan) -> None:
    # Iterative. Nested functions are sites too (a query may name one inside a kept outer body);
    # doc comments and type bodies are only collected outside functions. A module wrapper's body
    # (an IIFE, a UMD factory) is module scope: it is scanned like the file, never elided whole.
    src, spec, docs = scan.src, scan.spec, scan.docs
    stack: list[tuple[Node, bool]] = [(node, False)]
    while stack:
        current, inside = stack.pop()
        if current.start_point.row == current.end_point.row:
            continue
        if current.type in spec.functions:
            body = body_of(current)
            if not inside and body is not None and is_wrapper(current, spec):
                doc_sites(body, src, spec, docs)
                _scan(body, scan)
                continue
            site = body_site(current, src, spec)
            if site is not None:
                scan.bodies.append(site)
                inside = True
        if not inside:
            typed = type_body_site(current, src, spec)
            if typed is not None:
                docs.append(typed)  # its comments are gone: no doc site inside it
            else:
                doc_sites(current, src, spec, docs)
        stack.extend((child, inside) for child in reversed(current.named_children))


def doc_sites(node: Node, src: bytes, spec: LangSpec, out: list[Site]) -> None:
    """Long doc comments among ``node``'s children, cut down to their first line."""
    group: list[Node] = []
    for child in node.named_children:
        if "comment" in child.type and starts_line(child, src):
            if group and child.start_point.row > group[-1].end_point.row + 1:
                _close_group(group, src, spec, out)
                group = []
            group.append(child)
            continue
        _close_group(group, src, spec, out)
        group = []
    _close_group(group, src, spec, out)
    if spec.style == "python" and node.type in ("module", "block"):
        _python_docstring(node, src, out)


def _close_group(group: list[Node], src: bytes, spec: LangSpec, out: list[Site]) -> None:
    if not group:
        return
    first, last = group[0], group[-1]
    rows = (first.start_point.row, last.end_point.row)
    indent = line_indent(src, first.start_byte)
    if len(group) > 1 or not text_of(first, src).startswith("/*"):
        # Some grammars (Rust) end a line comment after its newline; the marker must not eat it.
        end = len(src[: last.end_byte].rstrip(b"\r\n"))
        start = src.find(b"\n", first.start_byte, end)
        if start > 0:
            out.append(Site("doc", "", start, end, removed_lines(src, start, end), rows, indent))
        return
    text = src[first.start_byte : first.end_byte]
    lines = text.split(b"\n")
    keep = next((i + 1 for i, line in enumerate(lines) if re.search(rb"\w", line)), 1)
    start = first.start_byte + len(b"\n".join(lines[: min(keep, 2)]))
    close = first.end_byte - 2
    if text.endswith(b"*/") and start < close and len(lines) > keep:
        out.append(Site("doc", "/*", start, close, removed_lines(src, start, close), rows, indent))


def _docstring_node(body: Node) -> Node | None:
    """Python: the string node of a leading docstring (grammars differ on the statement wrapper)."""
    first = body.named_children[0] if body.named_children else None
    if first is not None and first.type == "expression_statement" and len(first.named_children) == 1:
        first = first.named_children[0]
    return first if first is not None and first.type == "string" else None


def _python_docstring(holder: Node, src: bytes, out: list[Site]) -> None:
    string = _docstring_node(holder)
    if string is None or string.start_point.row == string.end_point.row:
        return
    summary, _ = docstring_summary(holder, src)
    lines = removed_lines(src, string.start_byte, string.end_byte) - 1
    rows = (string.start_point.row, string.end_point.row)
    indent = line_indent(src, string.start_byte)
    out.append(Site("doc", "", string.start_byte, string.end_byte, lines, rows, indent, summary or '""""""'))


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


def error_spans(node: Node) -> list[tuple[int, int]]:
    """Byte spans of the ERROR and MISSING nodes in a tree (subtrees without errors skipped)."""
    spans: list[tuple[int, int]] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if current.is_error or current.is_missing:
            spans.append((current.start_byte, current.end_byte))
            continue
        stack.extend(child for child in current.children if child.has_error or child.is_missing)
    return spans
