"""Fault injection on the store: what happens to each request, and that nothing is lost.

Every scenario compresses the same synthetic agent conversation (a log, a JSON array, a grep
result and a source file as tool results) while the store misbehaves, and audits each block:

- ``elided``: markers whose originals must be retrievable, byte for byte, from a fresh reader
  of the same store file (durable, not only in the writer's memory);
- ``lossless-only``: changed without a marker, under a declared lossless re-encoding;
- ``passed through``: unchanged, with the reason.

``lost`` counts markers that do not resolve and blocks changed without a marker or a declared
re-encoding; it must be 0 in every scenario (except markers issued before a store file was
deleted, which are reported apart: deleting the file deletes them).

    python benchmarks/faults.py
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _bench_common import machine
from rich.console import Console
from rich.table import Table

from headroom import compress
from headroom.ccr import SqliteStore, Store
from headroom.errors import StoreError
from headroom.policy import policy_from_mapping

POLICY = policy_from_mapping({"live_zone": {"min_block_tokens": 0}})
SECRET = b"faults-benchmark-secret-01234567"


def conversation(seed: int) -> list[dict[str, Any]]:
    """A user question and four tool results of different kinds."""
    log = [
        f"2026-12-03T08:{i // 60 % 60:02d}:{i % 60:02d}Z INFO worker-{seed} batch {i} done in {i % 17}ms"
        for i in range(500)
    ]
    log.insert(250, f"2026-12-03T08:04:10Z ERROR worker-{seed} lost connection to db-{seed}:5432")
    rows = [
        {"id": i, "user": f"user{i % 9}", "status": "ok" if i % 23 else "failed", "ms": i * 7 % 101}
        for i in range(150)
    ]
    grep = [
        f"src/module_{i % 12}.py:{i * 3}:    result = handle_request(session_{seed}, item_{i})"
        for i in range(220)
    ]
    code = "\n\n".join(
        f'def handler_{i}(request, retries={i}):\n    """Serve kind {i}."""\n'
        + "".join(f"    value_{j} = request.get('k{j}', {j}) * retries\n" for j in range(12))
        + "    return value_0\n"
        for i in range(30)
    )
    outputs = ["\n".join(log), json.dumps(rows, indent=2), "\n".join(grep), code]
    messages: list[dict[str, Any]] = [{"role": "user", "content": f"why does worker-{seed} fail?"}]
    for index, output in enumerate(outputs):
        call = {"id": f"c{index}", "type": "function", "function": {"name": "bash", "arguments": "{}"}}
        messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        messages.append({"role": "tool", "tool_call_id": f"c{index}", "content": output})
    return messages


def audit(messages: list[dict[str, Any]], store: Store, reader: Callable[[], Store | None]) -> dict[str, Any]:
    """Compress once and classify every block; a fresh reader checks every marker resolves."""
    try:
        result = compress(messages, POLICY, store=store)
    except StoreError as exc:  # compress() itself must not fail because the store does
        return {"outcomes": Counter({"compress() raised": 1}), "reasons": Counter({str(exc): 1}), "lost": 1}
    check = reader()
    outcomes: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    lost = 0
    originals = [m["content"] for m in messages if m.get("role") == "tool"]
    outputs = [m["content"] for m in result.messages if m.get("role") == "tool"]
    tool_blocks = [b for b in result.blocks if b.role == "tool"]
    for block, original, output in zip(tool_blocks, originals, outputs, strict=True):
        if block.elisions:
            outcomes["elided"] += 1
            lost += sum(1 for key in block.keys if check is None or not check.contains(key))
        elif output != original:
            outcomes["lossless-only" if block.lossless else "changed without a marker"] += 1
            lost += 0 if block.lossless else 1
        else:
            outcomes["passed through"] += 1
            reasons[_short(block.reason)] += 1
    return {"outcomes": outcomes, "reasons": reasons, "lost": lost}


def _short(reason: str | None) -> str:
    text = reason or "-"
    return text if len(text) <= 90 else text[:87] + "..."


def _fresh_reader(path: Path) -> Callable[[], Store | None]:
    def read() -> Store | None:
        try:
            return SqliteStore(path, secret=SECRET, busy_timeout_s=5)
        except StoreError:
            return None

    return read


def scenario_healthy(root: Path) -> list[dict[str, Any]]:
    path = root / "healthy.sqlite3"
    store = SqliteStore(path, secret=SECRET)
    return [audit(conversation(i), store, _fresh_reader(path)) for i in range(3)]


def scenario_full(root: Path) -> list[dict[str, Any]]:
    path = root / "full.sqlite3"
    store = SqliteStore(
        path, secret=SECRET, max_bytes=6_000
    )  # less than one call's originals, compressed as stored
    return [audit(conversation(i), store, _fresh_reader(path)) for i in range(3)]


def scenario_read_only(root: Path) -> list[dict[str, Any]]:
    path = root / "readonly.sqlite3"
    SqliteStore(path, secret=SECRET).close()
    store = SqliteStore(path, secret=SECRET)
    # Root ignores file modes, so the connection is made query-only: SQLite then refuses writes
    # with the same "attempt to write a readonly database" a 0400 file gives other users.
    store._db.execute("PRAGMA query_only=ON")
    return [audit(conversation(i), store, _fresh_reader(path)) for i in range(2)]


def scenario_deleted(root: Path) -> list[dict[str, Any]]:
    path = root / "deleted.sqlite3"
    store = SqliteStore(path, secret=SECRET)
    before = audit(conversation(0), store, _fresh_reader(path))
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    after = [audit(conversation(i), store, _fresh_reader(path)) for i in range(1, 3)]
    before["note"] = "before the deletion (its markers went with the file)"
    return [before, *after]


def _hold_lock(path: str, seconds: float, ready: Any) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("BEGIN EXCLUSIVE")
    ready.set()
    time.sleep(seconds)
    db.execute("ROLLBACK")


def scenario_locked(root: Path) -> list[dict[str, Any]]:
    path = root / "locked.sqlite3"
    store = SqliteStore(path, secret=SECRET, busy_timeout_s=0.5)
    context = mp.get_context("spawn")
    ready = context.Event()
    holder = context.Process(target=_hold_lock, args=(str(path), 4.0, ready))
    holder.start()
    ready.wait(30)
    results = [audit(conversation(i), store, _fresh_reader(path)) for i in range(2)]
    holder.join()
    results.append(
        audit(conversation(5), store, _fresh_reader(path)) | {"note": "after the lock was released"}
    )
    return results


def _worker(path: str, seed: int) -> list[dict[str, Any]]:
    store = SqliteStore(path, secret=SECRET)
    return [audit(conversation(seed * 10 + i), store, _fresh_reader(Path(path))) for i in range(4)]


def scenario_eight_processes(root: Path) -> list[dict[str, Any]]:
    path = str(root / "shared.sqlite3")
    with mp.get_context("spawn").Pool(8) as pool:
        return [r for rs in pool.starmap(_worker, [(path, seed) for seed in range(8)]) for r in rs]


SCENARIOS: dict[str, Callable[[Path], list[dict[str, Any]]]] = {
    "healthy": scenario_healthy,
    "store full": scenario_full,
    "store read-only": scenario_read_only,
    "store file deleted mid-run": scenario_deleted,
    "store locked by another process": scenario_locked,
    "8 processes, one store": scenario_eight_processes,
}


def report(console: Console, results: dict[str, list[dict[str, Any]]]) -> bool:
    table = Table(title="Store faults: what happened to each tool block (4 per request)")
    for header in (
        "scenario",
        "requests",
        "elided",
        "lossless-only",
        "passed through",
        "lost",
        "why passed through",
    ):
        table.add_column(header, justify="left" if header in {"scenario", "why passed through"} else "right")
    ok = True
    for name, runs in results.items():
        counted = [r for r in runs if "before the deletion" not in r.get("note", "")]
        outcomes: Counter[str] = sum((r["outcomes"] for r in counted), Counter())
        reasons: Counter[str] = sum((r["reasons"] for r in counted), Counter())
        lost = sum(r["lost"] for r in counted)
        ok &= lost == 0 and not outcomes["compress() raised"] and not outcomes["changed without a marker"]
        why = "; ".join(f"{n}x {reason}" for reason, n in reasons.most_common(3))
        table.add_row(
            name,
            str(len(counted)),
            str(outcomes["elided"]),
            str(outcomes["lossless-only"]),
            str(outcomes["passed through"]),
            str(lost),
            why,
        )
    console.print(table)
    console.print(f"nothing lost in any scenario: {'PASS' if ok else 'FAIL'}")
    return ok


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args(argv)
    console = Console(width=200)
    info = machine()
    console.print(f"machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}, {info['os']}")
    with tempfile.TemporaryDirectory() as scratch:
        results = {name: run(Path(scratch)) for name, run in SCENARIOS.items()}
    passed = report(console, results)
    if args.json:
        args.json.write_text(
            json.dumps({"machine": info, "scenarios": results, "passed": passed}, indent=2, default=dict)
        )
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
