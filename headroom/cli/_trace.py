"""``headroom trace show``: what a recorded agent trace holds, in turns and tokens."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.table import Table

from headroom.cli._common import friendly_errors
from headroom.extras import needs_extra
from headroom.tokens import count_tokens

if TYPE_CHECKING:
    from evals.traces import Trace

_ENCODING = "o200k_base"


@dataclass(frozen=True)
class SessionStats:
    """Counts for one session (or the sum of several)."""

    label: str
    turns: int
    tool_calls: int
    tool_result_tokens: int
    total_tokens: int


def session_stats(trace: Trace) -> SessionStats:
    """Turns, tool calls and o200k tokens (tool results; all text incl. tool-call arguments)."""
    tool_tokens = sum(count_tokens(t.text, _ENCODING) for t in trace.turns if t.role == "tool")
    text_tokens = sum(count_tokens(t.text, _ENCODING) for t in trace.turns)
    argument_tokens = sum(count_tokens(c.arguments, _ENCODING) for t in trace.turns for c in t.tool_calls)
    return SessionStats(
        label=trace.session_id or trace.source,
        turns=len(trace.turns),
        tool_calls=trace.tool_calls,
        tool_result_tokens=tool_tokens,
        total_tokens=text_tokens + argument_tokens,
    )


def summed(stats: list[SessionStats]) -> SessionStats:
    """The totals over several sessions."""
    return SessionStats(
        label="total",
        turns=sum(s.turns for s in stats),
        tool_calls=sum(s.tool_calls for s in stats),
        tool_result_tokens=sum(s.tool_result_tokens for s in stats),
        total_tokens=sum(s.total_tokens for s in stats),
    )


def _payload(format_name: str, stats: list[SessionStats], warnings: list[str]) -> dict[str, Any]:
    total = summed(stats)
    payload: dict[str, Any] = {
        "format": format_name,
        "turns": total.turns,
        "tool_calls": total.tool_calls,
        "tool_result_tokens": total.tool_result_tokens,
        "total_tokens": total.total_tokens,
    }
    if len(stats) > 1:
        payload["sessions"] = len(stats)
    if warnings:
        payload["warnings"] = warnings
    return payload


def _warnings(traces: list[Trace]) -> list[str]:
    """What the importer skipped, once each (a file's warnings are on each of its sessions)."""
    return list(dict.fromkeys(w for trace in traces for w in trace.warnings))


def _table(path: Path, format_name: str, stats: list[SessionStats]) -> Table:
    table = Table(title=f"{path.name} · {format_name}", title_justify="left")
    table.add_column("session")
    for column in ("turns", "tool calls", "tool-result tokens", "total tokens"):
        table.add_column(column, justify="right")
    rows = [*stats, summed(stats)] if len(stats) > 1 else stats
    for row in rows:
        table.add_row(
            row.label, str(row.turns), str(row.tool_calls), str(row.tool_result_tokens), str(row.total_tokens)
        )
    return table


@click.group("trace")
def trace_group() -> None:
    """Inspect recorded agent traces (Claude Code, Codex, OpenHands, SWE-agent, Aider, Inspect...)."""


@trace_group.command("show")
@click.argument("path", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
def show_command(path: Path, as_json: bool) -> None:
    """Detect PATH's format and count its turns, tool calls and tokens."""
    with friendly_errors(), needs_extra("evals"):
        from evals.traces import load_traces

        traces = load_traces(path)
        format_name = traces[0].format if traces else "unknown"
        stats = [session_stats(trace) for trace in traces]
        warnings = _warnings(traces)
        for warning in warnings:
            click.echo(f"warning: {warning}", err=True)
        if as_json:
            click.echo(json.dumps(_payload(format_name, stats, warnings)))
        else:
            Console(highlight=False).print(_table(path, format_name, stats))
