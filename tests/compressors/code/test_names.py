"""Skeleton mode keeps every top-level, class-level and object-literal member name, and parses.

One tiny fixture per language and shape. Each names the definitions it holds; the test asserts
that the skeleton still defines each of them (by its own parse), that the names appear in the
text, that something was elided, and that the skeleton parses as well as the input.
"""

from __future__ import annotations

from collections import Counter

import pytest

from headroom.ccr import MemoryStore, to_text
from headroom.compressors._code import compressor as _code
from headroom.compressors._base import CompressContext
from headroom.compressors._code.compressor import CodeCompressor, _parser
from headroom.compressors._code.langs import detect_language, spec_for
from headroom.compressors._code.names import definitions, is_wrapper
from headroom.compressors._code.skeleton import error_count
from headroom.policy import Policy


def _lines(count: int, indent: str, stmt: str) -> str:
    return "\n".join(indent + stmt.format(i=i) for i in range(count))


JS_RUN = _lines(5, "", "console.log('setup {i}');")
JS_BODY = _lines(4, "    ", "total += step({i});")

SHAPES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "js prototype object literal": (
        "proto.js",
        f"{JS_RUN}\nfunction Editor() {{\n{JS_BODY}\n}}\nEditor.prototype = {{\n"
        f"  focus: function() {{\n{JS_BODY}\n  }},\n  blur() {{\n{JS_BODY}\n  }},\n  mode: 'text'\n}};\n{JS_RUN}\n",
        ("Editor", "focus", "blur", "mode"),
    ),
    "js module.exports literal": (
        "exports.js",
        f"{JS_RUN}\nmodule.exports = {{\n  parse(text) {{\n{JS_BODY}\n  }},\n"
        f"  render: function render(tree) {{\n{JS_BODY}\n  }},\n}};\n{JS_RUN}\n",
        ("parse", "render"),
    ),
    "js export default literal": (
        "component.js",
        f"export default {{\n  name: 'panel',\n  data() {{\n{JS_BODY}\n  }},\n"
        f"  methods: {{\n    open() {{\n{JS_BODY}\n    }},\n    close() {{\n{JS_BODY}\n    }},\n  }},\n}};\n",
        ("name", "data", "methods", "open", "close"),
    ),
    "js assigned members in a run": (
        "app.js",
        f"{JS_RUN}\napp.init = function init() {{\n{JS_BODY}\n}};\n"
        f"app.listen = function () {{\n{JS_BODY}\n}};\n{JS_RUN}\n",
        ("init", "listen"),
    ),
    "js umd factory": (
        "umd.js",
        "(function (root, factory) {\n  if (typeof define === 'function') {\n    define(factory);\n"
        "  } else {\n    root.Lib = factory();\n  }\n})(this, function () {\n"
        f"  'use strict';\n{_lines(5, '  ', 'var v{i} = {i};')}\n  function helper(x) {{\n{JS_BODY}\n  }}\n"
        f"  var Lib = {{}};\n  Lib.prototype = {{\n    on: function (name) {{\n{JS_BODY}\n    }},\n"
        f"    off(name) {{\n{JS_BODY}\n    }},\n  }};\n  return Lib;\n}});\n",
        ("helper", "Lib", "on", "off"),
    ),
    "js iife revealing module": (
        "module.js",
        f"var Store = (function () {{\n  function Store() {{\n{JS_BODY}\n  }}\n"
        f"  Store.prototype.get = function (key) {{\n{JS_BODY}\n  }};\n"
        f"  Store.prototype.put = function (key) {{\n{JS_BODY}\n  }};\n  return Store;\n}})();\n",
        ("Store", "get", "put"),
    ),
    "ts class and object": (
        "svc.ts",
        f"export class Service {{\n  private cache: Map<string, number> = new Map();\n"
        f"  fetch(id: string): number {{\n{JS_BODY}\n    return 0;\n  }}\n}}\n"
        f"export const handlers = {{\n  start(): void {{\n{JS_BODY}\n  }},\n}};\n",
        ("Service", "cache", "fetch", "handlers", "start"),
    ),
    "python def under if, nested and decorated": (
        "mod.py",
        "import sys\n\nif sys.version_info >= (3, 8):\n    def compat(x):\n"
        + _lines(4, "        ", "x = x + {i}")
        + "\n        return x\nelse:\n    def compat(x):\n"
        + _lines(4, "        ", "x = x - {i}")
        + "\n        return x\n\nclass Outer:\n    class Inner:\n        def deep(self):\n"
        + _lines(4, "            ", "self.v{i} = {i}")
        + "\n\n    @property\n    def size(self):\n"
        + _lines(4, "        ", "n = {i}")
        + "\n        return n\n\n    @staticmethod\n    def make():\n"
        + _lines(4, "        ", "m = {i}")
        + "\n        return m\n",
        ("compat", "Outer", "Inner", "deep", "size", "make"),
    ),
    "cpp out-of-class definitions": (
        "widget.cc",
        "#include <string>\n\nnamespace ui {\nclass Widget {\n public:\n  void draw();\n  int size() const;\n};\n\n"
        "void Widget::draw() {\n" + _lines(4, "  ", "int a{i} = {i};") + "\n}\n\n"
        "int Widget::size() const {\n"
        + _lines(4, "  ", "int b{i} = {i};")
        + "\n  return 0;\n}\n}  // namespace ui\n",
        ("Widget", "draw", "size"),
    ),
    "go methods": (
        "server.go",
        "package srv\n\ntype Server struct {\n\tAddr string\n}\n\nfunc (s *Server) Start() error {\n"
        + _lines(4, "\t", "x{i} := {i}")
        + "\n\treturn nil\n}\n\nfunc (s Server) Name() string {\n"
        + _lines(4, "\t", "y{i} := {i}")
        + '\n\treturn ""\n}\n',
        ("Server", "Addr", "Start", "Name"),
    ),
    "rust impl items": (
        "lib.rs",
        "pub struct Parser {\n    pos: usize,\n}\n\nimpl Parser {\n    pub fn new() -> Self {\n"
        + _lines(4, "        ", "let a{i} = {i};")
        + "\n        Parser { pos: 0 }\n    }\n\n    fn step(&mut self) {\n"
        + _lines(4, "        ", "self.pos += {i};")
        + "\n    }\n}\n\ntrait Walk {\n    fn walk(&self);\n}\n",
        ("Parser", "pos", "new", "step", "Walk", "walk"),
    ),
    "kotlin members": (
        "Repo.kt",
        "class Repo(val name: String) {\n    val size: Int = 0\n    fun load(): Int {\n"
        + _lines(4, "        ", "val a{i} = {i}")
        + "\n        return 0\n    }\n    companion object {\n        fun create(): Repo {\n"
        + _lines(4, "            ", "val b{i} = {i}")
        + '\n            return Repo("x")\n        }\n    }\n}\n',
        ("Repo", "size", "load", "create"),
    ),
    "swift class and extension": (
        "Session.swift",
        "import Foundation\n\nclass Session {\n    let queue: Int = 0\n    init() {\n"
        + _lines(4, "        ", "let a{i} = {i}")
        + "\n    }\n    func start() -> Int {\n"
        + _lines(4, "        ", "let b{i} = {i}")
        + "\n        return 0\n    }\n}\n\nextension Session {\n    func stop() {\n"
        + _lines(4, "        ", "let c{i} = {i}")
        + "\n    }\n}\n",
        ("Session", "queue", "start", "stop"),
    ),
    "scala object and class": (
        "Codec.scala",
        "package codec\n\nobject Codec {\n  val version = 1\n  def encode(x: Int): String = {\n"
        + _lines(4, "    ", "val a{i} = {i}")
        + '\n    ""\n  }\n}\n\nclass Reader(n: Int) {\n  def read(): Int = {\n'
        + _lines(4, "    ", "val b{i} = {i}")
        + "\n    0\n  }\n}\n",
        ("Codec", "version", "encode", "Reader", "read"),
    ),
    "csharp members": (
        "Mapper.cs",
        "namespace Data {\n  public class Mapper {\n    public int Count { get; set; }\n    private int cache;\n"
        "    public Mapper() {\n" + _lines(4, "      ", "int a{i} = {i};") + "\n    }\n"
        "    public int Map(int x) {\n"
        + _lines(4, "      ", "int b{i} = {i};")
        + "\n      return x;\n    }\n  }\n}\n",
        ("Mapper", "Count", "cache", "Map"),
    ),
    "php class methods": (
        "Client.php",
        "<?php\nclass Client {\n    private $base = '';\n    const VERSION = 1;\n    public function send($r) {\n"
        + _lines(4, "        ", "$a{i} = {i};")
        + "\n        return $r;\n    }\n}\nfunction helper() {\n"
        + _lines(4, "    ", "$b{i} = {i};")
        + "\n}\n",
        ("Client", "base", "VERSION", "send", "helper"),
    ),
    "ruby defs in a block": (
        "concern.rb",
        "module Tracking\n  extend ActiveSupport::Concern\n  included do\n    def track\n"
        + _lines(4, "      ", "a{i} = {i}")
        + "\n    end\n  end\n\n  def report\n"
        + _lines(4, "    ", "b{i} = {i}")
        + "\n  end\nend\n",
        ("Tracking", "track", "report"),
    ),
    "bash function under if": (
        "setup.sh",
        "#!/bin/bash\n"
        + _lines(5, "", "echo step{i}")
        + '\nif [ -n "$ZSH_VERSION" ]; then\n  setup_zsh() {\n'
        + _lines(4, "    ", "echo zsh{i}")
        + "\n  }\nfi\n"
        + _lines(5, "", "echo done{i}")
        + "\n",
        ("setup_zsh",),
    ),
}


def _skeleton(name: str, text: str) -> tuple[str, str | None]:
    ctx = CompressContext(store=MemoryStore(), filename=name)
    out = CodeCompressor().compress(text, Policy(), ctx)
    return out.text, out.reason


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_member_name_survives_and_the_skeleton_parses(shape: str) -> None:
    name, text, expected = SHAPES[shape]
    lang = detect_language(text, name)
    assert lang is not None
    spec = spec_for(lang)
    src = text.encode()
    before = _parser(spec.grammar).parse(src).root_node
    assert not before.has_error, "the fixture itself must parse"
    defined = definitions(before, src, spec)
    assert set(expected) <= set(defined), f"fixture names not read from the parse: {defined}"
    out, reason = _skeleton(name, text)
    assert reason is None and out != text, f"nothing was elided: {reason}"
    skeleton = out.encode()
    after = _parser(spec.grammar).parse(skeleton).root_node
    assert error_count(after) == 0 if after.has_error else True
    lost = Counter(defined) - Counter(definitions(after, skeleton, spec))
    assert not lost, f"names lost: {dict(lost)}\n{out}"
    for member in expected:
        assert member in out


def test_a_wrapper_is_an_invoked_or_passed_function_at_module_level() -> None:
    spec = spec_for("javascript")
    src = (
        b"(function () { a(); })();\ndefine(['x'], function (x) { b(); });\n"
        b"function outer() { (function () { c(); })(); }\nvar f = function () { d(); };\n"
    )
    root = _parser(spec.grammar).parse(src).root_node
    found: list[bool] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type == "function_expression":
            found.append(is_wrapper(node, spec))
        stack.extend(node.named_children)
    # In source order: the IIFE, the AMD factory, the IIFE inside a function, the bound function.
    assert sorted(found) == [False, False, True, True]


def test_a_site_that_breaks_the_parse_is_kept_and_the_others_still_go(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = _lines(5, "  ", "total += {i};")
    text = "".join(f"function f{n}() {{\n{body}\n}}\n\n" for n in range(8))
    real = _code.replacement

    def breaking(site, spec, marker, critical):  # type: ignore[no-untyped-def]
        return "{{ (" if site.name == "f5" else real(site, spec, marker, critical)

    monkeypatch.setattr(_code, "replacement", breaking)
    store = MemoryStore()
    out = CodeCompressor().compress(text, Policy(), CompressContext(store=store, filename="f.js"))
    assert out.reason is None
    assert body in out.text  # f5 kept whole
    assert len(out.elisions) == 7
    root = _parser("javascript").parse(out.text.encode()).root_node
    assert not root.has_error
    assert to_text(store.get(out.elisions[0].key)) == text


@pytest.mark.parametrize(
    ("name", "text", "lang"),
    [
        ("fmt.h", "#include <string>\nnamespace fmt {\ntemplate <typename T> struct S {};\n}\n", "cpp"),
        ("list.h", "#include <stdio.h>\nstruct node { int v; };\nint count(struct node *n);\n", "c"),
        ("a.swift", "import Foundation\nfunc f() {}\n", "swift"),
        ("a.scala", "object A { def f = 1 }\n", "scala"),
        (
            None,
            "import Foundation\n\nfunc load() -> Int {\n  guard let x = y else { return 0 }\n}\n",
            "swift",
        ),
        (None, "object Main {\n  def run(args: Array[String]): Unit = {\n    println(1)\n  }\n}\n", "scala"),
    ],
)
def test_languages_added_are_detected(name: str | None, text: str, lang: str) -> None:
    assert detect_language(text, name) == lang


def test_a_documented_method_beside_an_unrelated_syntax_error_is_still_elided() -> None:
    # The merged doc-comment-and-body site spans the class node that holds the error; only an
    # error inside the site's own bytes may keep it.
    body = _lines(5, "    ", "total += {i};")
    text = (
        "class Box {\n  broken() {\n    let = = 1;\n  }\n\n"
        + "".join(
            f"  /**\n   * Opens lid {n}.\n   * Second line.\n   */\n  open{n}() {{\n{body}\n  }}\n\n"
            for n in range(5)
        )
        + "}\n"
    )
    out, reason = _skeleton("box.js", text)
    assert reason is None
    assert body not in out and all(f"open{n}()" in out for n in range(5))


def test_bash_function_bodies_are_elided_and_the_closing_brace_stays() -> None:
    body = _lines(5, "  ", "echo line{i}")
    text = "#!/bin/bash\n{\n" + "".join(f"step{n}() {{\n{body}\n}}\n\n" for n in range(3)) + "}\n"
    out, reason = _skeleton("install.sh", text)
    assert reason is None
    assert body not in out and all(f"step{n}()" in out for n in range(3))
    assert not _parser("bash").parse(out.encode()).root_node.has_error
