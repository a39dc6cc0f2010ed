"""The prose path's real cost, end to end through ``headroom.compress()``, per 10K tokens.

    python benchmarks/kompress_cost.py CORPUS [--split tune test] [--max-tokens 40000] [--json PATH]

Three costs a user pays, against the budgets (2 cores): **model load** in a fresh process after
``import headroom`` (classifier and sentence encoder, from the cached ONNX export; median of
``--cold-runs`` processes), **first seen** (a prose/markdown file as a tool result, the user's
question as the query, nothing cached), and **seen again** (the same request re-sent, as every
later turn of a conversation does; and the same text under a new question, which misses the
block memo but hits the model's caches). Files: the corpus's ``prose`` and ``markdown`` kinds on
each split, in path order, up to ``--max-tokens`` per split (``--model-max-tokens`` with the
model forced, which is slow on a CPU); only blocks the router sends to the prose path count. Two engines: ``auto`` (as shipped: the model within its time budget, the
extractive engine for blocks it cannot score in time) and ``kompress`` (the model forced on
every block: what it costs on this machine). Wall and CPU seconds are both given, with the load
average before and after: on a shared machine the wall figures carry other processes' work.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._bench_common import list_corpus, machine
from headroom import compress
from headroom.ccr import MemoryStore
from headroom.kompress import load_model
from headroom.policy import Policy, ProsePolicy
from headroom.tokens import count_tokens

BUDGET_MS = {"model_load": 1000.0, "first_seen": 300.0, "seen_again": 30.0}
QUESTION = "What does this document say about errors, limits and defaults?"
OTHER_QUESTION = "Which versions or dates does it mention?"
_COLD = (
    "import time, sys, json\n"
    "import headroom\n"
    "from headroom.kompress import load_model\n"
    "t = time.perf_counter(); m = load_model(backend='auto'); c = time.perf_counter() - t\n"
    "t = time.perf_counter(); m.embedder(); e = time.perf_counter() - t\n"
    "print(json.dumps({'classifier_s': c, 'encoder_s': e, 'model_load_s': c + e,\n"
    "  'heavy_imports': [n for n in ('torch', 'transformers', 'peft') if n in sys.modules]}))\n"
)


def cold_start(runs: int) -> dict[str, Any]:
    """Model load in fresh processes (one warm-up first, so the ONNX exports exist)."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    results = []
    for _ in range(runs + 1):
        done = subprocess.run(
            [sys.executable, "-c", _COLD], capture_output=True, text=True, env=env, check=True
        )
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    measured = results[1:]
    out: dict[str, Any] = {
        k: statistics.median(r[k] for r in measured) for k in ("classifier_s", "encoder_s", "model_load_s")
    }
    out["heavy_imports"] = sorted({n for r in measured for n in r["heavy_imports"]})
    out["runs"] = runs
    return out


def _request(text: str, question: str) -> list[dict[str, Any]]:
    call = {"id": "c1", "type": "function", "function": {"name": "read_file", "arguments": "{}"}}
    return [
        {"role": "user", "content": question},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": text},
    ]


def _timed(messages: list[dict[str, Any]], policy: Policy, store: MemoryStore) -> tuple[float, float, Any]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = compress(messages, policy, store=store)
    return time.perf_counter() - wall, time.process_time() - cpu, result


def measure_file(text: str, policy: Policy, store: MemoryStore) -> dict[str, Any] | None:
    """First seen, seen again, and the same text under a new question; None when not prose."""
    first_wall, first_cpu, result = _timed(_request(text, QUESTION), policy, store)
    block = next(b for b in result.blocks if b.role == "tool")
    if block.content_type not in ("prose", "markdown"):
        return None
    again_wall, again_cpu, _ = _timed(_request(text, QUESTION), policy, store)
    other_wall, other_cpu, _ = _timed(_request(text, OTHER_QUESTION), policy, store)
    return {"tokens": block.tokens_in, "content_type": block.content_type, "compressor": block.compressor,
            "reason": block.reason, "tokens_out": block.tokens_out,
            "first_wall": first_wall, "first_cpu": first_cpu, "again_wall": again_wall,
            "again_cpu": again_cpu, "new_query_wall": other_wall, "new_query_cpu": other_cpu}  # fmt: skip


def _clear_model_caches() -> None:
    model = load_model(backend="auto")
    model.scores.clear()
    encoder = model.embedder()
    if encoder is not None:
        encoder.clear()


def run_split(files: list[Path], engine: str) -> dict[str, Any]:
    """Every file under one engine (fresh store and model caches: nothing seen before)."""
    _clear_model_caches()
    policy = Policy(prose=ProsePolicy(engine=engine))  # type: ignore[arg-type]
    store = MemoryStore()
    rows = [row for path in files if (row := measure_file(path.read_text(encoding="utf-8"), policy, store))]
    tokens = sum(r["tokens"] for r in rows)
    per_10k = {key: 1000 * 10_000 * sum(r[key] for r in rows) / max(tokens, 1)
               for key in ("first_wall", "first_cpu", "again_wall", "again_cpu", "new_query_wall", "new_query_cpu")}  # fmt: skip
    model_blocks = sum(r["compressor"] == "kompress" for r in rows)
    return {"engine": engine, "blocks": len(rows), "tokens": tokens, "model_blocks": model_blocks,
            "ms_per_10k": per_10k, "files": rows}  # fmt: skip


def pick_files(corpus: Path, split: str, max_tokens: int) -> list[Path]:
    """Prose and markdown files of ``split`` in path order, up to ``max_tokens`` in all."""
    picked, total = [], 0
    for entry in list_corpus(corpus, ("prose", "markdown"), split):
        size = count_tokens(entry.path.read_text(encoding="utf-8", errors="replace"))
        if total and total + size > max_tokens:
            continue
        picked.append(entry.path)
        total += size
    return picked


def main(argv: list[str] | None = None) -> int:
    """Measure and print; ``--json`` also writes every number."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--split", nargs="+", default=["tune", "test"])
    parser.add_argument("--engines", nargs="+", default=["auto", "kompress"])
    parser.add_argument("--max-tokens", type=int, default=100_000, help="per split (engine auto)")
    parser.add_argument(
        "--model-max-tokens",
        type=int,
        default=25_000,
        help="per split, engine kompress (the model on every block)",
    )
    parser.add_argument("--cold-runs", type=int, default=3)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    report: dict[str, Any] = {
        "machine": {**machine(), "load_before": os.getloadavg()},
        "budget_ms": BUDGET_MS,
    }
    report["cold_start"] = cold_start(args.cold_runs)
    load_model(backend="auto").embedder()  # this process's load is not a block's cost
    report["splits"] = {
        split: [
            run_split(
                pick_files(args.corpus, split, args.max_tokens if e == "auto" else args.model_max_tokens), e
            )
            for e in args.engines
        ]
        for split in args.split
    }
    report["machine"]["load_after"] = os.getloadavg()
    _print(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


def _print(report: dict[str, Any]) -> None:
    m, cold = report["machine"], report["cold_start"]
    print(f"{m['cpu']} x{m['cores']}  load average before {m['load_before']}  after {m['load_after']}")
    print(f"model load (fresh process, after import headroom): {cold['model_load_s'] * 1000:.0f} ms "
          f"(classifier {cold['classifier_s'] * 1000:.0f}, encoder {cold['encoder_s'] * 1000:.0f}; "
          f"heavy imports: {cold['heavy_imports'] or 'none'})")  # fmt: skip
    for split, runs in report["splits"].items():
        for run in runs:
            ms = run["ms_per_10k"]
            print(f"{split:5s} {run['engine']:8s} {run['blocks']:2d} blocks {run['tokens']:6d} tokens, model took "
                  f"{run['model_blocks']:2d} | ms per 10K tokens (wall / cpu): first seen {ms['first_wall']:7.0f} / "
                  f"{ms['first_cpu']:7.0f}  seen again {ms['again_wall']:5.1f} / {ms['again_cpu']:5.1f}  "
                  f"new question {ms['new_query_wall']:6.0f} / {ms['new_query_cpu']:6.0f}")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())
