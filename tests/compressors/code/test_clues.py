"""The language clues' substring filter never hides a match (it only skips hopeless scans)."""

from __future__ import annotations

import pytest

from headroom.compressors._code.langs import _COMPILED, clue_scores

SNIPPETS = [
    "def f(x) -> int:\n    return self.x\nelse:\nclass A(B):\nfrom a import b\nimport os\n",
    "package main\nfunc (s *S) Run() {\n  x := 1\n  if err != nil {\n}\n",
    "pub fn run() {}\nuse std::io;\nimpl A {}\nlet mut x = &mut y;\n#[derive(Debug)]\nA::new()\n",
    "package a.b;\nimport static a.B;\npublic final class A {\n@Override\nSystem.out.println(1);\n",
    "using System;\nnamespace A.B\npublic static void Main(string[] args)\nvar a = new B();\nasync Task F\n",
    '#include <stdio.h>\n#include "a.h"\nint main(void) {\nprintf(NULL);\nstd::vector<int> v; auto p = nullptr;\n',
    "template <typename T>\nnamespace a {\ndef run(x)\nend\nrequire 'x'\nmodule A\nattr_reader :a\nx.each do |y|\n",
    "<?php\n$this->a; function f($x) {}\nfun main() {}\nval x: Int = 1\ndata class A\n",
    "import Foundation\nguard let x = y\nif let z = w\nfunc f() {}\nobject A\ntrait B\ndef f: Int =\n",
    "import a.b._\nconst x = 1;\nlet y = () => {\nfunction g() {}\nimport x from 'y'\nexport default A\n",
    "require('a'); console.log(1)\ninterface A {}\ntype B = {}\nlet x: string\n</div> <a href={x}>\nreturn (\n",
    'if [ -f a ]; then\nfi\ndone\nesac\nexport A=1\necho "${A}"\n',
]


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_every_clue_match_holds_one_of_its_needles(snippet: str) -> None:
    for _, pattern, _, needs in _COMPILED:
        for match in pattern.finditer(snippet):
            assert needs is None or any(needle in match.group(0) for needle in needs), pattern.pattern


def test_every_clue_fires_on_some_snippet() -> None:
    text = "\n".join(SNIPPETS)
    silent = [pattern.pattern for _, pattern, _, _ in _COMPILED if not pattern.search(text)]
    assert not silent


def test_scores_are_copies() -> None:
    scores = clue_scores(SNIPPETS[0])
    scores["python"] = -1.0
    assert clue_scores(SNIPPETS[0])["python"] > 0
