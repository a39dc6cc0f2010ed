"""Code compressor: contract, parse validity per language, query-awareness and exact marker counts."""

from __future__ import annotations

import ast
import re

import pytest

from headroom.ccr import MemoryStore, parse_markers, to_text
from headroom.compressors._base import CompressContext
from headroom.compressors._code.compressor import CodeCompressor, _parser
from headroom.compressors._code.langs import detect_language, spec_for
from headroom.compressors._code.skeleton import error_count
from headroom.policy import CodePolicy, Policy
from headroom.testing import CompressorContract


def _body(lines: int, indent: str, stmt: str) -> str:
    return "\n".join(indent + stmt.format(i=i) for i in range(lines))


PY = f'''"""Inventory service.

Loads items and computes totals for the warehouse.
More text here.
"""
import os
from typing import Iterable


class Inventory:
    """Holds items."""

    def __init__(self, items: Iterable[int]) -> None:
        """Store the items.

        Longer description.
        """
{_body(6, "        ", "self.v{i} = list(items)")}

    def total(self) -> int:
{_body(6, "        ", "x{i} = sum(self.v0) + {i}")}
        if x0 < 0:
            raise ValueError("negative total")
        return x0


def load(path: str) -> Inventory:
{_body(6, "    ", "p{i} = os.path.join(path, 'f{i}')")}
    return Inventory([1, 2])
'''

FIXTURES: dict[str, tuple[str, str]] = {
    "python": ("inv.py", PY),
    "javascript": (
        "app.js",
        "import fs from 'fs';\n\nexport function load(path) {\n"
        + _body(6, "  ", "const v{i} = fs.readFileSync(path + {i});")
        + "\n  return 1;\n}\n\n"
        "class Store {\n  get(key) {\n"
        + _body(5, "    ", "let k{i} = key + {i};")
        + "\n    return 0;\n  }\n}\n",
    ),
    "typescript": (
        "a.ts",
        "interface Item { id: number }\n\nexport function total(items: Item[]): number {\n"
        + _body(6, "  ", "const t{i}: number = items.length + {i};")
        + "\n  return 0;\n}\n",
    ),
    "tsx": (
        "c.tsx",
        "import React from 'react';\n\nexport const Panel = ({ title }: { title: string }) => {\n"
        + _body(6, "  ", "const v{i} = title.length + {i};")
        + "\n  return <div>{title}</div>;\n};\n",
    ),
    "go": (
        "m.go",
        'package main\n\nimport "fmt"\n\n// Total sums.\nfunc Total(xs []int) int {\n'
        + _body(6, "\t", "y{i} := len(xs) + {i}")
        + "\n\treturn 0\n}\n\nfunc main() {\n"
        + _body(5, "\t", "fmt.Println({i})")
        + "\n}\n",
    ),
    "rust": (
        "lib.rs",
        "use std::io;\n\npub struct S { a: i32 }\n\nimpl S {\n    pub fn total(&self) -> i32 {\n"
        + _body(6, "        ", "let v{i} = self.a + {i};")
        + "\n        self.a\n    }\n}\n",
    ),
    "java": (
        "A.java",
        "package a;\n\nimport java.util.List;\n\npublic class A {\n    public int total(List<Integer> xs) {\n"
        + _body(6, "        ", "int v{i} = xs.size() + {i};")
        + "\n        return 0;\n    }\n}\n",
    ),
    "c": (
        "m.c",
        "#include <stdio.h>\n\nstatic int total(int n) {\n"
        + _body(6, "    ", "int v{i} = n + {i};")
        + "\n    return n;\n}\n",
    ),
    "cpp": (
        "m.cc",
        "#include <vector>\n\nnamespace app {\nint Engine::run(std::vector<int> xs) {\n"
        + _body(6, "    ", "auto v{i} = xs.size() + {i};")
        + "\n    return 0;\n}\n}  // namespace app\n",
    ),
    "csharp": (
        "A.cs",
        "using System;\n\nnamespace App {\n    public class A {\n        public int Total(int n) {\n"
        + _body(6, "            ", "var v{i} = n + {i};")
        + "\n            return n;\n        }\n    }\n}\n",
    ),
    "ruby": (
        "a.rb",
        "require 'json'\n\nmodule App\n  class Store\n    # Loads things.\n    def load(path)\n"
        + _body(6, "      ", "v{i} = File.read(path) + '{i}'")
        + "\n      v0\n    end\n  end\nend\n",
    ),
    "php": (
        "a.php",
        "<?php\nnamespace App;\n\nclass Store {\n    public function load($path) {\n"
        + _body(6, "        ", "$v{i} = file_get_contents($path . '{i}');")
        + "\n        return $v0;\n    }\n}\n",
    ),
    "kotlin": (
        "A.kt",
        "package app\n\nimport java.io.File\n\nclass Store {\n    fun load(path: String): Int {\n"
        + _body(6, "        ", "val v{i} = path.length + {i}")
        + "\n        return 0\n    }\n}\n",
    ),
    "bash": (
        "run.sh",
        "#!/bin/bash\nset -e\n\nbuild() {\n"
        + _body(6, "  ", "echo step{i}")
        + "\n}\n\n"
        + _body(6, "", "run_step {i} --verbose")
        + "\n",
    ),
}


def _compress(text: str, filename: str | None = None, query: str | None = None, **rules: object) -> tuple:
    ctx = CompressContext(store=MemoryStore(), query=query, filename=filename)
    policy = Policy(code=CodePolicy(**rules)) if rules else Policy()  # type: ignore[arg-type]
    return CodeCompressor().compress(text, policy, ctx), ctx


class TestCodeContract(CompressorContract):
    own_families = ("code",)

    def make_compressor(self) -> CodeCompressor:
        return CodeCompressor()

    def own_samples(self) -> list[str]:
        return [FIXTURES[lang][1] for lang in ("python", "go", "rust", "java", "ruby")]

    def critical_lines(self) -> list[tuple[str, list[str]]]:
        return [(PY, ['raise ValueError("negative total")'])]


@pytest.mark.parametrize("lang", sorted(FIXTURES))
def test_output_parses_and_shrinks(lang: str) -> None:
    filename, text = FIXTURES[lang]
    grammar = spec_for(lang).grammar
    errors_in = error_count(_parser(grammar).parse(text.encode()).root_node)
    out, _ = _compress(text, filename)
    assert out.content_type == f"code:{lang}"
    assert out.tokens_out < out.tokens_in, out.reason
    assert error_count(_parser(grammar).parse(out.text.encode()).root_node) <= errors_in, out.text
    assert parse_markers(out.text), out.text
    if lang == "python":
        ast.parse(out.text)


@pytest.mark.parametrize("lang", sorted(FIXTURES))
def test_detect_language_from_name_and_content(lang: str) -> None:
    filename, text = FIXTURES[lang]
    assert detect_language(text, filename) == lang
    guessed = detect_language(text)
    same_family = (
        {"javascript", "typescript", "tsx"} if lang in ("javascript", "typescript", "tsx") else {lang}
    )
    if lang not in ("c", "cpp"):
        assert guessed in same_family, guessed


def test_skeleton_keeps_signatures_and_names() -> None:
    out, _ = _compress(PY, "inv.py")
    for name in (
        "class Inventory",
        "def __init__",
        "def total",
        "def load",
        "import os",
        '"""Store the items."""',
    ):
        assert name in out.text


def test_marker_counts_are_exact() -> None:
    out, ctx = _compress(PY, "inv.py")
    text = out.text
    body_markers = re.findall(
        r"def load\(path: str\) -> Inventory:\n    \.\.\.  # \[(\d+) lines omitted", text
    )
    assert body_markers == ["7"]  # six assignments and the return
    total = re.search(r"def total\(self\) -> int:\n        \.\.\.  # \[(\d+) lines omitted", text)
    assert total is not None and total.group(1) == "9"
    for marker in parse_markers(text):
        assert to_text(ctx.store.get(marker.key)) == PY


def test_query_keeps_named_body_whole() -> None:
    out, _ = _compress(PY, "inv.py", query="why does total raise?")
    assert _body(6, "        ", "x{i} = sum(self.v0) + {i}") in out.text
    assert "p0 = os.path.join" not in out.text
    ast.parse(out.text)


def test_stack_trace_line_keeps_function() -> None:
    line = PY.splitlines().index("def load(path: str) -> Inventory:") + 3
    out, _ = _compress(PY, "inv.py", query=f'File "src/inv.py", line {line}, in <module>')
    assert "p2 = os.path.join(path, 'f2')" in out.text


def test_recent_file_is_protected() -> None:
    ctx = CompressContext(store=MemoryStore(), filename="inv.py", recent_text="please edit inv.py now")
    out = CodeCompressor().compress(PY, Policy(), ctx)
    assert out.text == PY and out.reason and "protected" in out.reason


def test_unparsable_code_passes_through_with_reason() -> None:
    broken = "def f(:\n  ) ) ]\n" * 30
    out, _ = _compress(broken, "x.py")
    assert out.text == broken and out.reason


def test_line_pruning_in_long_kept_body() -> None:
    body = "\n".join(f"    a{i} = {i}" for i in range(80))
    text = f"def big(n):\n{body}\n    if n:\n        return helper(n)\n    return 0\n\n\ndef helper(n):\n{body}\n    return n\n"
    out, _ = _compress(text, "big.py", query="fix helper", mode="query", prune_over_lines=20)
    assert "return helper(n)" in out.text and out.text.count("a40 = 40") == 1  # pruned in the caller
    assert body in out.text  # helper is named: its body stays whole
    ast.parse(out.text)


def test_content_type_of() -> None:
    assert CodeCompressor().content_type_of(FIXTURES["go"][1]) == "code:go"


TSX_NESTED = (
    "import React, { useCallback, useEffect } from 'react';\n\n"
    "export function Panel({ id }: { id: string }) {\n"
    "  const load = useCallback(async (key: string) => {\n"
    + _body(6, "    ", "const v{i} = await fetch(key + '{i}');")
    + "\n    return key;\n  }, []);\n\n"
    "  const save = (value: string) => {\n"
    + _body(6, "    ", "const s{i} = value.trim() + '{i}';")
    + "\n  };\n\n"
    "  useEffect(() => {\n" + _body(5, "    ", "load(id + '{i}');") + "\n  }, [id]);\n\n"
    "  return <div>{id}</div>;\n}\n"
)


def test_names_bound_to_arrow_functions() -> None:
    from headroom.compressors._code.skeleton import bound_name

    src = (
        b"const a = useCallback(async (m: string) => { f(); }, []);\n"
        b"const o = { k: (x) => { g(); }, m() { h(); } };\n"
        b"class C { handler = (e) => { i(); }; }\n"
        b"module.exports.go = function () { j(); };\n"
        b"useEffect(() => { k(); }, []);\n"
    )
    root = _parser("tsx").parse(src).root_node
    found: list[str] = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.type in spec_for("tsx").functions:
            found.append(bound_name(node, src))
        stack.extend(reversed(node.named_children))
    assert found == ["a", "k", "m", "handler", "go", ""]


def test_query_keeps_nested_arrow_body_and_elides_its_siblings() -> None:
    out, _ = _compress(TSX_NESTED, "panel.tsx", query="why does save trim?")
    assert _body(6, "    ", "const s{i} = value.trim() + '{i}';") in out.text  # named: whole
    assert "const v2 = await fetch" not in out.text  # sibling inside the opened component: elided
    assert "load(id + '3')" not in out.text
    assert "const load = useCallback(async (key: string) => {" in out.text
    assert error_count(_parser("tsx").parse(out.text.encode()).root_node) == 0
    skeleton, _ = _compress(TSX_NESTED, "panel.tsx")
    assert "value.trim()" not in skeleton.text and "export function Panel" in skeleton.text


GO_TYPES = (
    "package m\n\n// Config holds settings.\ntype Config struct {\n"
    "\t// Name is the name of the thing\n\t// that we configure here.\n\tName string\n"
    "\t// Retries counts attempts\n\t// before we give up.\n\tRetries int\n"
    "\t// OnFail is called when a step fails.\n\tOnFail func()\n"
    "\t// Timeout bounds the wait\n\t// in seconds.\n\tTimeout int\n}\n"
)


def test_type_body_comments_go_with_exact_count() -> None:
    out, ctx = _compress(GO_TYPES, "m.go")
    markers = parse_markers(out.text)
    assert [(m.kind, m.count) for m in markers] == [("comment lines", 6)]
    for field in ("Name string", "Retries int", "OnFail func()", "Timeout int"):
        assert field in out.text
    assert "// OnFail is called when a step fails." in out.text  # critical comment stays in place
    assert "that we configure here" not in out.text
    assert to_text(ctx.store.get(markers[0].key)) == GO_TYPES
    named, _ = _compress(GO_TYPES, "m.go", query="what is Config for?")
    assert named.text == GO_TYPES  # the query names the type: its comments stay


GO_DOC = (
    "package m\n\n// Run starts the worker loop and\n// keeps going until the context ends.\n"
    "// It never returns early.\nfunc Run(n int) int {\n"
    + _body(6, "\t", "y{i} := n + {i}")
    + "\n\treturn n\n}\n"
)


def test_doc_tail_and_body_share_one_marker() -> None:
    out, _ = _compress(GO_DOC, "m.go")
    assert [(m.kind, m.count) for m in parse_markers(out.text)] == [("lines", 9)]  # 2 doc + 7 body
    assert out.text.startswith("package m\n\n// Run starts the worker loop and\nfunc Run(n int) int { /* [9")
    assert error_count(_parser("go").parse(out.text.encode()).root_node) == 0


def test_echoes_are_deduplicated_by_words_and_share_one_comment() -> None:
    from headroom.compressors._code.render import CriticalKeeper

    keeper = CriticalKeeper(3)
    first = keeper.pick('x := 1\nerrorsLock.Lock()\nreturn fmt.Errorf("failed to open %s", p)\n')
    assert first == ["errorsLock.Lock()", 'return fmt.Errorf("failed to open %s", p)']
    keeper.accept(first)
    # A line holding >= 75% of an echoed line's words is covered; a different name is echoed.
    assert keeper.pick('return fmt.Errorf("failed to open %s", q)\nerrorsLock.Unlock()\n') == [
        "errorsLock.Unlock()"
    ]
    text = (
        "package m\n\nfunc F(p string) error {\n"
        + _body(5, "\t", "x{i} := p")
        + ('\n\treturn fmt.Errorf("failed to open %s", p)\n}\n')
    )
    out, _ = _compress(text, "m.go")
    assert "retrieve: hr" in out.text and '\n    return fmt.Errorf("failed to open %s", p) */\n}' in out.text


def test_marker_not_worth_its_cost_keeps_the_body() -> None:
    text = (
        "package m\n\nfunc A() int {\n\tx := 1\n\ty := 2\n\treturn x + y\n}\n\nfunc B() int {\n"
        + _body(12, "\t", "v{i} := {i} * 2")
        + "\n\treturn 0\n}\n"
    )
    out, _ = _compress(text, "m.go")
    assert "\tx := 1\n\ty := 2\n\treturn x + y\n" in out.text  # a marker would cost as much
    assert [m.count for m in parse_markers(out.text)] == [13]


def test_rust_echo_with_comment_opener_still_parses() -> None:
    text = (
        "fn f() -> i32 {\n"
        + _body(6, "    ", "let v{i} = {i};")
        + ('\n    let e = "error: /* bad";\n    panic!("failed /* here");\n}\n')
    )
    out, _ = _compress(text, "lib.rs")
    assert parse_markers(out.text)
    assert error_count(_parser("rust").parse(out.text.encode()).root_node) == 0
