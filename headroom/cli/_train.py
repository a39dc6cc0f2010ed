"""``headroom train``: fine-tune a Kompress model (needs the ``[train]`` extra)."""

from __future__ import annotations

import click

from headroom.errors import HeadroomError
from headroom.extras import needs_extra


@click.command("train")
@click.option(
    "--config",
    "config_path",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Training recipe (YAML; default: the packaged recipe, configs/training/default.yaml).",
)
@click.option(
    "--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a config key (dotted)."
)
@click.option(
    "--out", type=click.Path(file_okay=False), default=None, help="Run folder (resumes if it exists)."
)
@click.option("--quiet", is_flag=True, help="No progress bars.")
def train_command(config_path: str | None, overrides: tuple[str, ...], out: str | None, quiet: bool) -> None:
    """Train a keep/drop word labeller and export it to OUT/model (kompress/1 format).

    Every file under data.root is found and labelled by its content (SQuAD JSON, QA JSONL,
    NQ-open, pairs, agent traces) unless the recipe names data.sources.
    """
    try:
        with needs_extra("train"):
            from training.cli import run_training, summary

            result = run_training(config_path, overrides, out, progress=not quiet)
    except HeadroomError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(summary(result))
