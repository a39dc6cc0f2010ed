"""``headroom train-selector``: fit Kompress's query selector on a folder of QA files."""

from __future__ import annotations

from pathlib import Path

import click

from headroom.errors import HeadroomError
from headroom.extras import needs_extra


@click.command("train-selector")
@click.argument("data", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Model folder to write query_selector.json into (a Kompress model folder, or a new one).",
)
@click.option("--per-source", type=int, default=300, show_default=True, help="Questions drawn per file.")
@click.option("--no-rules", is_flag=True, help="Record that the force-keep rules do not go first.")
def train_selector_command(data: Path, out: Path, per_source: int, no_rules: bool) -> None:
    """Fit the selector that keeps the sentences answering a question on DATA's QA files.

    DATA is read as ``headroom train`` reads a data folder (SQuAD JSON, QA JSON/JSONL, NQ-open;
    other kinds are skipped). Use the folder with ``prose: {model_path: OUT}``.
    """
    try:
        with needs_extra("train"):
            from training.selector import examples_from_folder, subsample, train_selector

            examples, manifest = examples_from_folder(data)
            drawn = subsample(examples, per_source)
            train_selector(drawn, out, manifest | {"per_source": per_source}, rules=not no_rules)
    except HeadroomError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"query selector: {out / 'query_selector.json'} ({len(drawn)} questions)")
