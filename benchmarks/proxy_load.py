"""The proxy under load: concurrent streams through it to a fake upstream, beside the same streams sent direct.

Three processes on loopback: a fake Anthropic upstream that streams ``--frames`` text deltas
per request (``--delay-ms`` apart) and reports what body it received; the proxy (``headroom
proxy``'s app, in-memory store); and this client, which starts ``--concurrency`` streaming
requests at once and checks every stream: status 200, every delta present and in order, and
the body the upstream got (compressed when compression ran; the client's exact bytes on a fail-open
path).

Phases:

- ``cached``: one agent request (a 300-line build log as a tool result) whose compression the
  proxy already did, sent by ``--concurrency`` clients at once, each ``--per-worker`` times in
  a row (starts spread over one stream's length, so that many streams are in flight all along);
  ``--rounds`` rounds sent direct and through the proxy, interleaved. The
  proxy's overhead on time to first byte is p50(proxy) - p50(direct) (likewise p99). Targets:
  p50 <= 10 ms, p99 <= 50 ms, nothing dropped or reordered.
- ``burst``: the same number of distinct requests at once (nothing cached): each is compressed
  or, past the bounded compression queue, forwarded as sent (``saturated``); nothing dropped.
- ``exception`` / ``store`` / ``deadline``: faults injected into a fresh proxy (the compressor
  raises; the store is down; compression sleeps past a 50 ms deadline), ``--fault-concurrency``
  at a time: every request still streams, with the original bytes (or, store down, no marker).

    python benchmarks/proxy_load.py                       # 200 concurrent, 5 rounds (about 2 minutes)
    python benchmarks/proxy_load.py --concurrency 50 --rounds 2
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import aiohttp
from _bench_common import machine
from rich.console import Console
from rich.table import Table

from headroom import compress
from headroom.ccr import MemoryStore, StoreStats
from headroom.errors import StoreError

PATH = "/v1/messages"
FAULTS = ("burst", "exception", "store", "deadline")


def build_log(seed: int = 0) -> str:
    lines = [
        f"2026-01-01 10:{i // 60:02d}:{i % 60:02d} INFO worker {seed} step {i} done in {i * 7 % 89} ms"
        for i in range(300)
    ]
    lines.insert(150, f"2026-01-01 10:02:30 ERROR link failed: undefined symbol init_{seed}")
    return "\n".join(lines) + "\n"


def request_body(seed: int = 0) -> bytes:
    messages = [
        {"role": "user", "content": f"Why did build {seed} fail?"},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "t1", "name": "bash", "input": {"cmd": "make"}}],
        },
        {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "t1", "content": build_log(seed)}],
        },
    ]
    return json.dumps(
        {"model": "claude-bench", "max_tokens": 256, "stream": True, "messages": messages}
    ).encode()


# ---- the fake upstream and the proxy, each run in its own process ----


class FakeProvider(asyncio.Protocol):
    """The fake Anthropic upstream as a bare asyncio protocol: HTTP/1.1 keep-alive, chunked SSE.

    Kept this lean on purpose: on loopback it shares the CPUs with the proxy it measures, and
    a framework server here (Starlette on uvicorn cost about 3 ms of CPU per stream) would
    take CPU time that the proxy's figures then show as its own overhead.
    """

    frames = 20
    delay_s = 0.05

    def connection_made(self, transport: Any) -> None:
        self.transport = transport
        self.buffer = b""
        self.busy = False

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        if not self.busy:
            self._next()

    def _next(self) -> None:
        head_end = self.buffer.find(b"\r\n\r\n")
        if head_end < 0:
            return
        head = self.buffer[:head_end].decode("latin-1").split("\r\n")
        fields = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in head[1:])}
        length = int(fields.get("content-length", "0"))
        if len(self.buffer) < head_end + 4 + length:
            return
        body = self.buffer[head_end + 4 : head_end + 4 + length]
        self.buffer = self.buffer[head_end + 4 + length :]
        self.busy = True
        asyncio.get_running_loop().create_task(self._answer(fields.get("x-bench-id", "?"), body))

    async def _answer(self, rid: str, body: bytes) -> None:
        seen = {
            "sha": hashlib.sha256(body).hexdigest(),
            "bytes": len(body),
            "markers": b"retrieve: hr" in body,
        }
        start = {
            "type": "message_start",
            "message": {
                "id": f"msg_{rid}",
                "type": "message",
                "role": "assistant",
                "content": [],
                "model": "m",
                "usage": {"input_tokens": 1, "output_tokens": 1},
            },
            "bench": seen,
        }
        write = self._chunk
        self.transport.write(
            b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
        )
        write(
            f"event: message_start\ndata: {json.dumps(start)}\n\n".encode()
            + b'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n'
        )
        for index in range(self.frames):
            await asyncio.sleep(self.delay_s)
            if self.transport.is_closing():
                return
            write(
                b'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"'
                + f"{rid}:{index};".encode()
                + b'"}}\n\n'
            )
        write(
            b'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n'
            b'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":9}}\n\n'
            b'event: message_stop\ndata: {"type":"message_stop"}\n\n'
        )
        self.transport.write(b"0\r\n\r\n")
        self.busy = False
        self._next()

    def _chunk(self, data: bytes) -> None:
        self.transport.write(b"%x\r\n%s\r\n" % (len(data), data))


def serve_upstream(frames: int, delay_s: float) -> None:
    FakeProvider.frames, FakeProvider.delay_s = frames, delay_s

    async def run() -> None:
        server = await asyncio.get_running_loop().create_server(FakeProvider, "127.0.0.1", 0, backlog=2048)
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.get_running_loop().run_in_executor(
            None, sys.stdin.read
        )  # until the parent closes stdin
        server.close()

    asyncio.run(run())


class DownStore(MemoryStore):
    """Injected fault: the store backend is unreachable."""

    def put_many(self, entries: Sequence[tuple[str | bytes, str]], keep: Any = ()) -> list[str]:
        raise StoreError("store down (injected)")

    def get(self, key: str) -> bytes:
        raise StoreError("store down (injected)")

    def stats(self) -> StoreStats:
        raise StoreError("store down (injected)")


def raising(*_: Any, **__: Any) -> Any:
    raise RuntimeError("compressor exception (injected)")


def sleeping(*args: Any, **kwargs: Any) -> Any:
    time.sleep(0.5)
    return compress(*args, **kwargs)


def proxy_app(upstream: str, fault: str) -> Any:
    from headroom.proxy import ProxySettings, build_app

    deadline = (
        {"compress_deadline_ms": 50.0, "compress_deadline_ms_per_4kb": 0.0} if fault == "deadline" else {}
    )
    settings = ProxySettings(
        anthropic_upstream=upstream, openai_upstream=upstream, trust_env=False, **deadline
    )  # type: ignore[arg-type]
    store = DownStore() if fault == "store" else MemoryStore()
    compress_fn = {"exception": raising, "deadline": sleeping}.get(fault, compress)
    return build_app(settings, store=store, compress_fn=compress_fn)


def serve(args: argparse.Namespace) -> None:
    from headroom.testing.upstream import BackgroundServer

    if args.serve == "upstream":
        serve_upstream(args.frames, args.delay_ms / 1000)
        return
    with BackgroundServer(proxy_app(args.upstream, args.fault)) as server:
        print(server.port, flush=True)
        sys.stdin.read()  # until the parent closes our stdin


class Child:
    """A server process; its port is the first line it prints."""

    def __init__(self, *argv: str) -> None:
        root = str(Path(__file__).resolve().parents[1])
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p),
        }
        self.process = subprocess.Popen(
            [sys.executable, __file__, *argv],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        assert self.process.stdout is not None
        self.url = f"http://127.0.0.1:{int(self.process.stdout.readline())}"

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=20)


# ---- the client ----


@dataclass
class Outcome:
    ttfb_s: float
    ok: bool
    problem: str = ""
    passthrough: str = ""
    upstream_saw: dict[str, Any] = field(default_factory=dict)


async def one(client: aiohttp.ClientSession, url: str, rid: str, body: bytes, frames: int) -> Outcome:
    started = time.perf_counter()
    headers = {"content-type": "application/json", "x-api-key": "k", "x-bench-id": rid}
    try:
        async with client.post(url + PATH, data=body, headers=headers) as response:
            first = await response.content.readany()
            ttfb = time.perf_counter() - started
            rest = [first, *[chunk async for chunk in response.content.iter_any()]]
            status, passthrough = response.status, response.headers.get("x-headroom-passthrough", "")
    except (TimeoutError, aiohttp.ClientError) as exc:
        return Outcome(time.perf_counter() - started, False, f"{type(exc).__name__}")
    if status != 200:
        return Outcome(ttfb, False, f"status {status}")
    return _checked(b"".join(rest), rid, frames, ttfb, passthrough)


def _checked(raw: bytes, rid: str, frames: int, ttfb: float, passthrough: str) -> Outcome:
    events = [json.loads(line[6:]) for line in raw.decode().splitlines() if line.startswith("data: ")]
    texts = [e["delta"]["text"] for e in events if e.get("type") == "content_block_delta"]
    saw = next((e.get("bench", {}) for e in events if e.get("type") == "message_start"), {})
    if texts != [f"{rid}:{i};" for i in range(frames)]:
        return Outcome(ttfb, False, "dropped or reordered deltas", passthrough, saw)
    if not events or events[-1].get("type") != "message_stop":
        return Outcome(ttfb, False, "no message_stop", passthrough, saw)
    return Outcome(ttfb, True, "", passthrough, saw)


def session(width: int) -> aiohttp.ClientSession:
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=width + 10), timeout=aiohttp.ClientTimeout(total=300)
    )


async def sustained(
    url: str, bodies: Sequence[bytes], frames: int, tag: str, workers: int, stagger_s: float
) -> list[Outcome]:
    """``workers`` clients, each sending its share of ``bodies`` one after another: that many streams in flight.

    Starts are spread over ``stagger_s`` (about one stream's length) so the load is steady
    rather than one burst at a single instant.
    """
    async with session(workers) as client:

        async def worker(index: int) -> list[Outcome]:
            await asyncio.sleep(random.Random(index).uniform(0, stagger_s))
            mine = bodies[index::workers]
            return [await one(client, url, f"{tag}{index}-{j}-", body, frames) for j, body in enumerate(mine)]

        done = await asyncio.gather(*(worker(i) for i in range(workers)))
    return [outcome for batch in done for outcome in batch]


async def burst(url: str, bodies: Sequence[bytes], frames: int, tag: str) -> list[Outcome]:
    """Every body at the same instant."""
    async with session(len(bodies)) as client:
        return await asyncio.gather(
            *(one(client, url, f"{tag}{i}-", body, frames) for i, body in enumerate(bodies))
        )


async def waves(url: str, bodies: Sequence[bytes], frames: int, tag: str, width: int) -> list[Outcome]:
    out: list[Outcome] = []
    for start in range(0, len(bodies), width):
        out.extend(await burst(url, bodies[start : start + width], frames, f"{tag}{start}-"))
    return out


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))] if ordered else float("nan")


def summary(outcomes: Sequence[Outcome], original: dict[str, str] | None = None) -> dict[str, Any]:
    ttfb = [o.ttfb_s * 1000 for o in outcomes if o.ok]
    return {
        "requests": len(outcomes),
        "completed": sum(o.ok for o in outcomes),
        "failures": dict(Counter(o.problem for o in outcomes if not o.ok)),
        "ttfb_ms_p50": round(percentile(ttfb, 0.5), 2),
        "ttfb_ms_p99": round(percentile(ttfb, 0.99), 2),
        "passthrough": dict(Counter(o.passthrough or "compressed" for o in outcomes)),
        "upstream_got_markers": sum(bool(o.upstream_saw.get("markers")) for o in outcomes),
    }


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def cached_phase(
    direct: str, proxied: str, args: argparse.Namespace, proxy_pid: int, upstream_pid: int
) -> dict[str, Any]:
    body = request_body()
    warm = await burst(proxied, [body], args.frames, "warm")  # the proxy compresses once; later copies hit
    original = hashlib.sha256(body).hexdigest()
    results: dict[str, list[Outcome]] = {"direct": [], "proxy": []}
    stagger = args.frames * args.delay_ms / 1000
    proxy_cpu, upstream_cpu = cpu_seconds(proxy_pid), cpu_seconds(upstream_pid)
    for round_ in range(args.rounds):
        order = (
            (("direct", direct), ("proxy", proxied))
            if round_ % 2 == 0
            else (("proxy", proxied), ("direct", direct))
        )
        for name, url in order:
            bodies = [body] * (args.concurrency * args.per_worker)
            results[name].extend(
                await sustained(url, bodies, args.frames, f"{name}{round_}-", args.concurrency, stagger)
            )
    proxy_cpu, upstream_cpu = cpu_seconds(proxy_pid) - proxy_cpu, cpu_seconds(upstream_pid) - upstream_cpu
    via, raw = summary(results["proxy"]), summary(results["direct"])
    compressed = sum(
        o.upstream_saw.get("sha") != original and o.upstream_saw.get("bytes", 1e9) < len(body)
        for o in results["proxy"]
    )
    return {
        "direct": raw,
        "proxy": via,
        "overhead_ms_p50": round(via["ttfb_ms_p50"] - raw["ttfb_ms_p50"], 2),
        "overhead_ms_p99": round(via["ttfb_ms_p99"] - raw["ttfb_ms_p99"], 2),
        "proxy_requests_sent_compressed": compressed,
        "proxy_cpu_ms_per_request": round(proxy_cpu / max(len(results["proxy"]), 1) * 1000, 2),
        "upstream_cpu_ms_per_request": round(
            upstream_cpu / max(len(results["proxy"]) + len(results["direct"]), 1) * 1000, 2
        ),
        "load_average": os.getloadavg()[0],
        "warm_up_ok": warm[0].ok,
    }


def fail_open_phase(upstream: str, fault: str, args: argparse.Namespace) -> dict[str, Any]:
    proxy = Child("--serve", "proxy", "--upstream", upstream, "--fault", fault)
    try:
        bodies = [request_body(seed) for seed in range(1, args.concurrency + 1)]
        if fault == "burst":
            outcomes = asyncio.run(burst(proxy.url, bodies, args.frames, "b"))
        else:
            outcomes = asyncio.run(waves(proxy.url, bodies, args.frames, fault[0], args.fault_concurrency))
    finally:
        proxy.close()
    result = summary(outcomes)
    shas = {hashlib.sha256(b).hexdigest() for b in bodies}
    result["forwarded_original_bytes"] = sum(o.upstream_saw.get("sha") in shas for o in outcomes)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--frames", type=int, default=20, help="Text deltas per stream.")
    parser.add_argument("--delay-ms", type=float, default=50.0, help="Upstream delay between deltas.")
    parser.add_argument(
        "--per-worker", type=int, default=3, help="Requests each concurrent client sends per round."
    )
    parser.add_argument("--fault-concurrency", type=int, default=8)
    parser.add_argument(
        "--faults",
        nargs="*",
        default=list(FAULTS),
        choices=FAULTS,
        help="Fail-open phases to run after the cached one (none: the cached phase only).",
    )
    parser.add_argument("--json", type=Path, default=None, help="Write the figures here too.")
    parser.add_argument("--serve", choices=("upstream", "proxy"), help=argparse.SUPPRESS)
    parser.add_argument("--upstream", help=argparse.SUPPRESS)
    parser.add_argument("--fault", default="none", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args)
        return 0
    upstream = Child("--serve", "upstream", "--frames", str(args.frames), "--delay-ms", str(args.delay_ms))
    proxy = Child("--serve", "proxy", "--upstream", upstream.url)
    try:
        report: dict[str, Any] = {
            "machine": machine(),
            "servers": servers(),
            "args": {k: v for k, v in vars(args).items() if k not in ("serve", "upstream", "fault", "json")},
        }
        report["cached"] = asyncio.run(
            cached_phase(upstream.url, proxy.url, args, proxy.process.pid, upstream.process.pid)
        )
        proxy.close()
        for fault in args.faults:
            report[fault] = fail_open_phase(upstream.url, fault, args)
    finally:
        if proxy.process.poll() is None:
            proxy.close()
        upstream.close()
    _print(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2))
    return 0 if _passed(report) else 1


def servers() -> str:
    """The event loop and HTTP parser uvicorn picks (``auto``): uvloop and httptools when installed."""
    import importlib.util

    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    return f"{loop} + {http}"


def _passed(report: dict[str, Any]) -> bool:
    cached = report["cached"]
    complete = all(report[p]["completed"] == report[p]["requests"] for p in FAULTS if p in report)
    complete = complete and cached["proxy"]["completed"] == cached["proxy"]["requests"]
    return complete and cached["overhead_ms_p50"] <= 10 and cached["overhead_ms_p99"] <= 50


def _print(report: dict[str, Any]) -> None:
    console = Console(width=max(Console().width, 150))  # the whole table, also when piped to a file
    cached = report["cached"]
    table = Table(
        title=f"proxy load · {report['args']['concurrency']} concurrent streams · {report['machine']}",
        title_justify="left",
    )
    for column in (
        "phase",
        "requests",
        "completed",
        "TTFB p50 ms",
        "TTFB p99 ms",
        "forwarded as",
        "markers upstream",
    ):
        table.add_column(column)
    for name, row in (("direct (baseline)", cached["direct"]), ("proxy, cached", cached["proxy"])):
        table.add_row(
            name,
            str(row["requests"]),
            str(row["completed"]),
            str(row["ttfb_ms_p50"]),
            str(row["ttfb_ms_p99"]),
            json.dumps(row["passthrough"]),
            str(row["upstream_got_markers"]),
        )
    for phase in (p for p in FAULTS if p in report):
        row = report[phase]
        table.add_row(
            phase,
            str(row["requests"]),
            str(row["completed"]),
            str(row["ttfb_ms_p50"]),
            str(row["ttfb_ms_p99"]),
            json.dumps(row["passthrough"]),
            str(row["upstream_got_markers"]),
        )
    console.print(table)
    console.print(
        f"proxy overhead on TTFB: p50 {cached['overhead_ms_p50']} ms (target <= 10), p99 {cached['overhead_ms_p99']} ms (target <= 50)"
    )
    failures = {p: report[p]["failures"] for p in FAULTS if p in report and report[p]["failures"]}
    console.print(
        f"proxy CPU {cached['proxy_cpu_ms_per_request']} ms per proxied stream (the fake upstream: "
        f"{cached['upstream_cpu_ms_per_request']} ms to serve one); 1-min load average {cached['load_average']:.1f} "
        f"on {os.cpu_count()} CPUs; servers on {report['servers']}"
    )
    console.print(f"failures: {failures or 'none'}; verdict: {'PASS' if _passed(report) else 'FAIL'}")


if __name__ == "__main__":
    raise SystemExit(main())
