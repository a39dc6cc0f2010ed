"""``headroom compress FILE|-``: compressed text to stdout, stats to stderr (or ``--json``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.table import Table

from headroom._pipeline import compress_block
from headroom.cli._common import (
    format_pct,
    friendly_errors,
    open_store,
    policy_option,
    resolve_policy,
    stderr,
)
from headroom.compressors import CompressContext, Compressed
from headroom.compressors._json.text import dumps
from headroom.policy import Policy


@click.command("compress")
@click.argument("source", type=click.Path(allow_dash=True, dir_okay=False, path_type=Path))
@click.option("--query", "-q", default=None, help="The question the content should answer.")
@click.option(
    "--rate",
    type=click.FloatRange(0.1, 1.0),
    default=None,
    help="Share of tokens to keep in prose (overrides the policy's prose keep_rate).",
)
@policy_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object for scripts.")
def compress_command(
    source: Path, query: str | None, rate: float | None, policy_path: Path | None, as_json: bool
) -> None:
    """Compress a file (or stdin with -) as a tool result would be."""
    with friendly_errors():
        raw = sys.stdin.buffer.read() if str(source) == "-" else _read(source)
        policy = _with_rate(resolve_policy(policy_path), rate)
        filename = None if str(source) == "-" else source.name
        ctx = CompressContext(
            store=open_store(), query=query, encoding=policy.encoding, filename=filename, batched=True
        )
        text, invalid = decode(raw, ctx)
        out = compress_block(text, policy, ctx)
        if as_json:
            report = _as_json(out, policy.policy_hash) | {"invalid_bytes": invalid}
            sys.stdout.buffer.write(dumps(report).encode("utf-8") + b"\n")
            return
        # Unchanged is byte-exact, invalid bytes too; changed text is always valid UTF-8.
        sys.stdout.buffer.write(raw if out.text == text else out.text.encode("utf-8"))
        sys.stdout.flush()
        stderr.print(_table(out, policy.policy_hash))
        if invalid:
            stderr.print(
                f"{invalid['count']} bytes were not UTF-8: compressed with U+FFFD in their place; "
                f"the original bytes: headroom retrieve {invalid['key']}"
            )


def decode(raw: bytes, ctx: CompressContext) -> tuple[str, dict[str, object] | None]:
    """``raw`` as text to compress; bytes that are not UTF-8 become U+FFFD, the original is stored.

    The output must encode as UTF-8 to be sent, so invalid bytes never reach it; the store keeps
    the exact bytes under the returned key (``headroom retrieve KEY`` writes them back).
    """
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError:
        escaped = raw.decode("utf-8", "surrogateescape")
        count = sum(1 for ch in escaped if "\udc80" <= ch <= "\udcff")
        return raw.decode("utf-8", "replace"), {"count": count, "key": ctx.store.put(raw, kind="bytes")}


def _with_rate(policy: Policy, rate: float | None) -> Policy:
    if rate is None:
        return policy
    return policy.model_copy(update={"prose": policy.prose.model_copy(update={"keep_rate": rate})})


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise click.FileError(str(path), hint=str(exc)) from exc


def _as_json(out: Compressed, policy_hash: str) -> dict[str, object]:
    return {
        "text": out.text,
        "content_type": out.content_type,
        "tokens_in": out.tokens_in,
        "tokens_out": out.tokens_out,
        "markers": [{"key": e.key, "kind": e.kind, "count": e.count} for e in out.elisions],
        "compressor": out.compressor,
        "policy_hash": policy_hash,
        "reason": out.reason,
    }


def _table(out: Compressed, policy_hash: str) -> Table:
    table = Table(title=f"headroom · policy {policy_hash}", title_justify="left")
    for column in ("content", "compressor", "tokens in", "tokens out", "saved", "markers", "note"):
        table.add_column(
            column, justify="right" if column.startswith(("tokens", "saved", "markers")) else "left"
        )
    table.add_row(
        out.content_type,
        out.compressor,
        str(out.tokens_in),
        str(out.tokens_out),
        format_pct(out.tokens_saved, out.tokens_in),
        str(len(out.elisions)),
        out.reason or "",
    )
    return table
