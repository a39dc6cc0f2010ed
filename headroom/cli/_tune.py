"""``headroom tune``: per-content-type policy studies (optuna + mlflow) and ``tune export``.

The evals package, optuna and mlflow are imported inside the command bodies, so
``import headroom`` and ``headroom --help`` stay light.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from headroom.cli._common import friendly_errors
from headroom.extras import needs_extra

_PATH = click.Path(path_type=Path)


class _StudyChoice(click.Choice):  # type: ignore[type-arg]
    """Read from the compressor registry only when asked (``headroom --help`` loads no compressor).

    One study per compressor that declares a tuned section (plugins too), and the output-shaping
    study of the policy's own ``shaping`` section.
    """

    name = "study"

    def __init__(self) -> None:
        super().__init__([])

    @property  # type: ignore[override]
    def choices(self) -> list[str]:
        from headroom.compressors import tuned_compressors

        return [*(compressor.name for compressor, _ in tuned_compressors()), "shaping"]

    @choices.setter
    def choices(self, value: object) -> None:
        """click sets the choices in __init__; they are always computed."""


@click.group("tune", invoke_without_command=True)
@click.option(
    "--corpus",
    type=click.Path(path_type=Path, file_okay=False),
    help="Corpus folder: any files (routed by content), per-kind subfolders (json/, log/…) or a MANIFEST.jsonl.",
)
@click.option(
    "--split",
    type=click.Choice(["tune", "test", "all"]),
    default="all",
    show_default=True,
    help="Side of the MANIFEST.jsonl split to tune on.",
)
@click.option("--suite", type=click.Path(path_type=Path, dir_okay=False, exists=True), help="Suite YAML.")
@click.option(
    "--content-type",
    type=_StudyChoice(),
    help="One study (default: every corpus study; shaping needs --suite and runs only when named).",
)
@click.option(
    "--traces",
    type=click.Path(path_type=Path, exists=True),
    multiple=True,
    help="Agent traces (files or folders; repeatable): a session study instead of corpus studies.",
)
@click.option(
    "--sections",
    help="With --traces: policy sections to search jointly, comma-separated (default activity,history; "
    "also live_zone, any compressor's section, or content for all of them).",
)
@click.option(
    "--provider",
    type=click.Choice(["openai", "anthropic"]),
    help="With --traces: whose prompt caching and prices bill the sessions (default openai).",
)
@click.option("--workers", type=click.IntRange(min=1), help="With --traces: processes replaying sessions.")
@click.option(
    "--min-kept",
    type=click.FloatRange(0, 1),
    help="With --traces: a floor on the share of facts kept verbatim, besides baseline − δ.",
)
@click.option("--trials", type=click.IntRange(min=1), help="Trials per study (default 200).")
@click.option("--timeout", type=float, help="Stop starting trials after this many seconds.")
@click.option("--storage", help="Optuna storage URL (default sqlite:///<out>/optuna.db).")
@click.option(
    "--study", help="Study name (default headroom-<content type>, then -<split> unless --split all)."
)
@click.option("--seed", type=int, default=0, show_default=True, help="Sampler seed.")
@click.option("--sampler", type=click.Choice(["tpe", "nsga2"]), default="tpe", show_default=True)
@click.option(
    "--delta",
    type=float,
    help="Largest tolerated retention (shaping: quality) drop (default: the suite's, else 0.02).",
)
@click.option("--latency/--no-latency", default=True, help="Minimise latency too (timings are noisy).")
@click.option("--base", type=_PATH, help="Baseline policy YAML (default: the built-in default).")
@click.option(
    "--tracking-uri", help="mlflow tracking URI (default sqlite:///<out>/mlflow.db; 'none' disables)."
)
@click.option("--out", type=_PATH, help="Output folder (default .headroom/tune).")
@click.option("--json", "as_json", is_flag=True, help="Print the study summaries as JSON.")
@click.pass_context
def tune_group(ctx: click.Context, /, as_json: bool, **options: Any) -> None:
    """Tune policy sections on a corpus (savings ↑, retention ↑, latency ↓, retention drop ≤ δ),
    or on whole sessions with --traces (cost ↓, kept share drop ≤ δ)."""
    if ctx.invoked_subcommand is not None:
        return
    with friendly_errors(), needs_extra("evals"):
        from evals.tune.cli import describe, tune

        runs = tune(options)
        if as_json:
            click.echo(json.dumps([r.summary or {"study": r.study, "skipped": r.skipped} for r in runs]))
        else:
            click.echo("\n".join(describe(r) for r in runs))


@tune_group.command("export")
@click.argument("study")
@click.option("--storage", help="Optuna storage URL (default sqlite:///.headroom/tune/optuna.db).")
@click.option("--name", help="Policy name and file stem (default: the study name).")
@click.option("--out", type=_PATH, help="Folder (default configs/policies/tuned/).")
@click.option("--base", type=_PATH, help="Policy to merge the tuned section into (default: the study's).")
@click.option(
    "--delta", type=float, help="Retention (shaping: quality) drop allowed (default: the study's δ)."
)
def export_command(**options: Any) -> None:
    """Write the study's max-savings trial within the constraint as a policy with provenance."""
    with friendly_errors(), needs_extra("evals"):
        from evals.tune.cli import export

        done = export(options)
        metrics = done.policy.provenance.metrics if done.policy.provenance else {}
        click.echo(f"{done.path}: trial {done.trial}, {_export_metrics(metrics)}")


def _export_metrics(metrics: dict[str, Any]) -> str:
    if metrics.get("content_type") == "shaping":
        return (
            f"output tokens {metrics.get('output_tokens')}, quality {metrics.get('quality')} "
            f"(baseline {metrics.get('baseline_output_tokens')}, {metrics.get('baseline_quality')})"
        )
    return (
        f"savings {metrics.get('savings')}, retention {metrics.get('retention')} "
        f"(baseline {metrics.get('baseline_savings')}, {metrics.get('baseline_retention')})"
    )
