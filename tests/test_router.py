"""Routing quality on a labeled fixture set written for the project (precision/recall per type)."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from headroom import router

_LOG_APP = "\n".join(
    f"2026-03-0{1 + i % 3}T10:{i:02d}:11Z {'WARN' if i % 7 == 0 else 'INFO'} api.handler request_id={i:04x} "
    f"path=/v1/items/{i} status=200 took={i * 3}ms"
    for i in range(40)
)
_LOG_ACCESS = "\n".join(
    f'10.0.{i % 4}.{i} - - [12/Mar/2026:10:{i:02d}:00 +0000] "GET /shop/item/{i} HTTP/1.1" 200 {512 + i} '
    f'"-" "Mozilla/5.0"'
    for i in range(40)
)
_LOG_PYTEST = "\n".join(
    [f"tests/test_mod.py::test_case_{i} PASSED [{i * 2:3d}%]" for i in range(30)]
    + [
        "FAILED tests/test_mod.py::test_case_7 - AssertionError: 1 != 2",
        "==== 1 failed, 29 passed in 0.52s ====",
    ]
)
_JSON_OBJ = json.dumps(
    {"items": [{"id": i, "name": f"item {i}", "price": i * 1.5, "tags": ["a", "b"]} for i in range(20)]},
    indent=2,
)
_JSON_LINES = "\n".join(json.dumps({"id": i, "kind": "push", "repo": {"name": f"o/r{i}"}}) for i in range(30))
_JSON_ARRAY = json.dumps([{"user": f"u{i}", "active": i % 2 == 0, "score": i} for i in range(40)])
_DIFF = "\n".join(
    [
        "diff --git a/src/app.py b/src/app.py",
        "index 83db48f..bf269f4 100644",
        "--- a/src/app.py",
        "+++ b/src/app.py",
        "@@ -10,12 +10,13 @@ def main():",
    ]
    + [f" line_{i} = compute({i})" for i in range(5)]
    + ["-    retries = 3", "+    retries = 5", "+    backoff = 2.0"]
    + [f" other_{i} = compute({i})" for i in range(5)]
)
_PATCH = (
    "From 1a2b3c4d Mon Sep 17 00:00:00 2001\nFrom: Dev <dev@example.test>\nSubject: [PATCH] Fix parser\n\n---\n"
    " parser.c | 4 ++--\n 1 file changed, 2 insertions(+), 2 deletions(-)\n\n"
    + _DIFF.replace("app.py", "parser.c")
)
_SEARCH = "\n".join(
    f"src/pkg/mod_{i % 5}.py:{10 + i}:    result = fetch_value(key_{i}, timeout=5)" for i in range(30)
)
_SEARCH_RG = "\n".join(
    f"lib/util_{i % 3}.rs:{i + 1}:{i % 9 + 1}:    let x = parse(input_{i})?;" for i in range(25)
)
_HTML = (
    "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>Release notes</title>"
    "<script>var x = 1;</script><style>body{margin:0}</style></head><body><nav><a href='/'>Home</a></nav>"
    "<main><article><h1>Release 2.0</h1>"
    + "".join(f"<p>Paragraph {i} about the release.</p>" for i in range(10))
    + "</article></main></body></html>"
)
_HTML_FRAGMENT = (
    "<div class='card'><h2>Title</h2>"
    + "<ul>"
    + "".join(f"<li>item {i}</li>" for i in range(20))
    + "</ul></div>"
)
_PY = (
    'import os\nimport sys\n\n\nclass Loader:\n    """Loads things."""\n\n    def __init__(self, root: str) -> None:\n'
    "        self.root = root\n\n    def load(self, name: str) -> bytes:\n        path = os.path.join(self.root, name)\n"
    "        with open(path, 'rb') as fh:\n            return fh.read()\n\n\ndef main() -> int:\n"
    "    loader = Loader(sys.argv[1])\n    print(loader.load('x'))\n    return 0\n"
)
_GO = (
    'package main\n\nimport (\n\t"fmt"\n\t"os"\n)\n\ntype Server struct {\n\tAddr string\n}\n\n'
    'func (s *Server) Start() error {\n\tif s.Addr == "" {\n\t\treturn fmt.Errorf("no addr")\n\t}\n'
    '\treturn nil\n}\n\nfunc main() {\n\ts := &Server{Addr: os.Getenv("ADDR")}\n\tif err := s.Start(); err != nil {\n'
    "\t\tfmt.Println(err)\n\t}\n}\n"
)
_TS = (
    "import { useState } from 'react';\n\nexport interface Props {\n  title: string;\n}\n\n"
    "export function Header({ title }: Props) {\n  const [open, setOpen] = useState(false);\n"
    "  return <h1 onClick={() => setOpen(!open)}>{title}</h1>;\n}\n\nexport default Header;\n"
)
_PROSE = (
    "Compression of agent context is a trade-off between cost and accuracy. When a tool returns a long "
    "output, most of it is rarely read again, yet every later request pays for it. A careful system keeps "
    "what the model will need and leaves a note about what it removed.\n\nThe second paragraph explains "
    "why the notes matter: an agent that does not know something was removed may act on a partial view. "
    "Clear markers make the omission visible and let the model ask for the original when it must."
)
_MARKDOWN = (
    "# Guide\n\nSome introduction text that explains the purpose of this guide in plain words.\n\n"
    "## Install\n\n- Download the package from the registry.\n- Run the installer and follow the prompts.\n\n"
    "## Usage\n\nCall the tool with **one** argument, then read the *summary* it prints.\n\n"
    "| option | meaning |\n|---|---|\n| -v | verbose |\n| -q | quiet |\n"
)
_CSV = "id,name,email,score\n" + "\n".join(
    f"{i},user{i},user{i}@example.test,{i * 7 % 100}" for i in range(40)
)
_TSV = "region\tsales\tunits\n" + "\n".join(f"r{i}\t{i * 100}\t{i * 3}" for i in range(30))

LABELED: list[tuple[str, str]] = [
    ("log", _LOG_APP),
    ("log", _LOG_ACCESS),
    ("log", _LOG_PYTEST),
    ("json", _JSON_OBJ),
    ("json", _JSON_LINES),
    ("json", _JSON_ARRAY),
    ("diff", _DIFF),
    ("diff", _PATCH),
    ("search", _SEARCH),
    ("search", _SEARCH_RG),
    ("html", _HTML),
    ("html", _HTML_FRAGMENT),
    ("code", _PY),
    ("code", _GO),
    ("code", _TS),
    ("prose", _PROSE),
    ("markdown", _MARKDOWN),
    ("table", _CSV),
    ("table", _TSV),
]


def _family(content_type: str) -> str:
    return content_type.split(":", 1)[0]


def test_precision_and_recall_per_type() -> None:
    predicted = [(label, _family(router.detect(text).content_type)) for label, text in LABELED]
    wrong = [(label, got) for label, got in predicted if label != got]
    true_pos = Counter(label for label, got in predicted if label == got)
    support = Counter(label for label, _ in predicted)
    claimed = Counter(got for _, got in predicted)
    recall = sum(true_pos.values()) / len(predicted)
    precision = {t: true_pos[t] / claimed[t] for t in claimed}
    assert recall == 1.0, f"misrouted: {wrong}"
    assert all(p == 1.0 for p in precision.values()), precision
    assert set(support) == {"log", "json", "diff", "search", "html", "code", "prose", "markdown", "table"}


@pytest.mark.parametrize(("text", "language"), [(_PY, "python"), (_GO, "go"), (_TS, "tsx")])
def test_code_is_routed_with_its_language(text: str, language: str) -> None:
    content_type = router.detect(text).content_type
    assert content_type.startswith("code:")
    assert content_type.split(":", 1)[1] in {language, "typescript"} if language == "tsx" else language


def test_mixed_content_is_split_and_each_part_routed() -> None:
    text = f"{_PROSE}\n\n```python\n{_PY}```\n\nThe API answered:\n\n{_JSON_OBJ}\n\nAnd the log:\n\n```\n{_LOG_APP}\n```\n"
    sections = router.split_mixed(text)
    assert sections is not None
    routed = [_family(router.detect(s.text).content_type) for s in sections if s.routable and s.text.strip()]
    assert {"code", "json", "log"} <= set(routed)
    assert "".join(s.text for s in sections) == text, "sections must cover the text exactly"


def test_plain_text_is_not_mixed() -> None:
    assert router.split_mixed(_PROSE) is None
    assert router.split_mixed(_JSON_LINES) is None
