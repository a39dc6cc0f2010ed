"""Latency and memory at scale: every content type from 10 KB to 10 MB, adversarial shapes, the corpus.

    python benchmarks/scaling.py [--quick] [--corpus DIR --split tune|test|all] [--no-peer] [--json PATH]

Each case is one block through ``compress_text`` (auto-detected, extractive prose as a base
install runs it, the time budget off so the figures are the compressors' own cost). Per case:
ms per 10K o200k tokens (p50/p99/max over its runs; wall time, and this process's CPU time
beside it, which a machine shared with other work inflates less), peak Python memory while compressing
(tracemalloc, one extra run) as a multiple of the input's UTF-8 bytes, and the compressor that
handled it. The peer, headroom-ai 0.42.0, compresses the same text in the same run (up to
``--peer-max-bytes``). Targets: p99 <= 50 ms and max <= 200 ms per 10K tokens, peak memory <=
20x the input; the script reports them (exit 1 only with ``--strict``).
Synthetic inputs are generated here (``_scaling_inputs``); corpus files are read, never copied.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _bench_common import corpus_has_splits, list_corpus, machine
from _peer_runner import PeerProcess
from _scaling_inputs import ADVERSARIAL, KINDS, synthetic
from rich.console import Console
from rich.table import Table

from headroom import compress_text
from headroom.ccr import MemoryStore
from headroom.policy import Policy, policy_from_mapping
from headroom.tokens import count_tokens

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_PEER_PYTHON = REPO_ROOT / ".bench" / "peer" / "bin" / "python"
TIKTOKEN_CACHE = REPO_ROOT / ".bench" / "tiktoken"
ENCODING = "o200k_base"
TARGET_P99_MS = 50.0
TARGET_MAX_MS = 200.0
TARGET_MEMORY = 20.0
SIZES = {"10KB": 10_000, "100KB": 100_000, "1MB": 1_000_000, "10MB": 10_000_000}
RUNS = {10_000: 15, 100_000: 7, 1_000_000: 3, 10_000_000: 1}
QUICK_SIZES = {"10KB": 10_000, "100KB": 100_000}
SINGLE_LINE_BYTES = 5_000_000


@dataclass
class Case:
    """One measured case: a content type at a size, an adversarial shape, or a corpus kind."""

    group: str
    name: str
    size: str
    tokens: int
    input_bytes: int
    ms_per_10k: list[float]
    peak_memory: float | None
    compressors: list[str]
    peer_ms_per_10k: list[float] = field(default_factory=list)
    peer_error: str | None = None
    cpu_ms_per_10k: list[float] = field(default_factory=list)
    """This process's CPU time per run: on a shared machine it shows what the wall time hides."""

    def stats(self, values: list[float]) -> dict[str, float] | None:
        """p50, p99 and max of ``values`` (None when empty)."""
        if not values:
            return None
        ordered = sorted(values)
        p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
        return {"p50": statistics.median(ordered), "p99": p99, "max": ordered[-1]}

    def misses(self, cpu: bool = False) -> list[str]:
        """The targets this case misses (``cpu``: judged on CPU time instead of wall time)."""
        ours = self.stats(self.cpu_ms_per_10k if cpu else self.ms_per_10k)
        found = []
        if ours and ours["p99"] > TARGET_P99_MS:
            found.append(f"p99 {ours['p99']:.0f} ms/10K")
        if ours and ours["max"] > TARGET_MAX_MS:
            found.append(f"max {ours['max']:.0f} ms/10K")
        if self.peak_memory is not None and self.peak_memory > TARGET_MEMORY:
            found.append(f"memory {self.peak_memory:.1f}x")
        return found


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10 KB and 100 KB only, adversarial at 100 KB")
    parser.add_argument("--corpus", type=Path, default=None, help="also time every file of this corpus")
    parser.add_argument("--split", choices=["tune", "test", "all"], default="all", help="the corpus side")
    parser.add_argument("--no-peer", action="store_true", help="skip the peer")
    parser.add_argument(
        "--peer-python",
        type=Path,
        default=Path(os.environ.get("HEADROOM_PEER_PYTHON", DEFAULT_PEER_PYTHON)),
        help="python of the peer's virtual environment (env HEADROOM_PEER_PYTHON)",
    )
    parser.add_argument("--peer-max-bytes", type=int, default=1_500_000, help="larger cases skip the peer")
    parser.add_argument("--peer-timeout", type=float, default=120.0, help="seconds for one peer answer")
    parser.add_argument("--kind", action="append", default=[], help="only these synthetic kinds")
    parser.add_argument("--size", action="append", default=[], choices=sorted(SIZES), help="only these sizes")
    parser.add_argument("--adversarial-size", type=int, default=None, help="characters per adversarial case")
    parser.add_argument("--no-adversarial", action="store_true", help="skip the adversarial shapes")
    parser.add_argument("--no-synthetic", action="store_true", help="skip the synthetic content types")
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is missed")
    return parser.parse_args(argv)


POLICY: Policy = policy_from_mapping(
    {
        "prose": {"engine": "extractive"},
        "live_zone": {"block_budget_ms": 0, "block_budget_ms_per_10k_tokens": 0},
    }
)


def time_ours(text: str, tokens: int) -> tuple[float, float, str]:
    """Wall and CPU ms per 10K tokens of one compression, and the compressor that handled it."""
    store = MemoryStore(ttl_seconds=None, max_bytes=1 << 40)
    start, cpu = time.perf_counter(), time.process_time()
    out = compress_text(text, POLICY, store=store)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    scale = 1000 * 10_000 / max(tokens, 1)
    return seconds * scale, cpu * scale, out.compressor


def peak_memory(text: str) -> float:
    """Peak Python allocation while compressing, as a multiple of the input's UTF-8 bytes."""
    store = MemoryStore(ttl_seconds=None, max_bytes=1 << 40)
    tracemalloc.start()
    try:
        compress_text(text, POLICY, store=store)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / max(len(text.encode("utf-8", "surrogatepass")), 1)


class Peer:
    """The peer, restarted after a failure (a timeout on one case must not end the others)."""

    def __init__(self, python: Path, timeout: float, max_bytes: int) -> None:
        self.python, self.timeout, self.max_bytes = python, timeout, max_bytes
        self.process: PeerProcess | None = None
        self.version: str | None = None

    def ms_per_10k(self, text: str, tokens: int) -> tuple[float | None, str | None]:
        """The peer's ms per 10K tokens on ``text``, or why there is none."""
        if len(text) > self.max_bytes:
            return None, f"skipped over {self.max_bytes} bytes"
        if self.process is None or self.process.error is not None:
            self.process = PeerProcess(self.python, TIKTOKEN_CACHE, self.timeout)
            self.version = str(self.process.header.get("version", self.version))
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", errors="replace", suffix=".txt") as file:
            file.write(text)
            file.flush()
            answer = self.process.ask(Path(file.name), "Look at this output.")
        if answer is None:
            return None, (self.process.error or "no answer")[:200]
        if answer.get("error"):
            return None, str(answer["error"])[:200]
        return float(answer["seconds"]) * 1000 * 10_000 / max(tokens, 1), None

    def close(self) -> None:
        """Stop the server."""
        if self.process is not None:
            self.process.close()


def measure(group: str, name: str, size: str, texts: list[str], peer: Peer | None) -> Case:
    """Time each text (one run each), then one memory run on the first."""
    first = texts[0]
    tokens = count_tokens(first, ENCODING)
    case = Case(group, name, size, tokens, len(first.encode("utf-8", "surrogatepass")), [], None, [])
    for text in texts:
        text_tokens = count_tokens(text, ENCODING)
        if peer is not None:
            theirs, error = peer.ms_per_10k(text, text_tokens)
            if theirs is not None:
                case.peer_ms_per_10k.append(theirs)
            case.peer_error = case.peer_error or error
        ours, cpu, compressor = time_ours(text, text_tokens)
        case.ms_per_10k.append(ours)
        case.cpu_ms_per_10k.append(cpu)
        if compressor not in case.compressors:
            case.compressors.append(compressor)
    case.peak_memory = peak_memory(first)
    return case


def synthetic_cases(sizes: dict[str, int], kinds: Sequence[str]) -> Iterator[tuple[str, str, str, list[str]]]:
    """(group, name, size label, texts) for every kind at every size, one text per run."""
    for kind in kinds:
        for label, size in sizes.items():
            yield "synthetic", kind, label, [synthetic(kind, size, seed) for seed in range(RUNS[size])]


def adversarial_cases(size: int) -> Iterator[tuple[str, str, str, list[str]]]:
    """Each adversarial shape, a few seeds (truncation points differ), at ``size``."""
    runs = 3
    for name, build in ADVERSARIAL.items():
        chosen = SINGLE_LINE_BYTES if name == "single 5 MB line" and size >= 1_000_000 else size
        texts = [_as_text(build(chosen, seed)) for seed in range(runs)]
        yield "adversarial", name, f"{len(texts[0]) // 1000}KB", texts


def _as_text(value: str | bytes) -> str:
    """Bytes are decoded the way ``headroom compress`` decodes a file (U+FFFD for invalid bytes)."""
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


def corpus_cases(root: Path, split: str, console: Console) -> Iterator[tuple[str, str, str, list[str]]]:
    """Every corpus file of ``split`` as its own case, one block each."""
    if not root.is_dir():
        console.print(f"no corpus at {root}: synthetic and adversarial cases only")
        return
    if split != "all" and not corpus_has_splits(root):
        console.print(f"{root}'s manifest marks no split: measuring every file")
    for corpus in list_corpus(root, split=split):
        text = corpus.path.read_text(encoding="utf-8", errors="replace")
        yield f"corpus {split}", f"{corpus.kind}: {corpus.rel}", f"{len(text) // 1000}KB", [text]


def warm_up() -> None:
    """One small text of each kind first: one-time set-up (grammars, extractors) is not measured."""
    for kind in KINDS:
        compress_text(synthetic(kind, 5000, 99), POLICY, store=MemoryStore())


def _fmt(stats: dict[str, float] | None) -> str:
    return "-" if stats is None else f"{stats['p50']:.1f} / {stats['p99']:.1f} / {stats['max']:.1f}"


def _fmt_tail(stats: dict[str, float] | None) -> str:
    return "-" if stats is None else f"{stats['p99']:.1f} / {stats['max']:.1f}"


def table(title: str, cases: list[Case], peer: bool) -> Table:
    """One row per case."""
    out = Table(title=title, title_justify="left")
    columns = ["case", "size", "tokens", "runs", "ms/10K p50/p99/max", "CPU ms/10K p99/max", "peak mem"]
    columns += ["compressor"]
    columns += ["peer ms/10K p50/p99/max"] if peer else []
    columns += ["targets"]
    for column in columns:
        out.add_column(
            column, justify="right" if column in ("size", "tokens", "runs", "peak mem") else "left"
        )
    for case in cases:
        memory = "-" if case.peak_memory is None else f"{case.peak_memory:.1f}x"
        row = [
            case.name,
            case.size,
            str(case.tokens),
            str(len(case.ms_per_10k)),
            _fmt(case.stats(case.ms_per_10k)),
            _fmt_tail(case.stats(case.cpu_ms_per_10k)),
        ]
        row += [memory, ",".join(case.compressors)]
        row += (
            [_fmt(case.stats(case.peer_ms_per_10k)) if case.peer_ms_per_10k else (case.peer_error or "-")]
            if peer
            else []
        )
        row += ["; ".join(case.misses()) or "ok"]
        out.add_row(*row)
    return out


def corpus_summary(cases: list[Case]) -> list[Case]:
    """Corpus files pooled per kind and overall: the distribution across files."""
    pooled: dict[str, Case] = {}
    for case in cases:
        kind = case.name.split(":", 1)[0]
        for key in (kind, "all kinds"):
            into = pooled.setdefault(key, Case(case.group, key, "", 0, 0, [], 0.0, []))
            into.tokens += case.tokens
            into.input_bytes += case.input_bytes
            into.ms_per_10k += case.ms_per_10k
            into.peer_ms_per_10k += case.peer_ms_per_10k
            into.cpu_ms_per_10k += case.cpu_ms_per_10k
            into.peak_memory = max(into.peak_memory or 0.0, case.peak_memory or 0.0)
            into.compressors = sorted(set(into.compressors) | set(case.compressors))
    for into in pooled.values():
        into.size = f"{into.input_bytes // 1000}KB"
    return [pooled[k] for k in sorted(pooled, key=lambda k: (k == "all kinds", k))]


def main(argv: Sequence[str] | None = None) -> int:
    """Run every case and print the tables and the target checks."""
    args = parse_args(argv)
    console = Console(width=200)
    sizes = QUICK_SIZES if args.quick else SIZES
    sizes = {label: SIZES[label] for label in args.size} if args.size else sizes
    peer = None
    if not args.no_peer:
        if args.peer_python.is_file():
            peer = Peer(args.peer_python, args.peer_timeout, args.peer_max_bytes)
        else:
            console.print(f"peer python not found at {args.peer_python}; run benchmarks/setup_peer.sh")
    warm_up()
    sources = [] if args.no_synthetic else [synthetic_cases(sizes, args.kind or KINDS)]
    if not args.no_adversarial:
        size = args.adversarial_size or (100_000 if args.quick else 1_000_000)
        sources.append(adversarial_cases(size))
    if args.corpus is not None:
        sources.append(corpus_cases(args.corpus, args.split, console))
    cases = [measure(*spec, peer) for source in sources for spec in source]
    if peer is not None:
        peer.close()
    report(console, cases, peer, args)
    missed = [c for c in cases if not c.group.startswith("corpus") and c.misses()]
    return 1 if args.strict and missed else 0


def report(console: Console, cases: list[Case], peer: Peer | None, args: argparse.Namespace) -> None:
    """Print the tables and, with ``--json``, write every figure."""
    with_peer = peer is not None
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    console.print(
        f"machine: {machine()}; load average at the end: {load}; peer: {peer.version if peer else 'none'}"
    )
    for group in dict.fromkeys(c.group for c in cases):
        chosen = [c for c in cases if c.group == group]
        if group.startswith("corpus"):
            chosen = corpus_summary(chosen)
        console.print(table(group, chosen, with_peer))
    misses = [f"{c.group} {c.name} {c.size}: {'; '.join(c.misses())}" for c in cases if c.misses()]
    console.print(
        f"targets: p99 <= {TARGET_P99_MS:.0f} and max <= {TARGET_MAX_MS:.0f} ms per 10K tokens, "
        f"peak memory <= {TARGET_MEMORY:.0f}x input: {len(cases) - len(misses)} of {len(cases)} cases meet them"
    )
    for line in misses:
        console.print(f"  missed: {line}")
    on_cpu = [c for c in cases if c.misses(cpu=True)]
    console.print(
        f"on CPU time (what a loaded machine's wall time hides): {len(cases) - len(on_cpu)} of "
        f"{len(cases)} cases meet them"
    )
    if args.json is not None:
        body = {
            "machine": machine(),
            "peer": peer.version if peer else None,
            "load_average": load,
            "cases": [asdict(c) for c in cases],
        }
        args.json.write_text(json.dumps(body, indent=1), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
