"""``headroom eval memory``: recall@k of facts saved in earlier sessions, and injection's token cost."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from headroom.cli._common import friendly_errors


@click.command("memory")
@click.option(
    "--corpus",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    required=True,
    help="A corpus folder with MANIFEST.jsonl and its agent traces.",
)
@click.option("--split", "splits", multiple=True, default=("tune", "test"), show_default=True)
@click.option(
    "--budget", type=click.IntRange(1), default=400, show_default=True, help="Injection budget, tokens."
)
@click.option(
    "--redis-url", default=None, help="Run on a Redis memory (a namespace of its own) instead of SQLite."
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def memory_eval_command(
    corpus: Path, splits: tuple[str, ...], budget: int, redis_url: str | None, as_json: bool
) -> None:
    """Build the multi-session memory set from CORPUS's traces and measure recall and injection cost."""
    with friendly_errors():
        from evals.memory import run_splits

        results = run_splits(corpus, splits, redis_url=redis_url, budget=budget)
    click.echo(json.dumps(results, indent=2) if as_json else _table(results))


def _table(results: dict[str, Any]) -> str:
    splits = list(results)
    rows: list[tuple[str, list[str]]] = [
        (name, [str(results[s].get(key, "")) for s in splits]) for name, key in _COUNTS
    ]
    for label, key in _RATES:
        for k in (1, 3, 5, 10):
            rows.append((f"{label}@{k}", [_rate(results[s].get(key, {}).get(k)) for s in splits]))
    for label, key in _INJECT:
        values = [results[s].get("inject", {}).get(key, "") for s in splits]
        rows.append((label, [_rate(v) if isinstance(v, list) else str(v) for v in values]))
    width = max(len(name) for name, _ in rows)
    lines = [f"{'':<{width}}  " + "  ".join(f"{s:>18}" for s in splits)]
    lines += [f"{name:<{width}}  " + "  ".join(f"{v:>18}" for v in values) for name, values in rows]
    return "\n".join(lines)


def _rate(interval: list[float] | None) -> str:
    return f"{interval[0]:.2f} [{interval[1]:.2f}, {interval[2]:.2f}]" if interval else "-"


_COUNTS = [
    ("projects", "projects"),
    ("sessions", "sessions"),
    ("facts saved", "facts_saved"),
    ("duplicates", "duplicates"),
    ("questions", "questions"),
    ("literal", "literal_questions"),
]
_RATES = [
    ("recall", "recall_at"),
    ("hit", "hit_at"),
    ("recall non-literal", "non_literal_recall_at"),
    ("recall, newest-k baseline", "recent_baseline_recall_at"),
    ("recall minus baseline (paired)", "search_minus_baseline_at"),
]
_INJECT = [
    ("inject budget (tokens)", "budget_tokens"),
    ("injected tokens, median", "tokens_median"),
    ("injected facts, mean", "facts_mean"),
    ("recall within budget", "recall_at_budget"),
    ("request tokens, median", "request_tokens_median"),
    ("injection / request, median", "overhead_of_request_median"),
]
