"""A shared store under load: many processes, fresh and full stores, small and large originals.

Each phase starts ``--processes`` worker processes together on one store; each writes
small originals one put at a time, a few large ones, and a batch the size of one big
``compress()`` call, recording every put's latency and every key it was given. Afterwards every
key is read back and compared byte for byte: an entry that is missing or different is lost.

Phases: ``fresh`` (a new file: the open race), ``existing`` (a file prefilled to ``--entries``
entries: the put cost at scale), ``existing, paced`` (the same writers putting at a steady rate
with random gaps, as agents between model calls do: contention without an overloaded CPU), and
``floor`` (the same workers doing the same work with no store: what the machine's scheduler alone
costs when more processes than cores run flat out). Targets: 0 errors, 0 lost entries, put p99 <=
5 ms at 300K entries (one writer, and eight paced ones); the flat-out p99 is printed beside its floor.

``--backend sqlite`` (default) uses a file per phase; ``--backend redis`` a namespace per phase on
``--redis-url``, or, without one, on a private redis-server it starts on loopback (no persistence)
and stops afterwards. On Redis the one-writer and paced phases also time a bare PING before each
put: the round trip every Redis put stands on.

    python benchmarks/store_load.py                   # SQLite: 8 processes, 300K entries (minutes)
    python benchmarks/store_load.py --backend redis   # the same on Redis
    python benchmarks/store_load.py --quick           # 4 processes, 20K entries
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import multiprocessing as mp
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zlib
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _bench_common import machine
from rich.console import Console
from rich.table import Table

from headroom.ccr import RedisStore, SharedStore, SqliteStore
from headroom.errors import StoreError

SECRET = b"store-load-benchmark-secret-0123"
TARGET_P99_MS = 5.0


@dataclass(frozen=True)
class Target:
    """Where one phase's store is: a SQLite file, or a namespace on a Redis server (picklable)."""

    backend: str
    where: str
    namespace: str = ""

    def open(self) -> SharedStore:
        if self.backend == "redis":
            return RedisStore(
                self.where, ttl_seconds=None, max_bytes=1 << 40, secret=SECRET, namespace=self.namespace
            )
        return SqliteStore(self.where, ttl_seconds=None, max_bytes=1 << 40, secret=SECRET)


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
    probe_round_trips: bool = False  # Redis: time a bare PING before each small put


@dataclass
class WorkerResult:
    """One worker's latencies (ms), the digests of what it stored by key, and its errors."""

    put_ms: list[float] = field(default_factory=list)
    large_ms: list[float] = field(default_factory=list)
    batch_ms: float = 0.0
    ping_ms: list[float] = field(default_factory=list)
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


def _worker(target: Target, worker: int, load: Load, start: Any, queue: Any) -> None:
    result = WorkerResult()
    start.wait()
    try:
        store: Any = _NoStore() if load.storeless else target.open()
    except StoreError as exc:
        result.errors.append(f"open: {exc}")
        queue.put(asdict(result))
        return
    pauses = random.Random(worker)
    ping = _round_trip(target) if load.probe_round_trips else None
    writes = [(result.put_ms, i, load.small_bytes) for i in range(load.small_puts)]
    writes += [(result.large_ms, load.small_puts + i, load.large_bytes) for i in range(load.large_puts)]
    for latencies, index, size in writes:
        data = _content(worker, index, size)
        if load.gap_ms:
            time.sleep(pauses.expovariate(1 / load.gap_ms) / 1000)
        if ping is not None:
            result.ping_ms.append(ping())
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


def _round_trip(target: Target) -> Callable[[], float] | None:
    """A timer of one bare round trip to the store's server (None for SQLite, which has none)."""
    if target.backend != "redis":
        return None
    import redis

    client = redis.Redis.from_url(target.where)

    def ping() -> float:
        began = time.perf_counter()
        client.ping()
        return (time.perf_counter() - began) * 1000

    return ping


def prefill(target: Target, entries: int, size: int = 200) -> float:
    """Fill the store to ``entries`` entries in batches of 1,000; seconds taken."""
    store = target.open()
    began = time.perf_counter()
    have = store.stats().entries
    for start in range(have, entries, 1000):
        store.put_many([(_content(-1, i, size), "text") for i in range(start, min(entries, start + 1000))])
    store.close()
    return time.perf_counter() - began


def run_phase(target: Target, processes: int, load: Load) -> dict[str, Any]:
    """Start the workers together, collect them, then read every key back."""
    context = mp.get_context("spawn")
    start, queue = context.Event(), context.Queue()
    workers = [
        context.Process(target=_worker, args=(target, w, load, start, queue)) for w in range(processes)
    ]
    for process in workers:
        process.start()
    time.sleep(0.5)  # let every worker reach the barrier, so they open the store together
    start.set()
    results = [WorkerResult(**queue.get(timeout=600)) for _ in workers]
    for process in workers:
        process.join()
    return _summarise(target, results)


def _summarise(target: Target, results: list[WorkerResult]) -> dict[str, Any]:
    reader = target.open()
    lost = 0
    for result in results:
        for key, digest in result.stored.items():
            try:
                lost += hashlib.sha256(reader.get(key)).hexdigest() != digest
            except StoreError:
                lost += 1
    puts = sorted(ms for r in results for ms in r.put_ms)
    pings = sorted(ms for r in results for ms in r.ping_ms)
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
        "round_trip_p50_ms": _quantile(pings, 0.5) if pings else None,
        "round_trip_p99_ms": _quantile(pings, 0.99) if pings else None,
    }


def _quantile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    return values[min(len(values) - 1, int(q * len(values)))]


def report(
    console: Console, phases: dict[str, dict[str, Any]], load: Load, processes: int, backend: str
) -> bool:
    """Print the table and the verdicts; True when every target holds."""
    name = {"sqlite": "SQLite", "redis": "Redis"}[backend]
    table = Table(
        title=f"{name} store under load ({load.small_bytes} B and {load.large_bytes / 1e6:.0f} MB originals)"
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
    for label, phase in (("one writer", solo), ("paced", paced)):
        if phase.get("round_trip_p99_ms") is not None:
            console.print(
                f"a bare PING round trip before each put, {label}: p50 {phase['round_trip_p50_ms']:.2f} ms,"
                f" p99 {phase['round_trip_p99_ms']:.2f} ms (the floor under a Redis put in that phase)"
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
    parser.add_argument("--backend", choices=("sqlite", "redis"), default="sqlite")
    parser.add_argument(
        "--redis-url", default=None, help="Redis server to use (default: start a private one on loopback)"
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
    with tempfile.TemporaryDirectory(dir=args.dir) as scratch, _targets(args, Path(scratch)) as targets:
        existing = targets["existing"]
        phases = {"fresh": run_phase(targets["fresh"], args.processes, load)}
        seconds = prefill(existing, args.entries)
        console.print(
            f"prefilled {args.entries:,} entries in {seconds:.1f} s ({args.entries / max(seconds, 1e-9):,.0f}/s)"
        )
        phases["existing"] = run_phase(existing, args.processes, load)
        paced = Load(
            args.puts,
            load.small_bytes,
            args.large,
            load.large_bytes,
            load.batch,
            gap_ms=args.gap_ms,
            probe_round_trips=True,
        )
        phases["existing, paced"] = run_phase(existing, args.processes, paced)
        floor = Load(args.puts, load.small_bytes, args.large, load.large_bytes, load.batch, storeless=True)
        phases["floor"] = run_phase(targets["floor"], args.processes, floor)
        solo = Load(args.puts * 4, load.small_bytes, 0, load.large_bytes, load.batch, probe_round_trips=True)
        phases["existing, one writer"] = run_phase(existing, 1, solo)
    passed = report(console, phases, load, args.processes, args.backend)
    if args.json:
        payload = {
            "machine": info,
            "backend": args.backend,
            "processes": args.processes,
            "load": asdict(load),
            "phases": phases,
            "passed": passed,
        }
        args.json.write_text(json.dumps(payload, indent=2), encoding="utf-8")
    return 0 if passed else 1


PHASE_STORES = ("fresh", "existing", "floor")


@contextmanager
def _targets(args: argparse.Namespace, scratch: Path) -> Iterator[dict[str, Target]]:
    """The stores of one run (and the Redis server, when this run starts it)."""
    if args.backend == "sqlite":
        yield {name: Target("sqlite", str(scratch / f"{name}.sqlite3")) for name in PHASE_STORES}
        return
    run = uuid.uuid4().hex[:8]
    with _redis_server(args.redis_url, scratch) as url:
        targets = {name: Target("redis", url, f"store-load:{run}:{name}") for name in PHASE_STORES}
        try:
            yield targets
        finally:
            for target in targets.values():
                target.open().purge(all_scopes=True)


@contextmanager
def _redis_server(url: str | None, scratch: Path) -> Iterator[str]:
    """``url`` as given, else a private redis-server on a free loopback port, without persistence."""
    if url is not None:
        yield url
        return
    binary = shutil.which("redis-server")
    if binary is None:
        raise SystemExit(
            "--backend redis needs --redis-url or redis-server on PATH (apt-get install redis-server)"
        )
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    argv = [binary, "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"]
    server = subprocess.Popen([*argv, "--dir", str(scratch)], stdout=subprocess.DEVNULL)
    try:
        url = f"redis://127.0.0.1:{port}/0"
        _wait_for(url)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_for(url: str) -> None:
    import redis

    for _ in range(100):
        try:
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
            return
        except redis.RedisError:
            time.sleep(0.1)
    raise SystemExit(f"the Redis server at {url} did not answer")


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
