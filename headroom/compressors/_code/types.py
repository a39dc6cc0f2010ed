"""Type bodies without their comments: struct, interface and enum bodies keep every member.

A long struct whose fields each carry a comment costs more in comments than in fields. The
skeleton keeps every member line (names and types are the API) and removes the whole-line
comments inside the body, leaving one marker that counts exactly the lines removed. Comment
lines holding a critical word (error, panic, fail…) stay in place.
"""

from __future__ import annotations

from headroom.compressors._code.langs import LangSpec
from headroom.compressors._code.site import Node, Site, line_indent, starts_line, text_of
from headroom.critical import CRITICAL

_TYPE_BODIES = frozenset(
    {"field_declaration_list", "interface_type", "enum_variant_list", "interface_body", "enum_body"}
    | {"object_type", "method_spec_list"}
)
_MIN_LINES = 3
"""Fewer removable comment lines than this are not worth a marker."""


def type_body_site(node: Node, src: bytes, spec: LangSpec) -> Site | None:
    """A ``type`` site for ``node`` when it is a type body with enough whole-line comments."""
    if spec.style != "brace" or node.type not in _TYPE_BODIES:
        return None
    span = _interior(node)
    if span is None:
        return None
    rows = _comment_rows(node, src)
    if len(rows) < _MIN_LINES:
        return None
    start, end = span
    first_row = node.start_point.row + src[node.start_byte : start].count(b"\n")
    pieces = src[start:end].decode("utf-8", "surrogatepass").split("\n")
    kept = [piece for offset, piece in enumerate(pieces) if first_row + offset not in rows]
    removed = len(pieces) - len(kept)
    if not removed:
        return None
    name = _type_name(node, src)
    span_rows = (node.start_point.row, node.end_point.row)
    indent = line_indent(src, node.start_byte)
    return Site("type", name, start, end, removed, span_rows, indent, "\n".join(kept))


def _interior(node: Node) -> tuple[int, int] | None:
    opener = next((c for c in node.children if c.type == "{"), None)
    closer = next((c for c in reversed(node.children) if c.type == "}"), None)
    if opener is None or closer is None or closer.start_byte <= opener.end_byte:
        return None
    return opener.end_byte, closer.start_byte


def _comment_rows(node: Node, src: bytes) -> set[int]:
    """Rows made only of comments that are direct children of ``node`` and name nothing critical."""
    rows: set[int] = set()
    for child in node.named_children:
        if "comment" not in child.type or not starts_line(child, src):
            continue
        text = text_of(child, src)
        body = text.rstrip("\r\n")  # some grammars (Rust) end a line comment after its newline
        if _code_follows(src, child.start_byte + len(body.encode("utf-8"))) or CRITICAL.search(text):
            continue
        first = child.start_point.row
        rows.update(range(first, first + body.count("\n") + 1))
    return rows


def _code_follows(src: bytes, offset: int) -> bool:
    line_end = src.find(b"\n", offset)
    return bool(src[offset : line_end if line_end >= 0 else len(src)].strip())


def _type_name(node: Node, src: bytes) -> str:
    holder = node.parent
    for _ in range(3):
        if holder is None:
            return ""
        named = holder.child_by_field_name("name")
        if named is not None:
            return text_of(named, src)
        holder = holder.parent
    return ""
