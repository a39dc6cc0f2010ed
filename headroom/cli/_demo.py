"""``headroom demo``: compress the bundled sample conversation and print per-block savings."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from headroom._compress import BlockStats, CompressResult, compress
from headroom.ccr import Store, parse_markers, to_text
from headroom.cli._common import format_pct, friendly_errors, open_store, policy_option, resolve_policy


@click.command("demo")
@policy_option
@click.option("--show", is_flag=True, help="Also print the compressed tool results.")
def demo_command(policy_path: Path | None, show: bool) -> None:
    """Compress the bundled sample agent conversation (offline) and print a savings table."""
    with friendly_errors():
        sample = resources.files("headroom") / "data" / "sample_conversation.json"
        messages = json.loads(sample.read_text(encoding="utf-8"))
        store = open_store()
        result = compress(messages, resolve_policy(policy_path), store=store)
        console = Console()
        console.print(_table(messages, result))
        console.print(_verify(result, store))
        if show:
            for stats in result.blocks:
                console.rule(f"message {stats.message_index} · {stats.content_type}")
                console.print(result.messages[stats.message_index]["content"], markup=False, highlight=False)


def _tool_name(messages: list[dict[str, object]], stats: BlockStats) -> str:
    call_id = messages[stats.message_index].get("tool_call_id")
    for message in messages:
        for call in message.get("tool_calls") or []:  # type: ignore[attr-defined]
            if call.get("id") == call_id:
                return str(call["function"]["name"])
    return stats.role


def _table(messages: list[dict[str, object]], result: CompressResult) -> Table:
    table = Table(title=f"Sample conversation · policy {result.policy_hash}", title_justify="left")
    for name in ("msg", "tool", "content", "compressor", "tokens in", "tokens out", "saved", "markers"):
        table.add_column(
            name,
            justify="right" if name in {"msg", "tokens in", "tokens out", "saved", "markers"} else "left",
        )
    for stats in result.blocks:
        table.add_row(
            str(stats.message_index),
            _tool_name(messages, stats),
            stats.content_type,
            stats.compressor,
            str(stats.tokens_in),
            str(stats.tokens_out),
            format_pct(stats.tokens_in - stats.tokens_out, stats.tokens_in),
            str(len(stats.elisions)),
        )
    table.add_section()
    table.add_row(
        "",
        "total",
        "",
        "",
        str(result.tokens_in),
        str(result.tokens_out),
        format_pct(result.tokens_saved, result.tokens_in),
        str(sum(len(s.elisions) for s in result.blocks)),
    )
    return table


def _verify(result: CompressResult, store: Store) -> str:
    markers = [m for b in result.blocks for m in parse_markers(_block_text(result, b))]
    originals = {to_text(store.get(m.key)) for m in markers}
    tool = ", ".join(t.get("function", {}).get("name", "") for t in result.tools_added) or "none"
    return (
        f"{len(markers)} markers, {len(originals)} originals restored byte-for-byte from the store; "
        f"retrieval tool added: {tool}"
    )


def _block_text(result: CompressResult, stats: BlockStats) -> str:
    content = result.messages[stats.message_index]["content"]
    return content if isinstance(content, str) else ""
