"""``headroom eval replay PATH...``: replay agent traces under raw, policy and masking arms."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from headroom.cli._common import friendly_errors, path_option, policy_option, resolve_policy, stderr
from headroom.extras import needs_extra


@click.command("replay")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@policy_option
@click.option(
    "--provider",
    type=click.Choice(["openai", "anthropic"]),
    default="openai",
    show_default=True,
    help="Whose prompt-caching rules price the cached prefix.",
)
@click.option("--model", default=None, help="Price every session as this model (default: the trace's).")
@path_option("--pricing", "pricing_path", "Price table YAML (default: configs/pricing.yaml).", folder=False)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object for scripts.")
@click.option("--strict", is_flag=True, help="Stop at the first file that cannot be read (exit 1).")
def replay_command(
    paths: tuple[Path, ...],
    policy_path: Path | None,
    provider: str,
    model: str | None,
    pricing_path: Path | None,
    as_json: bool,
    strict: bool,
) -> None:
    """Replay traces call by call: tokens, cache reads/writes, cost and reference retention.

    Every readable file is replayed; the others are reported and the exit code is 3
    (``--strict`` stops at the first instead). A file's malformed lines are skipped and
    counted: ``files`` in ``--json`` lists each file's ``file:line: message`` warnings.
    """
    with friendly_errors(), needs_extra("evals"):
        from evals.replay import ReplaySettings, load_pricing, replay_traces, summarize

        traces, files, skipped = _load_all(paths, strict)
        settings = ReplaySettings(
            policy=resolve_policy(policy_path),
            pricing=load_pricing(pricing_path),
            provider=provider,  # type: ignore[arg-type]
            model=model,
        )
        with Progress(console=stderr, transient=True, disable=not stderr.is_terminal) as progress:
            task = progress.add_task("replaying", total=len(traces))
            results = replay_traces(traces, settings, on_done=lambda _: progress.advance(task))
        summary = summarize(results, settings) if results else {"sessions": [], "total": {}}
        summary["files"] = files
        summary["skipped"] = [{"path": str(path), "error": error} for path, error in skipped]
        if as_json:
            click.echo(json.dumps(summary, ensure_ascii=False))
        elif results:
            Console().print(_totals_table(summary), _sessions_table(summary), _misses_table(summary))
        _report_warnings(files)
        for path, error in skipped:
            stderr.print(f"skipped {path}: {error}", markup=False, highlight=False)
    if skipped:
        raise SystemExit(SKIPPED_EXIT_CODE)


SKIPPED_EXIT_CODE = 3


def _load_all(
    paths: tuple[Path, ...], strict: bool
) -> tuple[list[Any], list[dict[str, Any]], list[tuple[Path, str]]]:
    """Traces of every readable file, each such file's sessions and warnings, and each unreadable file with why."""
    from evals.traces import load_traces
    from headroom.errors import HeadroomError

    traces: list[Any] = []
    files: list[dict[str, Any]] = []
    skipped: list[tuple[Path, str]] = []
    for path in paths:
        try:
            loaded = load_traces(path)
        except (HeadroomError, OSError, ValueError) as exc:
            if strict:
                raise
            skipped.append((path, str(exc)))
            continue
        traces.extend(loaded)
        # A file's warnings are on each of its sessions: listed once per file.
        warnings = list(dict.fromkeys(w for trace in loaded for w in trace.warnings))
        files.append({"path": str(path), "sessions": len(loaded), "warnings": warnings})
    return traces, files, skipped


def _report_warnings(files: list[dict[str, Any]]) -> None:
    for entry in files:
        count = len(entry["warnings"])
        if count:
            noun = "warning" if count == 1 else "warnings"
            stderr.print(
                f"warning: {entry['path']}: {count} {noun} (malformed lines skipped); first: {entry['warnings'][0]}",
                markup=False,
                highlight=False,
            )


def _totals_table(summary: dict[str, Any]) -> Table:
    table = Table(title=f"{len(summary['sessions'])} sessions, {summary['settings']['provider']} caching")
    for column in (
        "arm",
        "input tokens",
        "cache read",
        "cache write",
        "cost",
        "vs raw",
        "kept",
        "+retrievable",
    ):
        table.add_column(column, justify="left" if column == "arm" else "right")
    raw_cost = summary["total"]["raw"]["cost_usd"]
    for arm, figures in summary["total"].items():
        retention = figures["reference_retention"]
        table.add_row(
            arm,
            f"{figures['input_tokens']:,}",
            f"{figures['cache_read_tokens']:,}",
            f"{figures['cache_write_tokens']:,}",
            f"${figures['cost_usd']:.4f}",
            _change(figures["cost_usd"], raw_cost),
            _kept(retention),
            _share(retention["kept"], retention["retrievable"]),
        )
    return table


def _sessions_table(summary: dict[str, Any]) -> Table:
    table = Table(title="cost per session")
    for column in ("session", "calls", "model", "raw", "policy", "masking", "policy: not kept / facts"):
        table.add_column(column, justify="left" if column in ("session", "model") else "right")
    for session in summary["sessions"]:
        costs = [f"${session[arm]['cost_usd']:.4f}" for arm in ("raw", "policy", "masking")]
        missed = f"{len(session['policy']['misses'])} / {session['facts']}"
        table.add_row(Path(session["source"]).name, str(session["calls"]), session["model"], *costs, missed)
    return table


def _misses_table(summary: dict[str, Any]) -> Table:
    """Facts the policy arm did not keep verbatim, by the compressor that changed their block."""
    groups: dict[str, dict[str, Any]] = {}
    for session in summary["sessions"]:
        for miss in session["policy"]["misses"]:
            group = groups.setdefault(
                miss["changed_by"] or "(not changed: history or live-zone rules)",
                {"retrievable": 0, "lost": 0, "example": miss["fact"]},
            )
            group[miss["outcome"]] += 1
    table = Table(
        title="facts the policy did not keep verbatim, by what changed their block (--json lists each)"
    )
    for column in ("changed by", "retrievable", "lost", "example fact"):
        table.add_column(column, justify="left" if column in ("changed by", "example fact") else "right")
    for name, group in sorted(groups.items(), key=lambda item: -(item[1]["retrievable"] + item[1]["lost"])):
        example = group["example"] if len(group["example"]) <= 60 else group["example"][:57] + "..."
        table.add_row(name, str(group["retrievable"]), str(group["lost"]), example)
    return table


def _change(value: float, baseline: float) -> str:
    return f"{100 * (value - baseline) / baseline:+.1f}%" if baseline else "—"


def _kept(retention: dict[str, Any]) -> str:
    if retention["kept"] is None:
        return "—"
    low, high = retention["ci95"]
    return f"{100 * retention['kept']:.1f}% [{100 * low:.1f}, {100 * high:.1f}]"


def _share(*parts: float | None) -> str:
    return "—" if parts[0] is None else f"{100 * sum(p or 0.0 for p in parts):.1f}%"
