"""Headline benchmark: compress every corpus file as one tool result, ours beside the peer's.

    python benchmarks/compress_corpus.py [--corpus DIR] [--json PATH] [--no-peer] [--kind KIND]

Each file (every kind except ``qa``) becomes the ``tool`` message of a three-message OpenAI chat
conversation and goes through ``headroom.compress``. Reported per kind and in total: o200k tokens
before and after, savings, wall time (total and p50 ms per 10K tokens), critical-line retention
(distinct templates and raw lines), and marker checks (parse, key in store, byte-exact original,
counts). The peer, headroom-ai 0.42.0, runs in its own virtual environment
(``HEADROOM_PEER_PYTHON``, default ``.bench/peer/bin/python``; ``benchmarks/setup_peer.sh``
creates it) on the same files in the same run, through ``benchmarks/_peer_runner.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

# Measure this checkout's headroom even when another copy is installed: the repo root goes first.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _bench_common import (
    CorpusFile,
    Retention,
    check_markers,
    corpus_has_splits,
    critical_lines,
    list_corpus,
    machine,
    retention,
)
from _peer_runner import WARMUP_TEXTS, PeerProcess, conversation, tool_text
from rich.console import Console
from rich.table import Table

import headroom
from headroom._deadline import REASON_PREFIX as BUDGET_REASON
from headroom.ccr import MemoryStore
from headroom.policy import Policy
from headroom.tokens import count_tokens

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO_ROOT.parent / "shared" / "corpus"
DEFAULT_PEER_PYTHON = REPO_ROOT / ".bench" / "peer" / "bin" / "python"
TIKTOKEN_CACHE = REPO_ROOT / ".bench" / "tiktoken"
QUESTION = "Look at this output."
ENCODING = "o200k_base"
# Targets from the definition of done; the script reports them, it does not fail on them.
TARGET_SAVINGS = 55.0
TARGET_PEER_MULTIPLE = 2.5


@dataclass
class Side:
    """One compressor's result on one file (ours or the peer's)."""

    tokens_out: int
    seconds: float
    critical: Retention
    error: str | None = None
    compressors: list[str] = field(default_factory=list)
    markers_checked: int = 0
    marker_failures: list[dict[str, str]] = field(default_factory=list)
    tool_tokens: int = 0
    """Tokens of tool definitions added to the request (our retrieval tool), not in tokens_out."""
    budget_hits: int = 0
    """Blocks forwarded unchanged because they ran past the per-block time budget."""


@dataclass
class FileResult:
    """Both sides on one corpus file."""

    file: str
    kind: str
    tokens_in: int
    ours: Side
    peer: Side | None = None


@dataclass
class Totals:
    """Sums over a group of files for one side."""

    tokens_in: int = 0
    tokens_out: int = 0
    seconds: float = 0.0
    ms_per_10k: list[float] = field(default_factory=list)
    critical: Retention = field(default_factory=Retention)
    markers_checked: int = 0
    marker_failures: int = 0
    errors: int = 0
    tool_tokens: int = 0
    budget_hits: int = 0

    def add(self, tokens_in: int, side: Side) -> None:
        """Accumulate one file."""
        self.tokens_in += tokens_in
        self.tokens_out += side.tokens_out
        self.seconds += side.seconds
        self.ms_per_10k.append(side.seconds * 1000 * 10_000 / max(tokens_in, 1))
        self.critical.add(side.critical)
        self.markers_checked += side.markers_checked
        self.marker_failures += len(side.marker_failures)
        self.errors += side.error is not None
        self.tool_tokens += side.tool_tokens
        self.budget_hits += side.budget_hits

    @property
    def savings(self) -> float:
        """Percent of input tokens saved."""
        return 100.0 * (self.tokens_in - self.tokens_out) / self.tokens_in if self.tokens_in else 0.0

    @property
    def p50_ms_per_10k(self) -> float:
        """Median over files of milliseconds per 10K input tokens."""
        return statistics.median(self.ms_per_10k) if self.ms_per_10k else 0.0

    def summary(self) -> dict[str, Any]:
        """Plain numbers for the JSON report."""
        data = asdict(self)
        del data["ms_per_10k"]
        data["critical"].pop("missed")
        return data | {"savings_pct": self.savings, "p50_ms_per_10k": self.p50_ms_per_10k}


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus directory")
    parser.add_argument("--json", type=Path, help="write every figure (per file and totals) here")
    parser.add_argument("--no-peer", action="store_true", help="skip the peer")
    parser.add_argument("--kind", action="append", default=[], help="only this kind (repeatable)")
    parser.add_argument(
        "--split",
        choices=["tune", "test", "all"],
        default="test",
        help="the manifest's side: test (sources no rule was fitted to), tune, or all",
    )
    parser.add_argument(
        "--peer-python",
        type=Path,
        default=Path(os.environ.get("HEADROOM_PEER_PYTHON", DEFAULT_PEER_PYTHON)),
        help="python of the peer's virtual environment (env HEADROOM_PEER_PYTHON)",
    )
    parser.add_argument(
        "--prose-engine",
        choices=["extractive", "auto", "kompress"],
        default="extractive",
        help="prose engine: extractive (what a base install runs, the default here) or the Kompress "
        "model (auto/kompress: the default policy's choice once the [ml] extra is installed)",
    )
    parser.add_argument(
        "--peer-timeout", type=float, default=600.0, help="seconds to wait for one peer answer"
    )
    parser.add_argument(
        "--no-time-budget",
        action="store_true",
        help="turn the per-block time budget off (live_zone.block_budget_ms*), so that on a loaded "
        "machine no block is forwarded unchanged for time and the figures do not depend on the load",
    )
    return parser.parse_args(argv)


def without_time_budget(policy: Policy) -> Policy:
    """``policy`` with no per-block time budget."""
    zone = policy.live_zone.model_copy(update={"block_budget_ms": 0.0, "block_budget_ms_per_10k_tokens": 0.0})
    return policy.model_copy(update={"live_zone": zone})


def engine_policy(engine: str) -> Policy:
    """The default policy with ``engine`` for prose."""
    base = Policy()
    return base.model_copy(update={"prose": base.prose.model_copy(update={"engine": engine})})


def run_ours(text: str, criticals: list[str], policy: Policy) -> Side:
    """Compress one file with headroom.compress and check its markers."""
    store = MemoryStore(ttl_seconds=None)
    start = time.perf_counter()
    try:
        result = headroom.compress(conversation(text, QUESTION), policy, store=store)
    except Exception as exc:  # an exception is a finding to report, not a reason to stop measuring
        seconds = time.perf_counter() - start
        return Side(count_tokens(text, ENCODING), seconds, retention(criticals, text), error=repr(exc))
    seconds = time.perf_counter() - start
    output = tool_text(result.messages)
    blocks = [b for b in result.blocks if b.message_index == 2]
    elisions = [(e.kind, e.count, e.key) for b in blocks for e in b.elisions]
    report = check_markers(text, output, store, elisions)
    failures = [{"marker": f.marker, "problem": f.problem} for f in report.failures]
    return Side(
        tokens_out=count_tokens(output, ENCODING),
        seconds=seconds,
        critical=retention(criticals, output),
        compressors=sorted({b.compressor for b in blocks}),
        markers_checked=report.checked,
        marker_failures=failures,
        tool_tokens=sum(count_tokens(json.dumps(t), ENCODING) for t in result.tools_added),
        budget_hits=sum(1 for b in blocks if (b.reason or "").startswith(BUDGET_REASON)),
    )


def warm_up(policy: Policy) -> None:
    """The same small calls the peer gets, so lazy set-up (a model load too) is not billed to a file."""
    # A failure here recurs on the files, where it is reported.
    for text in WARMUP_TEXTS:
        with contextlib.suppress(Exception):
            headroom.compress(conversation(text, QUESTION), policy, store=MemoryStore())


def start_peer(python: Path, timeout: float) -> PeerProcess | str:
    """The running peer server, or why it could not start."""
    if not python.is_file():
        return f"peer python not found at {python}; run benchmarks/setup_peer.sh"
    peer = PeerProcess(python, TIKTOKEN_CACHE, timeout)
    if peer.error is not None:
        peer.close()
        return peer.error
    return peer


def peer_side(entry: dict[str, Any], criticals: list[str]) -> Side:
    """The peer's result on one file, measured with our counter and our retention check."""
    output = str(entry["text"])
    return Side(
        tokens_out=count_tokens(output, ENCODING),
        seconds=float(entry["seconds"]),
        critical=retention(criticals, output),
        error=entry.get("error"),
    )


def measure(files: list[CorpusFile], peer: PeerProcess | None, policy: Policy) -> list[FileResult]:
    """Each file on the peer, then on our side (after a warm-up), so machine load hits both alike."""
    warm_up(policy)
    results = []
    for corpus in files:
        text = corpus.path.read_text(encoding="utf-8", errors="replace")
        criticals = critical_lines(text, corpus.kind)
        entry = peer.ask(corpus.path, QUESTION) if peer is not None else None
        ours = run_ours(text, criticals, policy)
        # Counted after compressing: the token cache must not give our side a head start.
        tokens_in = count_tokens(text, ENCODING)
        theirs = peer_side(entry, criticals) if entry else None
        results.append(FileResult(corpus.rel, corpus.kind, tokens_in, ours, theirs))
    return results


def group(results: list[FileResult]) -> dict[str, tuple[int, Totals, Totals | None]]:
    """Per kind and ``TOTAL``: file count, our totals, the peer's totals (None without the peer)."""
    groups: dict[str, tuple[int, Totals, Totals | None]] = {}
    has_peer = bool(results) and all(r.peer is not None for r in results)
    for key in [*sorted({r.kind for r in results}), "TOTAL"]:
        members = [r for r in results if key in (r.kind, "TOTAL")]
        ours, theirs = Totals(), Totals() if has_peer else None
        for r in members:
            ours.add(r.tokens_in, r.ours)
            if theirs is not None and r.peer is not None:
                theirs.add(r.tokens_in, r.peer)
        groups[key] = (len(members), ours, theirs)
    return groups


def _pct(kept: int, total: int) -> str:
    return f"{kept}/{total}" if total else "-"


def _ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}x" if theirs > 0 else ("inf" if ours > 0 else "-")


def table(groups: dict[str, tuple[int, Totals, Totals | None]]) -> Table:
    """The headline table: one row per kind and a total row."""
    out = Table(title="Compression per kind (one tool result per file, o200k tokens)")
    headers = ["kind", "files", "tokens in", "ours out", "ours sav%", "peer sav%", "ours/peer"]
    headers += ["ours ms", "peer ms", "ours p50 ms/10K", "peer p50 ms/10K", "crit ours", "crit peer"]
    for header in headers:
        out.add_column(header, justify="left" if header == "kind" else "right")
    for key, (n, ours, theirs) in groups.items():
        peer_cells = ["-"] * 5
        if theirs is not None:
            peer_cells = [
                f"{theirs.savings:.1f}",
                _ratio(ours.savings, theirs.savings),
                f"{theirs.seconds * 1000:.0f}",
            ]
            peer_cells += [
                f"{theirs.p50_ms_per_10k:.1f}",
                _pct(theirs.critical.templates_kept, theirs.critical.templates_total),
            ]
        row = [key, str(n), f"{ours.tokens_in:,}", f"{ours.tokens_out:,}", f"{ours.savings:.1f}"]
        row += [peer_cells[0], peer_cells[1], f"{ours.seconds * 1000:.0f}", peer_cells[2]]
        row += [
            f"{ours.p50_ms_per_10k:.1f}",
            peer_cells[3],
            _pct(ours.critical.templates_kept, ours.critical.templates_total),
        ]
        out.add_row(*row, peer_cells[4], end_section=len(groups) > 1 and key == list(groups)[-2])
    return out


def checks(total: Totals, peer: Totals | None) -> dict[str, bool | None]:
    """The definition-of-done checks; None where the peer is needed but absent."""
    crit = total.critical
    return {
        f"total savings >= {TARGET_SAVINGS:.0f}%": total.savings >= TARGET_SAVINGS,
        f"savings >= {TARGET_PEER_MULTIPLE}x the peer's": (
            None if peer is None else total.savings >= TARGET_PEER_MULTIPLE * peer.savings
        ),
        "no compression errors": total.errors == 0,
        "all critical templates kept": crit.templates_kept == crit.templates_total,
        "every marker passes its checks": total.marker_failures == 0,
        "total wall time <= the peer's": None if peer is None else total.seconds <= peer.seconds,
    }


def print_findings(console: Console, results: list[FileResult]) -> None:
    """Per file: compression errors, marker failures, lost critical templates (with examples)."""
    for r in results:
        names = ", ".join(r.ours.compressors)
        if r.ours.error:
            console.print(f"  ERROR {r.file}: {r.ours.error}", markup=False)
        for failure in r.ours.marker_failures:
            console.print(f"  MARKER FAIL {r.file} [{names}] {failure}", markup=False)
        crit = r.ours.critical
        if crit.templates_kept < crit.templates_total:
            lost = crit.templates_total - crit.templates_kept
            header = f"  CRITICAL MISSED {r.file} [{names}]: {lost}/{crit.templates_total} templates, e.g."
            console.print(header, markup=False)
            for missed in crit.missed:
                console.print(f"      {missed}", markup=False, overflow="ellipsis", no_wrap=True)


def print_report(
    console: Console, results: list[FileResult], peer_meta: dict[str, Any] | None
) -> dict[str, Any]:
    """Print the table, the critical and marker details and the checks; return the summary."""
    groups = group(results)
    console.print(table(groups))
    _, total, peer_total = groups["TOTAL"]
    crit = total.critical
    console.print(
        f"critical lines kept (raw): ours {crit.lines_kept}/{crit.lines_total}"
        + (f", peer {peer_total.critical.lines_kept}/{peer_total.critical.lines_total}" if peer_total else "")
    )
    with_tool = 100.0 * (total.tokens_in - total.tokens_out - total.tool_tokens) / max(total.tokens_in, 1)
    console.print(
        f"retrieval tool definitions added: {total.tool_tokens:,} tokens (not in 'ours out'; "
        f"savings counting them: {with_tool:.1f}%)"
    )
    console.print(f"markers checked: {total.markers_checked}, failures: {total.marker_failures}")
    console.print(f"blocks past the time budget (forwarded unchanged): {total.budget_hits}")
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    console.print(f"load average at the end (1, 5, 15 min): {load}")
    print_findings(console, results)
    if peer_meta and peer_meta.get("error"):
        console.print(f"peer: {peer_meta['error']}", markup=False)
    verdicts = checks(total, peer_total)
    for name, ok in verdicts.items():
        console.print(f"  {'n/a ' if ok is None else 'PASS' if ok else 'FAIL'}  {name}")
    return {
        "kinds": {
            k: {"files": n, "ours": o.summary(), "peer": p.summary() if p else None}
            for k, (n, o, p) in groups.items()
        },
        "checks": verdicts,
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark; prints the report and optionally writes JSON."""
    args = parse_args(argv)
    console = Console(width=200)
    if not args.corpus.is_dir():
        console.print(f"no corpus found at {args.corpus}; nothing to benchmark")
        return 0
    info = machine()
    console.print(f"machine: {info['cpu']}, {info['cores']} cores, Python {info['python']}, {info['os']}")
    files = list_corpus(args.corpus, args.kind, args.split)
    if args.split != "all" and not corpus_has_splits(args.corpus):
        console.print(f"the manifest marks no split; --split {args.split} measures every file")
    if not files:
        console.print(
            f"no corpus files on split {args.split!r} for kinds {args.kind or 'all'}; nothing to benchmark"
        )
        return 0
    peer = None if args.no_peer else start_peer(args.peer_python, args.peer_timeout)
    peer_info: dict[str, Any] | None = None if peer is None else {"python": str(args.peer_python)}
    if isinstance(peer, PeerProcess):
        console.print(f"peer: headroom-ai {peer.header.get('version')} ({args.peer_python})")
    try:
        policy = engine_policy(args.prose_engine)
        if args.no_time_budget:
            policy = without_time_budget(policy)
        console.print(
            f"prose engine: {args.prose_engine}" + (", no time budget" if args.no_time_budget else "")
        )
        results = measure(files, peer if isinstance(peer, PeerProcess) else None, policy)
    finally:
        if isinstance(peer, PeerProcess):
            peer.close()
    if peer_info is not None:
        peer_info |= peer.header | {"error": peer.error} if isinstance(peer, PeerProcess) else {"error": peer}
    summary = print_report(console, results, peer_info)
    if args.json:
        report = {
            "machine": info,
            "corpus": str(args.corpus),
            "peer": peer_info,
            "prose_engine": args.prose_engine,
            **summary,
        }
        report["files"] = [asdict(r) for r in results]
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
