"""Synthetic inputs for the scaling benchmark: every content type at any size, and adversarial shapes.

Everything is generated from a seed (no corpus content): ``synthetic(kind, size, seed)`` repeats a
small varied unit of that kind until ``size`` characters; ``adversarial(name, size, seed)`` builds a
shape known to defeat naive scanners (unterminated strings and fences, deep nesting, one huge line,
control bytes, ...). Both return ``str``; invalid UTF-8 is a ``bytes`` case decoded the way the CLI
decodes it.
"""

from __future__ import annotations

import base64
import json
import random
from collections.abc import Callable

WORDS = (
    "the service request cache worker upstream budget timeline proposal member chair answer "
    "value handler config module parser token block stream buffer record index query result "
    "network latency memory thread process queue signal option report review detail summary"
).split()
KINDS = ("json", "jsonl", "log", "code", "diff", "html", "markdown", "prose", "search")


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(6, 16))]
    return " ".join(words).capitalize() + "."


def _repeat(unit: Callable[[random.Random, int], str], size: int, seed: int) -> str:
    rng = random.Random(seed)
    parts: list[str] = []
    total, index = 0, 0
    while total < size:
        part = unit(rng, index)
        parts.append(part)
        total += len(part)
        index += 1
    return "".join(parts)


def _json_item(rng: random.Random, i: int) -> str:
    item = {"id": i, "name": f"{rng.choice(WORDS)}-{i}", "status": rng.choice(["ok", "ok", "failed"])}
    item["price"] = round(rng.random() * 100, 2)
    item["tags"] = [rng.choice(WORDS) for _ in range(3)]
    return json.dumps(item)


def _json(size: int, seed: int) -> str:
    body = _repeat(lambda rng, i: ("" if i == 0 else ",\n  ") + _json_item(rng, i), size - 4, seed)
    return "[\n  " + body + "\n]"


def _jsonl(size: int, seed: int) -> str:
    return _repeat(lambda rng, i: _json_item(rng, i) + "\n", size, seed)


def _log_line(rng: random.Random, i: int) -> str:
    stamp = f"2024-05-01 10:{(i // 60) % 60:02d}:{i % 60:02d}.{i % 1000:03d}"
    if i % 97 == 13:
        return f"{stamp} ERROR worker-{i % 7} failed job {i}: connection refused by db-{i % 3}\n"
    if i % 211 == 17:
        frames = "".join(f'  File "app/mod{k}.py", line {k * 7 + i % 50}, in run\n' for k in range(4))
        return f"{stamp} ERROR unhandled\nTraceback (most recent call last):\n{frames}ValueError: bad {i}\n"
    level = rng.choice(["INFO", "INFO", "INFO", "DEBUG", "WARN"])
    return f"{stamp} {level} {rng.choice(WORDS)} request {i} served in {rng.randint(1, 900)} ms\n"


def _code_unit(rng: random.Random, i: int) -> str:
    name = f"{rng.choice(WORDS)}_{i}"
    body = "".join(
        f"    value_{k} = compute(event, {rng.randint(0, 99)})\n" for k in range(rng.randint(3, 9))
    )
    doc = f'    """{_sentence(rng)}"""\n'
    return f"def {name}(event, context=None):\n{doc}{body}    return value_0\n\n\n"


def _code(size: int, seed: int) -> str:
    return "import os\nimport sys\n\n\n" + _repeat(_code_unit, size, seed)


def _diff_unit(rng: random.Random, i: int) -> str:
    head = f"diff --git a/src/m{i}.py b/src/m{i}.py\nindex 1a2b3c4..5d6e7f8 100644\n"
    head += f"--- a/src/m{i}.py\n+++ b/src/m{i}.py\n@@ -10,12 +10,12 @@ def f{i}():\n"
    context = "".join(f"     line_{k} = {rng.choice(WORDS)}({k})\n" for k in range(5))
    change = f"-    old = {rng.randint(0, 9)}\n+    new = {rng.randint(0, 9)}\n"
    return head + context + change + context


def _html(size: int, seed: int) -> str:
    head = "<html><head><title>Report - Site</title><style>p{margin:0}</style></head><body>"
    head += "<nav><a href='/'>Home</a><a href='/docs'>Docs</a></nav><article><h1>Report</h1>"
    body = _repeat(lambda rng, i: f"<p>{_sentence(rng)} {_sentence(rng)}</p>\n", size - len(head) - 40, seed)
    return head + body + "</article><footer>(c) site</footer></body></html>"


def _markdown_unit(rng: random.Random, i: int) -> str:
    text = f"## Section {i}\n\n{_sentence(rng)} {_sentence(rng)} {_sentence(rng)}\n\n"
    text += f"- {_sentence(rng)}\n- {_sentence(rng)}\n\n"
    if i % 5 == 0:
        text += f"```python\nresult = handler_{i}(event)\nprint(result)\n```\n\n"
    return text


def _prose_unit(rng: random.Random, i: int) -> str:
    return " ".join(_sentence(rng) for _ in range(rng.randint(3, 7))) + "\n\n"


def _search_unit(rng: random.Random, i: int) -> str:
    path = f"src/pkg{i % 40}/mod{i % 13}.py"
    return f"{path}:{rng.randint(1, 900)}:    {rng.choice(WORDS)} = handler(event)  # {rng.choice(WORDS)}\n"


def synthetic(kind: str, size: int, seed: int = 0) -> str:
    """A ``kind`` text of about ``size`` characters, varied but deterministic for ``seed``."""
    builders: dict[str, Callable[[int, int], str]] = {
        "json": _json,
        "jsonl": _jsonl,
        "log": lambda n, s: _repeat(_log_line, n, s),
        "code": _code,
        "diff": lambda n, s: _repeat(_diff_unit, n, s),
        "html": _html,
        "markdown": lambda n, s: "# Guide\n\n" + _repeat(_markdown_unit, n, s),
        "prose": lambda n, s: _repeat(_prose_unit, n, s),
        "search": lambda n, s: _repeat(_search_unit, n, s),
    }
    return builders[kind](size, seed)


def _cut(text: str, seed: int) -> str:
    rng = random.Random(seed)
    return text[: rng.randint(len(text) // 2, len(text) - 1)]


def _nested(size: int, seed: int) -> str:
    depth = 10_000
    return ('{"a": ' * depth + "1" + "}" * depth) if seed % 2 else ("[" * depth + "]" * depth)


def _base64_blob(size: int, seed: int) -> str:
    raw = random.Random(seed).randbytes(size * 3 // 4)
    blob = base64.b64encode(raw).decode()
    return json.dumps({"name": "attachment.bin", "encoding": "base64", "data": blob})


def _marks(size: int, seed: int) -> str:
    prose = synthetic("prose", size, seed)
    return prose.replace(" the ", " \u200bthe\u200f ").replace(". ", ".\u202e ")


def _invalid_utf8(size: int, seed: int) -> bytes:
    lines = synthetic("log", size, seed).encode().split(b"\n")
    for index in range(5, len(lines), 50):
        lines[index] += b" \xff\xfe garbled \xc3"
    return b"\n".join(lines)


def _duplicated(size: int, seed: int) -> str:
    unit = synthetic("log", 4000, seed)
    return unit * max(1, size // len(unit))


ADVERSARIAL: dict[str, Callable[[int, int], str | bytes]] = {
    "truncated json": lambda n, s: _cut(synthetic("json", n, s), s),
    "truncated jsonl": lambda n, s: _cut(synthetic("jsonl", n, s), s),
    "unterminated json string": lambda n, s: '{"log": "' + synthetic("prose", n, s).replace("\n", " "),
    "unterminated block comment": lambda n, s: (
        synthetic("code", n // 2, s) + "/*" + synthetic("prose", n // 2, s)
    ),
    "unterminated html comment": lambda n, s: "<html><body><!-- " + synthetic("html", n, s),
    "unclosed markdown fence": lambda n, s: "# Notes\n\n```\n" + synthetic("prose", n, s),
    "unclosed html title": lambda n, s: "<html><head><title>" + synthetic("prose", n, s),
    "deep nesting": _nested,
    "single 5 MB line": lambda n, s: synthetic("jsonl", n, s).replace("\n", " "),
    "nul bytes": lambda n, s: synthetic("log", n, s).replace(" served", "\x00 served", 200),
    "invalid utf-8": _invalid_utf8,
    "crlf log": lambda n, s: synthetic("log", n, s).replace("\n", "\r\n"),
    "cr-only progress": lambda n, s: _repeat(
        lambda r, i: f"Downloading {i % 100}% [{'#' * (i % 40)}]\r", n, s
    ),
    "base64 blob": _base64_blob,
    "zero-width and rtl marks": _marks,
    "newlines removed": lambda n, s: synthetic("log", n, s).replace("\n", " "),
    "duplicated content": _duplicated,
}
