"""Benchmark the code compressor on the corpus code files, next to the peer headroom-ai==0.42.0.

Usage: ``python benchmarks/code_corpus.py [--corpus DIR] [--split tune|test|all] [--no-peer]``
(default ``../shared/corpus``, ``all``: one table per split the manifest marks).
Prints, per split and language: tokens before/after in skeleton mode and savings; names kept:
every definition outside local scope (top-level, class-level and object-literal members, module
wrapper bodies included; see ``headroom/compressors/_code/names.py``) read from the tree-sitter
parse of the ORIGINAL, counted kept when the skeleton's own parse defines it too; files whose
skeleton parses (no more syntax errors than the input); the share of query-named bodies kept
verbatim in query-aware mode; p50 milliseconds per 1,000 lines; the peer's tokens after.
The peer runs in its own interpreter: ``$HEADROOM_PEER_PYTHON`` (default ``.bench/peer/bin/python``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _bench_common import corpus_has_splits, list_corpus

from headroom.ccr import MemoryStore
from headroom.compressors._base import CompressContext
from headroom.compressors._code.compressor import CodeCompressor, _parser
from headroom.compressors._code.langs import detect_language, spec_for
from headroom.compressors._code.names import definitions
from headroom.compressors._code.skeleton import body_of, bound_name, error_count, symbol_name
from headroom.policy import Policy
from headroom.tokens import count_tokens

REPO = Path(__file__).resolve().parent.parent
DECLARATION = re.compile(
    r"class|struct|enum|interface|trait|module|type_spec|type_alias|namespace|object_decl"
)
PEER_SCRIPT = r"""
import json, sys, time
from headroom import compress
results = []
for item in json.load(sys.stdin):
    messages = [
        {"role": "user", "content": "Read " + item["name"]},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function",
         "function": {"name": "read_file", "arguments": json.dumps({"path": item["name"]})}}]},
        {"role": "tool", "tool_call_id": "c1", "content": item["text"]},
    ]
    start = time.perf_counter()
    out = compress(messages, model="gpt-4o")
    ms = (time.perf_counter() - start) * 1000
    content = out.messages[-1].get("content")
    results.append({"text": content if isinstance(content, str) else json.dumps(content), "ms": ms})
json.dump(results, sys.stdout)
"""


@dataclass
class Row:
    """Per-language totals."""

    files: int = 0
    lines: int = 0
    before: int = 0
    after: int = 0
    peer_after: int | None = None
    names: int = 0
    names_kept: int = 0
    parsed: int = 0
    bodies: int = 0
    bodies_kept: int = 0
    ms_per_kloc: list[float] = field(default_factory=list)


def declared(text: str, lang: str) -> tuple[list[str], dict[str, list[str]]]:
    """Top/class-level symbol names, and function name -> body texts, from the input AST.

    Functions count by their declared or bound name (``const f = () => {…}``, object and class
    methods); bodies of nested named functions are query candidates too, but only symbols
    outside function bodies count as names that the skeleton must keep.
    """
    spec = spec_for(lang)
    src = text.encode()
    names: list[str] = []
    bodies: dict[str, list[str]] = {}
    stack: list[tuple[Any, bool]] = [(_parser(spec.grammar).parse(src).root_node, False)]
    while stack:
        node, nested = stack.pop()
        if node.type in spec.functions and body_of(node) is not None:
            name = symbol_name(node, src) if spec.name in ("c", "cpp") else bound_name(node, src)
            if name:
                names += [] if nested else [name]
                bodies.setdefault(name, []).append(src[node.start_byte : node.end_byte].decode())
            stack.extend((child, True) for child in node.named_children)
            continue
        name_node = node.child_by_field_name("name")
        if DECLARATION.search(node.type) and name_node is not None and not nested:
            names.append(src[name_node.start_byte : name_node.end_byte].decode())
        if node.type not in spec.statements or node.parent is None or node.parent.parent is not None:
            stack.extend((child, nested) for child in node.named_children)
    return [n for n in names if n], bodies


def names_lost(text: str, out: str, lang: str) -> tuple[Counter[str], int, bool]:
    """``(names lost, names defined, skeleton parses)``: definitions of the input's parse that the
    skeleton's parse no longer holds (counted per definition), and whether it parses as well."""
    if lang == "unknown":
        return Counter(), 0, True
    spec = spec_for(lang)
    parser = _parser(spec.grammar)
    src, skeleton = text.encode("utf-8", "surrogatepass"), out.encode("utf-8", "surrogatepass")
    before_root, after_root = parser.parse(src).root_node, parser.parse(skeleton).root_node
    before = Counter(definitions(before_root, src, spec))
    after = Counter(definitions(after_root, skeleton, spec))
    parses = error_count(after_root) <= error_count(before_root)
    return before - after, sum(before.values()), parses


def _run(text: str, name: str, query: str | None = None) -> tuple[str, float]:
    compressor = CodeCompressor()
    timings = []
    out = ""
    for _ in range(5):
        ctx = CompressContext(store=MemoryStore(), filename=name, query=query)
        start = time.perf_counter()
        out = compressor.compress(text, Policy(), ctx).text
        timings.append((time.perf_counter() - start) * 1000)
    return out, statistics.median(timings)


def measure(path: Path, row: Row) -> None:
    """Add one file's numbers to its language row."""
    text = path.read_text(encoding="utf-8")
    lang = detect_language(text, path.name) or "unknown"
    out, ms = _run(text, path.name)
    row.files += 1
    row.lines += text.count("\n") + 1
    row.before += count_tokens(text)
    row.after += count_tokens(out)
    row.ms_per_kloc.append(ms * 1000 / max(1, text.count("\n") + 1))
    _, bodies = declared(text, lang)
    lost, total, parses = names_lost(text, out, lang)
    row.names += total
    row.names_kept += total - sum(lost.values())
    row.parsed += parses
    if lost or not parses:
        print(
            f"  {path.name}: lost {dict(lost)}{'' if parses else ', skeleton does not parse'}",
            file=sys.stderr,
        )
    candidates = sorted({n for n, b in bodies.items() if max(len(x) for x in b) > 80})
    picked = (
        [candidates[len(candidates) // 3], candidates[2 * len(candidates) // 3]]
        if len(candidates) > 1
        else []
    )
    if picked:
        query_out, _ = _run(text, path.name, f"fix {picked[0]} and {picked[1]}")
        wanted = [b for n in picked for b in bodies[n]]
        row.bodies += len(wanted)
        row.bodies_kept += sum(1 for b in wanted if _body_kept(b, query_out))
    print(f"  {path.name}: {lang}, query picks {picked}", file=sys.stderr)


def _body_kept(definition: str, out: str) -> bool:
    """The definition's body (its text after the first line) appears verbatim in the output."""
    return definition.split("\n", 1)[-1] in out


def run_peer(paths: list[Path]) -> list[str] | None:
    """The peer's output text per file, or ``None`` when its interpreter is missing."""
    python = os.environ.get("HEADROOM_PEER_PYTHON", str(REPO / ".bench/peer/bin/python"))
    if not Path(python).exists():
        print(
            f"peer interpreter not found at {python}; create it with:\n"
            "  python3 -m venv .bench/peer && .bench/peer/bin/pip install headroom-ai==0.42.0\n"
            "(then set HEADROOM_PEER_PYTHON); skipping peer columns"
        )
        return None
    payload = json.dumps([{"name": p.name, "text": p.read_text(encoding="utf-8")} for p in paths])
    done = subprocess.run(
        [python, "-I", "-c", PEER_SCRIPT], input=payload, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        print(f"peer failed: {done.stderr[-500:]}")
        return None
    return [item["text"] for item in json.loads(done.stdout)]


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "n/a"


def report(title: str, rows: dict[str, Row]) -> None:
    """Print one split's per-language table and its totals."""
    print(f"\n[{title}]")
    header = f"{'language':<11}{'files':>6}{'lines':>7}{'tok in':>8}{'tok out':>8}{'saved':>8}"
    header += f"{'names':>13}{'parses':>8}{'q-bodies':>10}{'ms/kloc':>9}{'peer out':>9}{'peer saved':>11}"
    print(header)
    total = Row()
    for lang, row in sorted(rows.items()):
        _line(lang, row)
        for attr in ("files", "lines", "before", "after", "names", "names_kept", "parsed"):
            setattr(total, attr, getattr(total, attr) + getattr(row, attr))
        total.bodies += row.bodies
        total.bodies_kept += row.bodies_kept
        total.ms_per_kloc += row.ms_per_kloc
        if row.peer_after is not None:
            total.peer_after = (total.peer_after or 0) + row.peer_after
    _line("ALL", total)


def _line(lang: str, row: Row) -> None:
    peer = "-" if row.peer_after is None else str(row.peer_after)
    peer_saved = "-" if row.peer_after is None else _pct(row.before - row.peer_after, row.before)
    p50 = statistics.median(row.ms_per_kloc) if row.ms_per_kloc else 0.0
    names = f"{row.names_kept}/{row.names}"
    print(
        f"{lang:<11}{row.files:>6}{row.lines:>7}{row.before:>8}{row.after:>8}"
        f"{_pct(row.before - row.after, row.before):>8}{names:>13}{f'{row.parsed}/{row.files}':>8}"
        f"{_pct(row.bodies_kept, row.bodies):>10}{p50:>9.2f}{peer:>9}{peer_saved:>11}"
    )


def measure_split(paths: list[Path], peer_wanted: bool) -> dict[str, Row]:
    """Per-language rows for ``paths`` (the peer's columns too when wanted and installed)."""
    rows: dict[str, Row] = {}
    for path in paths:
        lang = detect_language(path.read_text(encoding="utf-8"), path.name) or "unknown"
        measure(path, rows.setdefault(lang, Row()))
    peer = run_peer(paths) if peer_wanted else None
    if peer is not None:
        for path, text in zip(paths, peer, strict=True):
            row = rows[detect_language(path.read_text(encoding="utf-8"), path.name) or "unknown"]
            row.peer_after = (row.peer_after or 0) + count_tokens(text)
    return rows


def main(argv: list[str] | None = None) -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--split", choices=("tune", "test", "all"), default="all")
    parser.add_argument("--no-peer", action="store_true", help="skip the peer's columns")
    args = parser.parse_args(argv)
    splits = [args.split] if args.split != "all" else ["tune", "test"]
    if not corpus_has_splits(args.corpus):
        print("the manifest marks no split: the corpus is measured whole")
        splits = ["all"]
    _run("def warm_up():\n    return 1\n", "warm.py")
    measured = False
    for split in splits:
        paths = [f.path for f in list_corpus(args.corpus, ("code",), split)]
        if not paths:
            print(f"no corpus code files under {args.corpus} for split {split}; nothing to measure")
            continue
        measured = True
        report(split, measure_split(paths, not args.no_peer))
    if not measured:
        print("nothing measured")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
