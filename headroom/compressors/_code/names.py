"""The names a skeleton must keep, read from a tree-sitter parse: every definition outside local scope.

A *definition* is a named function or method, a type (class, struct, trait, impl, object,
module, namespace, …), a member (field, property, constant) or an object-literal key. *Local
scope* is the body of a function-like node, unless that function is a *module wrapper*: an
immediately invoked function (``(function(){…})()``) or a factory handed to a top-level call
(UMD's ``(function(root, factory){…})(this, function(){…})``, AMD's ``define([…], function(){…})``).
A wrapper's body is the module: its definitions count like top-level ones.

The compressor uses :func:`defines_names` to keep statements holding definitions out of
elided runs and :func:`is_wrapper` to recurse into wrapper bodies; the benchmark uses
:func:`definitions` on the input and on the skeleton to count the names kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from headroom.compressors._code.langs import LangSpec
from headroom.compressors._code.site import Node, text_of

_TYPE = re.compile(
    r"class|struct|enum|interface|trait|module|mod_item|type_spec|type_alias|type_item|namespace"
    r"|object|impl_item|protocol|extension|union|record"
)
_MEMBER = re.compile(
    r"^(?:pair|\w*property_declaration|property_signature|method_signature|\w*field_declaration"
    r"|\w*field_definition|val_definition|var_definition|function_declaration|function_signature_item"
    r"|protocol_function_declaration|const_declaration|enum_constant|simple_enum_case|const_item|static_item)$"
)
_NOT_DEFINITION = re.compile(r"_(?:expression|literal|pattern|identifier|body|list|arguments|clause|type)$")
_IDENTIFIERS = frozenset(
    {"identifier", "field_identifier", "property_identifier", "simple_identifier", "name", "constant"}
    | {"type_identifier", "variable_name", "bound_identifier", "word"}
)
_SKIP_FIELDS = frozenset({"type", "returns", "return_type", "parameters", "body", "value"})
_ANONYMOUS = frozenset({"function_expression", "function", "arrow_function"})
# Nodes a wrapper passes through on its way to a top-level statement.
_WRAP_CHAIN = frozenset(
    {"parenthesized_expression", "call_expression", "arguments", "unary_expression", "member_expression"}
    | {"sequence_expression", "assignment_expression", "variable_declarator", "await_expression"}
)
_STATEMENTS = frozenset({"expression_statement", "lexical_declaration", "variable_declaration"})


def is_definition(node: Node, spec: LangSpec) -> bool:
    """Whether ``node`` defines a name (by its type; the name itself may still be missing)."""
    kind = node.type
    if kind in spec.functions:
        return True
    return _MEMBER.match(kind) is not None or (
        _TYPE.search(kind) is not None and _NOT_DEFINITION.search(kind) is None
    )


def _module_variable(node: Node, spec: LangSpec) -> bool:
    """A variable declared by a statement of the module (or of a wrapper's body, or exported)."""
    if node.type != "variable_declarator" or node.parent is None:
        return False
    holder = node.parent.parent
    if holder is None or holder.type in ("program", "export_statement"):
        return True
    return holder.type == "statement_block" and holder.parent is not None and is_wrapper(holder.parent, spec)


def name_node(node: Node, spec: LangSpec) -> Node | None:
    """The node holding the name a definition declares, or ``None`` (anonymous)."""
    if node.type == "impl_item":
        return node.child_by_field_name("type")
    for field in ("name", "key", "declarator", "pattern"):
        child = node.child_by_field_name(field)
        if child is not None:
            return _innermost(child)
    if node.type in _ANONYMOUS or (node.type in spec.functions and "lambda" in node.type):
        return _bound_node(node)
    return _first_identifier(node, 3)


def _innermost(node: Node) -> Node:
    for _ in range(8):
        inner = node.child_by_field_name("declarator") or node.child_by_field_name("name")
        if inner is None:
            break
        node = inner
    return node


def _first_identifier(node: Node, depth: int) -> Node | None:
    for index, child in enumerate(node.children):
        if not child.is_named or node.field_name_for_child(index) in _SKIP_FIELDS:
            continue
        if child.type in _IDENTIFIERS:
            return child
        if depth > 1 and re.search(r"declarat|element|pattern|variable", child.type):
            found = _first_identifier(child, depth - 1)
            if found is not None:
                return found
    return None


def _bound_node(node: Node) -> Node | None:
    """The variable, property or key an anonymous function is assigned to."""
    holder = node.parent
    while holder is not None and holder.type in ("parenthesized_expression", "as_expression"):
        holder = holder.parent
    if holder is None:
        return None
    for field in ("name", "left"):
        target = holder.child_by_field_name(field)
        if target is not None:
            return target.child_by_field_name("property") or target
    return None  # a pair's key is the pair's own definition


def is_wrapper(node: Node, spec: LangSpec) -> bool:
    """Whether a function node is a module wrapper whose body is module scope (see the module doc)."""
    if node.type not in _ANONYMOUS or spec.style != "brace":
        return False
    current = node
    while current.parent is not None and current.parent.type in _WRAP_CHAIN:
        current = current.parent
    holder = current.parent
    if holder is None or holder.type not in _STATEMENTS or not _invoked_or_passed(node):
        return False
    return _module_level(holder, spec)


def _invoked_or_passed(node: Node) -> bool:
    current = node
    while current.parent is not None and current.parent.type == "parenthesized_expression":
        current = current.parent
    parent = current.parent
    if parent is None:
        return False
    if parent.type == "arguments":
        return True
    if parent.type == "member_expression":  # (function(){…}).call(this)
        current, parent = parent, parent.parent
    return (
        parent is not None
        and parent.type == "call_expression"
        and parent.child_by_field_name("function") == current
    )


def _module_level(node: Node, spec: LangSpec) -> bool:
    """Whether no function encloses ``node`` other than module wrappers."""
    current = node.parent
    while current is not None:
        if current.type in spec.functions:
            return is_wrapper(current, spec)
        current = current.parent
    return True


def definitions(root: Node, src: bytes, spec: LangSpec) -> list[str]:
    """Every name defined outside local scope under ``root``, one entry per definition."""
    seen: dict[int, str] = {}
    for node in _module_scope(root, spec):
        if node.parent is not None and (is_definition(node, spec) or _module_variable(node, spec)):
            named = name_node(node, spec)
            if named is not None:
                name = text_of(named, src).strip().strip("\"'`$")
                if name:
                    seen.setdefault(named.start_byte, name)
    return list(seen.values())


def defines_names(node: Node, src: bytes, spec: LangSpec) -> bool:
    """Whether ``node`` or anything in it outside local scope defines a name."""
    return bool(definitions(node, src, spec))


def _module_scope(root: Node, spec: LangSpec) -> Iterator[Node]:
    """Nodes under ``root`` (itself included) that are not inside a local function body."""
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        children = node.named_children
        if node.type in spec.functions and not is_wrapper(node, spec):
            body = node.child_by_field_name("body")
            children = [c for c in children if body is None or c != body]
            if body is None:  # grammars without a body field: the block child is the body
                children = [c for c in children if "block" not in c.type and "body" not in c.type]
        stack.extend(reversed(children))
