"""The SQLite store under load: many processes, fresh and full files, small and large originals.

Each phase starts ``--processes`` worker processes together on one store file; each writes
small originals one put at a time, a few large ones, and a batch the size of one big
``compress()`` call, recording every put's latency and every key it was given. Afterwards every
key is read back and compared byte for byte: an entry that is missing or different is lost.

Phases: ``fresh`` (a new file: the open race), ``existing`` (a file prefilled to ``--entries``
entries: the put cost at scale), ``existing, paced`` (the same writers putting at a steady rate
with random gaps, as agents between model calls do: contention without an overloaded CPU), and
``floor`` (the same workers doing the same work with no store: what the machine's scheduler alone
costs when more processes than cores run flat out). Targets: 0 errors, 0 lost entries, put p99 <=
5 ms at 300K entries (one writer, and eight paced ones); the flat-out p99 is printed beside its floor.

    python benchmarks/store_load.py                 # 8 processes, 300K entries (a few minutes)
    python benchmarks/store_load.py --quick         # 4 processes, 20K entries
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import multiprocessing as mp
import os
import random
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _bench_common import machine
from rich.console import Console
from rich.table import Table

from headroom.ccr import SqliteStore
from headroom.errors import StoreError

SECRET = b"store-load-benchmark-secret-0123"
TARGET_P99_MS = 5.0


@dataclass(frozen=True)
class Load:
    """What each worker writes."""

    small_puts: int
    small_bytes: int
    large_puts: int
    large_bytes: int
    batch: int
    gap_ms: float = 0.0  # mean pause before each put (exponential): 0 is flat out
    storeless: bool = False  # the floor: the same work without a store


@dataclass
class WorkerResult:
    """One worker's latencies (ms), the digests of what it stored by key, and its errors."""

    put_ms: list[float] = field(default_factory=list)
    large_ms: list[float] = field(default_factory=list)
    batch_ms: float = 0.0
    stored: dict[str, str] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)


def _content(worker: int, index: int, size: int) -> bytes:
    """Log-like text, distinct per (worker, index), as compressible as real tool output (about 4x)."""
    rng = random.Random(f"{worker}:{index}")
    lines, total = [], 0
    while total < size:
        line = (
            f"2026-12-03T08:{rng.randrange(60):02d}:{rng.randrange(60):02d}.{rng.randrange(1000):03d}Z "
            f"{rng.choice(['INFO', 'INFO', 'INFO', 'WARN', 'DEBUG'])} worker-{worker} "
            f"req={rng.getrandbits(48):012x} path=/api/v1/items/{rng.randrange(10**6)} took {rng.randrange(900)}ms\n"
        )
        lines.append(line)
        total += len(line)
    return "".join(lines).encode()[:size]


class _NoStore:
    """The floor: what a put computes before it writes (digest and encoding), and nothing else."""

    def put(self, data: bytes) -> str:
        zlib.compress(data, 1)
        return hmac.new(SECRET, data, hashlib.sha256).hexdigest()

    def put_many(self, batch: list[tuple[bytes, str]]) -> list[str]:
        return [self.put(data) for data, _ in batch]


def _worker(path: str, worker: int, load: Load, start: Any, queue: Any) -> None:
    result = WorkerResult()
    start.wait()
    try:
        store: Any = (
            _NoStore()
            if load.storeless
            else SqliteStore(path, ttl_seconds=None, max_bytes=1 << 40, secret=SECRET)
        )
    except StoreError as exc:
        result.errors.append(f"open: {exc}")
        queue.put(asdict(result))
        return
    pauses = random.Random(worker)
    writes = [(result.put_ms, i, load.small_bytes) for i in range(load.small_puts)]
    writes += [(result.large_ms, load.small_puts + i, load.large_bytes) for i in range(load.large_puts)]
    for latencies, index, size in writes:
        data = _content(worker, index, size)
        if load.gap_ms:
            time.sleep(pauses.expovariate(1 / load.gap_ms) / 1000)
        began = time.perf_counter()
        try:
            key = store.put(data)
        except StoreError as exc:
            result.errors.append(f"put: {exc}")
            continue
        latencies.append((time.perf_counter() - began) * 1000)
        if not load.storeless:
            result.stored[key] = hashlib.sha256(data).hexdigest()
    batch = [(_content(worker, 10**6 + i, load.small_bytes), "text") for i in range(load.batch)]
    began = time.perf_counter()
    try:
        keys = store.put_many(batch)
        result.batch_ms = (time.perf_counter() - began) * 1000
        if not load.storeless:
            result.stored.update(
                {k: hashlib.sha256(d).hexdigest() for k, (d, _) in zip(keys, batch, strict=True)}
            )
    except StoreError as exc:
        result.errors.append(f"put_many: {exc}")
    queue.put(asdict(result))


def prefill(path: Path, entries: int, size: int = 200) -> float:
    """Fill the store to ``entries`` entries in batches of 1,000; seconds taken."""
    store = SqliteStore(path, ttl_seconds=None, max_bytes=1 << 40, secret=SECRET)
    began = time.perf_counter()
    have = store.stats().entries
    for start in range(have, entries, 1000):
        store.put_many([(_content(-1, i, size), "text") for i in range(start, min(entries, start + 1000))])
    store.close()
    return time.perf_counter() - began


def run_phase(path: Path, processes: int, load: Load) -> dict[str, Any]:
    """Start the workers together, collect them, then read every key back."""
    context = mp.get_context("spawn")
    start, queue = context.Event(), context.Queue()
    workers = [
        context.Process(target=_worker, args=(str(path), w, load, start, queue)) for w in range(processes)
    ]
    for process in workers:
        process.start()
    time.sleep(0.5)  # let every worker reach the barrier, so they open the file together
    start.set()
    results = [WorkerResult(**queue.get(timeout=600)) for _ in workers]
    for process in workers:
        process.join()
    return _summarise(path, results)


def _summarise(path: Path, results: list[WorkerResult]) -> dict[str, Any]:
    reader = SqliteStore(path, ttl_seconds=None, max_bytes=1 << 40, secret=SECRET)
    lost = 0
    for result in results:
        for key, digest in result.stored.items():
            try:
                lost += hashlib.sha256(reader.get(key)).hexdigest() != digest
            except StoreError:
                lost += 1
    puts = sorted(ms for r in results for ms in r.put_ms)
    large = sorted(ms for r in results for ms in r.large_ms)
    return {
        "entries_after": reader.stats().entries,
        "puts": len(puts),
        "put_p50_ms": _quantile(puts, 0.5),
        "put_p99_ms": _quantile(puts, 0.99),
        "put_max_ms": puts[-1] if puts else 0.0,
        "large_p50_ms": _quantile(large, 0.5),
        "large_max_ms": large[-1] if large else 0.0,
        "batch_ms_p50": statistics.median([r.batch_ms for r in results]),
        "errors": [e for r in results for e in r.errors],
        "lost": lost,
    }


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(q * len(values)))]


def report(console: Console, phases: dict[str, dict[str, Any]], load: Load, processes: int) -> bool:
    """Print the table and the verdicts; True when every target holds."""
    table = Table(
        title=f"SQLite store under load ({load.small_bytes} B and {load.large_bytes / 1e6:.0f} MB originals)"
    )
    for header in (
        "phase",
        "entries",
        "puts",
        "p50 ms",
        "p99 ms",
        "max ms",
        "3MB p50 ms",
        "batch ms",
        "errors",
        "lost",
    ):
        table.add_column(header, justify="left" if header == "phase" else "right")
    ok = True
    for name, p in phases.items():
        table.add_row(
            name,
            f"{p['entries_after']:,}",
            f"{p['puts']:,}",
            f"{p['put_p50_ms']:.2f}",
            f"{p['put_p99_ms']:.2f}",
            f"{p['put_max_ms']:.1f}",
            f"{p['large_p50_ms']:.1f}",
            f"{p['batch_ms_p50']:.1f}",
            str(len(p["errors"])),
            str(p["lost"]),
        )
        ok &= not p["errors"] and p["lost"] == 0
    console.print(table)
    for name, p in phases.items():
        for error in p["errors"][:5]:
            console.print(f"[red]{name}: {error}[/red]")
    solo, paced = phases["existing, one writer"], phases["existing, paced"]
    shared, floor = phases["existing"], phases["floor"]
    verdict = True
    for label, phase in (("one writer", solo), (f"{processes} paced writers", paced)):
        holds = phase["put_p99_ms"] <= TARGET_P99_MS
        verdict &= holds
        console.print(
            f"put p99 at {phase['entries_after']:,} entries, {label}: {phase['put_p99_ms']:.2f} ms"
            f" (target <= {TARGET_P99_MS} ms): {'PASS' if holds else 'FAIL'}"
        )
    console.print(
        f"put p99 at {shared['entries_after']:,} entries, {processes} writers flat out: {shared['put_p99_ms']:.2f} ms,"
        f" against a floor of {floor['put_p99_ms']:.2f} ms for the same work with no store"
        f" ({processes} processes on {os.cpu_count()} cores: the scheduler's share of the tail)"
    )
    console.print(f"errors and lost entries: {'PASS (0 and 0)' if ok else 'FAIL'}")
    return ok and verdict


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--processes", type=int, default=8)
    parser.add_argument("--entries", type=int, default=300_000, help="prefill of the existing-file phase")
    parser.add_argument("--puts", type=int, default=400, help="small puts per worker")
    parser.add_argument("--large", type=int, default=2, help="3 MB puts per worker")
    parser.add_argument("--batch", type=int, default=250, help="entries of one put_many per worker")
    parser.add_argument(
        "--gap-ms", type=float, default=20.0, help="mean pause before each put in the paced phase"
    )
    parser.add_argument(
        "--dir", type=Path, default=None, help="where the store files go (default: a temp dir)"
    )
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--quick", action="store_true", help="4 processes, 20K entries, 100 puts")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.quick:
        args.processes, args.entries, args.puts, args.large = 4, 20_000, 100, 1
    console = Console(width=160)
    info = machine()
    console.print(f"machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}, {info['os']}")
    load = Load(args.puts, 2048, args.large, 3 * 1024 * 1024, args.batch)
    with tempfile.TemporaryDirectory(dir=args.dir) as scratch:
        root = Path(scratch)
        phases = {"fresh": run_phase(root / "fresh.sqlite3", args.processes, load)}
        seconds = prefill(root / "existing.sqlite3", args.entries)
        console.print(
            f"prefilled {args.entries:,} entries in {seconds:.1f} s ({args.entries / max(seconds, 1e-9):,.0f}/s)"
        )
        phases["existing"] = run_phase(root / "existing.sqlite3", args.processes, load)
        paced = Load(
            args.puts, load.small_bytes, args.large, load.large_bytes, load.batch, gap_ms=args.gap_ms
        )
        phases["existing, paced"] = run_phase(root / "existing.sqlite3", args.processes, paced)
        floor = Load(args.puts, load.small_bytes, args.large, load.large_bytes, load.batch, storeless=True)
        phases["floor"] = run_phase(root / "floor.sqlite3", args.processes, floor)
        solo = Load(args.puts * 4, load.small_bytes, 0, load.large_bytes, load.batch)
        phases["existing, one writer"] = run_phase(root / "existing.sqlite3", 1, solo)
    passed = report(console, phases, load, args.processes)
    if args.json:
        payload = {
            "machine": info,
            "processes": args.processes,
            "load": asdict(load),
            "phases": phases,
            "passed": passed,
        }
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return 0 if passed else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
