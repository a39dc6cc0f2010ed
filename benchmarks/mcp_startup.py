"""How long an agent waits for the MCP server: spawn to initialized, and to the first tool results.

Each run starts the server over stdio with the ``mcp`` SDK's own client (as Claude Code, Codex or
Cursor would), on a fresh store in a temporary directory, and times: the initialize handshake
(what an agent's startup timeout covers; Codex allows 10 s by default, the install writes 20 s),
``tools/list``, the first ``headroom_compress`` (it loads the policy and the compressors) and a
``headroom_retrieve`` of one of its markers. Both entry points are timed, runs interleaved:
``python -m headroom.mcp_server`` (what ``headroom mcp install`` registers) and
``python -m headroom mcp serve`` (the CLI command, which loads the whole CLI first). The
1-minute load average is printed beside the figures: on a shared machine they follow it.

    python benchmarks/mcp_startup.py            # 5 runs of each entry, medians
    python benchmarks/mcp_startup.py --runs 10 --json out.json
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _bench_common import machine
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from headroom.ccr import parse_markers

ROOT = Path(__file__).resolve().parents[1]
ENTRIES = {
    "module": ["-m", "headroom.mcp_server"],
    "cli": ["-m", "headroom", "mcp", "serve"],
}


def _log(lines: int = 2000) -> str:
    body = [
        f"2026-12-03 10:{i // 60 % 60:02d}:{i % 60:02d} INFO request {i} served in {i % 97} ms"
        for i in range(lines)
    ]
    body.insert(lines // 2, "2026-12-03 10:16:40 ERROR database connection refused: host db-1 port 5432")
    return "\n".join(body) + "\n"


async def one_run(store_dir: Path, entry: str) -> dict[str, float]:
    """Seconds from spawn to each milestone."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "HEADROOM_STORE_PATH": str(store_dir / "s.db"),
    }
    params = StdioServerParameters(command=sys.executable, args=ENTRIES[entry], env=env)
    began = time.perf_counter()
    async with Client(params) as client:
        initialized = time.perf_counter() - began
        await client.list_tools()
        listed = time.perf_counter() - began
        compressed = await client.call_tool("headroom_compress", {"content": _log()})
        first_compress = time.perf_counter() - began
        key = parse_markers(compressed.content[0].text)[0].key  # type: ignore[union-attr]
        retrieved = await client.call_tool("headroom_retrieve", {"key": key})
        assert not retrieved.is_error
        first_retrieve = time.perf_counter() - began
    return {
        "initialized_s": initialized,
        "tools_listed_s": listed,
        "first_compress_s": first_compress,
        "first_retrieve_s": first_retrieve,
    }


def startup_cpu(store_dir: Path, entry: str) -> float:
    """CPU seconds (user + system) the server spends from spawn to serving, then to exit on EOF.

    On a shared machine wall times follow the load; the CPU a start costs does much less.
    """
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HEADROOM_STORE_PATH": str(store_dir / "s.db")}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run([sys.executable, *ENTRIES[entry]], stdin=subprocess.DEVNULL, env=env, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--json", type=Path, help="write every figure here")
    args = parser.parse_args(argv)
    info = machine()
    print(f"machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}, {info['os']}")
    runs: dict[str, list[dict[str, float]]] = {entry: [] for entry in ENTRIES}
    loads = [os.getloadavg()[0]]
    for _ in range(args.runs):
        for entry in ENTRIES:
            with tempfile.TemporaryDirectory() as scratch:
                timed = asyncio.run(one_run(Path(scratch), entry))
                runs[entry].append({**timed, "startup_cpu_s": startup_cpu(Path(scratch), entry)})
        loads.append(os.getloadavg()[0])
    medians = {}
    for entry, done in runs.items():
        print(f"python {' '.join(ENTRIES[entry])}:")
        medians[entry] = {name: statistics.median(run[name] for run in done) for name in done[0]}
        for name, value in medians[entry].items():
            worst = max(run[name] for run in done)
            print(f"  {name:>18}: median {value:.2f} s, max {worst:.2f} s over {args.runs} runs")
    print(
        f"1-minute load average during the runs: {min(loads):.1f} to {max(loads):.1f} on {os.cpu_count()} CPUs"
    )
    listed = medians["module"]["tools_listed_s"]
    print(
        f"spawn to the first tools/list answer (python -m headroom.mcp_server): median {listed:.2f} s"
        f" (target <= 2 s): {'PASS' if listed <= 2 else 'FAIL'}"
    )
    if args.json:
        report = {"machine": info, "load_average": loads, "runs": runs, "medians": medians}
        args.json.write_text(json.dumps(report, indent=2))
    return 0 if listed <= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
