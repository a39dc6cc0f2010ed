"""Guard for speed work: every corpus file's compressed output, fingerprinted, and compared to a saved run.

    python benchmarks/output_snapshot.py --split tune --save before.json
    python benchmarks/output_snapshot.py --split tune --compare before.json [--save after.json]

Each file goes through ``headroom.compress`` exactly as ``compress_corpus.py`` sends it (one tool
result, extractive prose as a base install runs it) with the time budget off, so the output
depends on the code alone and not on the machine's load. Per file it records the output's
SHA-256, tokens out, critical templates kept, marker failures and the seconds taken (wall and
CPU: on a shared machine the CPU seconds compare runs better). ``--compare``
lists the files whose output changed and the totals' deltas (savings, critical templates kept,
marker failures): a speed change either leaves every output byte-identical or shows here what it
cost. It exits 1 when a compared total got worse.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _bench_common import check_markers, critical_lines, list_corpus, retention
from _peer_runner import WARMUP_TEXTS, conversation, tool_text

import headroom
from headroom.ccr import MemoryStore
from headroom.policy import policy_from_mapping
from headroom.tokens import count_tokens

DEFAULT_CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
QUESTION = "Look at this output."
ENCODING = "o200k_base"
POLICY = policy_from_mapping(
    {
        "prose": {"engine": "extractive"},
        "live_zone": {"block_budget_ms": 0, "block_budget_ms_per_10k_tokens": 0},
    }
)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus directory")
    parser.add_argument(
        "--split", choices=["tune", "test", "all"], default="tune", help="the manifest's side"
    )
    parser.add_argument("--kind", action="append", default=[], help="only this kind (repeatable)")
    parser.add_argument("--save", type=Path, help="write this run's fingerprints here")
    parser.add_argument("--compare", type=Path, help="compare with fingerprints saved earlier")
    parser.add_argument("--slowest", type=int, default=10, help="print this many slowest files")
    return parser.parse_args(argv)


def fingerprint(text: str) -> dict[str, Any]:
    """One file compressed: what its output is and what it kept."""
    store = MemoryStore(ttl_seconds=None, max_bytes=1 << 40)
    start, cpu = time.perf_counter(), time.process_time()
    result = headroom.compress(conversation(text, QUESTION), POLICY, store=store)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    output = tool_text(result.messages)
    blocks = [b for b in result.blocks if b.message_index == 2]
    elisions = [(e.kind, e.count, e.key) for b in blocks for e in b.elisions]
    return {
        "sha256": hashlib.sha256(output.encode("utf-8", "surrogatepass")).hexdigest(),
        "tokens_out": count_tokens(output, ENCODING),
        "markers": check_markers(text, output, store, elisions),
        "output": output,
        "seconds": seconds,
        "cpu_seconds": cpu,
        "compressors": sorted({b.compressor for b in blocks}),
        "reasons": sorted({b.reason for b in blocks if b.reason}),
    }


def run(files: list[Any]) -> dict[str, dict[str, Any]]:
    """Fingerprints of every file, keyed by its corpus path."""
    for warm in WARMUP_TEXTS:
        headroom.compress(conversation(warm, QUESTION), POLICY, store=MemoryStore())
    found: dict[str, dict[str, Any]] = {}
    for corpus in files:
        text = corpus.path.read_text(encoding="utf-8", errors="replace")
        got = fingerprint(text)
        crit = retention(critical_lines(text, corpus.kind), got.pop("output"))
        markers = got.pop("markers")
        tokens_in = count_tokens(text, ENCODING)
        found[corpus.rel] = got | {
            "kind": corpus.kind,
            "tokens_in": tokens_in,
            "ms_per_10k": got["seconds"] * 1000 * 10_000 / max(tokens_in, 1),
            "templates_kept": crit.templates_kept,
            "templates_total": crit.templates_total,
            "marker_failures": len(markers.failures),
        }
    return found


def totals(found: dict[str, dict[str, Any]], only: set[str] | None = None) -> dict[str, float]:
    """Sums over ``only`` (every file when None)."""
    chosen = [v for k, v in found.items() if only is None or k in only]
    tokens_in = sum(v["tokens_in"] for v in chosen)
    tokens_out = sum(v["tokens_out"] for v in chosen)
    return {
        "files": len(chosen),
        "savings_pct": 100.0 * (tokens_in - tokens_out) / max(tokens_in, 1),
        "templates_kept": sum(v["templates_kept"] for v in chosen),
        "templates_total": sum(v["templates_total"] for v in chosen),
        "marker_failures": sum(v["marker_failures"] for v in chosen),
        "seconds": sum(v["seconds"] for v in chosen),
        "cpu_seconds": sum(v.get("cpu_seconds", 0.0) for v in chosen),
    }


def compare(before: dict[str, dict[str, Any]], after: dict[str, dict[str, Any]]) -> bool:
    """Print what changed; True when no total got worse."""
    common = set(before) & set(after)
    changed = sorted(k for k in common if before[k]["sha256"] != after[k]["sha256"])
    print(f"{len(common)} files compared, {len(changed)} outputs changed")
    for key in changed:
        b, a = before[key], after[key]
        print(
            f"  CHANGED {key}: tokens out {b['tokens_out']} -> {a['tokens_out']}, critical "
            f"{b['templates_kept']}/{b['templates_total']} -> {a['templates_kept']}/{a['templates_total']}, "
            f"marker failures {b['marker_failures']} -> {a['marker_failures']}"
        )
    old, new = totals(before, common), totals(after, common)
    for name in ("savings_pct", "templates_kept", "marker_failures", "seconds", "cpu_seconds"):
        print(f"  {name}: {old[name]:.2f} -> {new[name]:.2f}")
    return (
        new["savings_pct"] >= old["savings_pct"] - 1e-9
        and new["templates_kept"] >= old["templates_kept"]
        and new["marker_failures"] <= old["marker_failures"]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Fingerprint the split, then save and/or compare."""
    args = parse_args(argv)
    found = run(list_corpus(args.corpus, args.kind, args.split))
    summary = totals(found)
    print(
        f"{summary['files']} files: savings {summary['savings_pct']:.2f}%, critical "
        f"{summary['templates_kept']}/{summary['templates_total']}, marker failures "
        f"{summary['marker_failures']}, {summary['seconds']:.1f} s ({summary['cpu_seconds']:.1f} s CPU)"
    )
    for key, value in sorted(found.items(), key=lambda kv: -kv[1]["ms_per_10k"])[: args.slowest]:
        print(
            f"  {value['ms_per_10k']:7.1f} ms/10K {value['seconds'] * 1000:7.0f} ms  {key} {value['compressors']}"
        )
    if args.save is not None:
        args.save.write_text(json.dumps(found, indent=1, sort_keys=True), encoding="utf-8")
    if args.compare is not None:
        return 0 if compare(json.loads(args.compare.read_text(encoding="utf-8")), found) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
