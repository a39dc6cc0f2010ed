"""Trace import coverage: which corpus agent traces ``headroom trace show`` reads, per agent.

    python benchmarks/trace_coverage.py [--corpus DIR] [--split tune|test|all] [--json PATH] [-v]

Every ``agent-trace`` file of the corpus goes through ``load_traces`` (what ``headroom trace
show`` runs). Reported per agent (the manifest's ``agent``, versions dropped): files imported of
total, the formats that claimed them, turns, tool calls, tool results, turns with usage,
sessions with recorded usage totals and import warnings; then every file that failed with its
error, and every file more than one importer's ``sniff`` claims. A file that imports but holds no
turn counts as a failure (there is nothing to show). Exit 0 when every file imports (or when
there is no corpus, which it says), 1 otherwise.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

# Measure this checkout's code even when another copy is installed: the repo root goes first.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _bench_common import corpus_has_splits, list_corpus

from evals.traces import IMPORTERS, load_traces
from headroom.errors import HeadroomError

_KIND = "agent-trace"
_VERSION = re.compile(r"\s*\(.*$|\s+v?\d[\w.\-/]*")


@dataclass
class AgentRow:
    """Counts for one agent's files."""

    agent: str
    files: int = 0
    imported: int = 0
    formats: set[str] = field(default_factory=set)
    turns: int = 0
    tool_calls: int = 0
    tool_results: int = 0
    usage_turns: int = 0
    session_usage: int = 0
    warnings: int = 0
    ambiguous: list[str] = field(default_factory=list)


def agent_of(agent: str) -> str:
    """The manifest's agent without versions or the parenthesised details."""
    name = _VERSION.sub("", agent.split(";")[0]).strip().lower().replace("-", " ")
    return name or "unknown"


def _manifest_agents(root: Path) -> dict[str, str]:
    path = root / "MANIFEST.jsonl"
    agents: dict[str, str] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                entry = json.loads(line)
                agents[str(entry["file"])] = str(entry.get("agent") or "unknown")
    return agents


def measure(root: Path, split: str) -> tuple[list[AgentRow], list[tuple[str, str]]]:
    """Per-agent rows and the ``(file, error)`` failures."""
    agents = _manifest_agents(root)
    rows: dict[str, AgentRow] = {}
    failures: list[tuple[str, str]] = []
    for item in list_corpus(root, kinds=(_KIND,), split=split):
        name = agent_of(agents.get(item.rel, item.rel.split("/")[-1].split("-")[0]))
        row = rows.setdefault(name, AgentRow(name))
        row.files += 1
        claims = [importer.name for importer in IMPORTERS if importer.sniff(item.path)]
        if len(claims) > 1:
            row.ambiguous.append(f"{item.rel} (claimed by {', '.join(claims)})")
        try:
            traces = load_traces(item.path)
        except HeadroomError as exc:
            failures.append((item.rel, str(exc)))
            continue
        turns = [t for trace in traces for t in trace.turns]
        if not turns:
            failures.append((item.rel, "imported, but no turns"))
            continue
        row.imported += 1
        row.formats.update(trace.format for trace in traces)
        row.turns += len(turns)
        row.tool_calls += sum(len(t.tool_calls) for t in turns)
        row.tool_results += sum(t.role == "tool" for t in turns)
        row.usage_turns += sum(t.usage is not None for t in turns)
        row.session_usage += sum(trace.usage is not None for trace in traces)
        row.warnings += sum(len(getattr(trace, "warnings", ())) for trace in traces)
    return sorted(rows.values(), key=lambda r: r.agent), failures


def _print(rows: list[AgentRow], failures: list[tuple[str, str]], split: str, verbose: bool) -> None:
    header = f"{'agent':<42} {'imported':>9} {'turns':>7} {'calls':>6} {'results':>7} {'usage':>6} {'totals':>6} {'warn':>5}  formats"
    print(header)
    for r in rows:
        share = f"{r.imported}/{r.files}"
        formats = ",".join(sorted(r.formats)) or "-"
        print(
            f"{r.agent[:42]:<42} {share:>9} {r.turns:>7} {r.tool_calls:>6} {r.tool_results:>7}"
            f" {r.usage_turns:>6} {r.session_usage:>6} {r.warnings:>5}  {formats}"
        )
    files = sum(r.files for r in rows)
    imported = sum(r.imported for r in rows)
    share = 100.0 * imported / files if files else 0.0
    print(f"\nsplit {split}: {imported} of {files} agent traces import ({share:.1f}%)")
    for rel, error in failures:
        print(f"  FAIL {rel}: {error if verbose else error[:200]}")
    for note in (n for r in rows for n in r.ambiguous):
        print(f"  AMBIGUOUS {note}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    parser.add_argument("--split", choices=("tune", "test", "all"), default="all")
    parser.add_argument("--json", type=Path, help="also write the rows and failures as JSON here")
    parser.add_argument("-v", "--verbose", action="store_true", help="print whole error messages")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}: nothing to measure")
        return 0
    if args.split != "all" and not corpus_has_splits(args.corpus):
        print(f"the corpus at {args.corpus} marks no split: measuring every file")
    rows, failures = measure(args.corpus, args.split)
    if not rows:
        print(f"no {_KIND} files in {args.corpus} (split {args.split}): nothing to measure")
        return 0
    _print(rows, failures, args.split, args.verbose)
    if args.json:
        payload = {
            "split": args.split,
            "agents": [{**asdict(r), "formats": sorted(r.formats)} for r in rows],
            "failures": [{"file": f, "error": e} for f, e in failures],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
