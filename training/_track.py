"""The mlflow run every training run writes: params, metrics, tags and artifacts."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from headroom.tracking import MlflowRuns, Run
from training.config import TrainConfig


def flatten(mapping: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Nested mapping to dotted keys with string values (mlflow params)."""
    flat: dict[str, str] = {}
    for key, value in mapping.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{name}."))
        elif key != "sources":
            flat[name] = json.dumps(value) if isinstance(value, list | tuple) else str(value)
    return flat


class Tracker:
    """Thin wrapper so the loop does not care how the run is stored."""

    def __init__(self, run: Run, folder: Path) -> None:
        self._run = run
        self._folder = folder

    def metrics(self, values: Mapping[str, float], step: int, prefix: str = "") -> None:
        """Log numeric metrics at ``step``."""
        self._run.log_metrics({f"{prefix}{k}": float(v) for k, v in values.items()}, step=step)

    def artifact_json(self, name: str, payload: Any) -> None:
        """Write ``payload`` as JSON next to the run and attach it."""
        path = self._folder / name
        path.write_text(json.dumps(payload, indent=2, sort_keys=True), encoding="utf-8")
        self._run.log_artifact(path)

    def artifact_dir(self, path: Path, name: str) -> None:
        """Attach a folder (the exported model)."""
        self._run.log_artifacts(path, name)


@contextmanager
def tracking(config: TrainConfig, out: Path, tags: Mapping[str, str]) -> Iterator[Tracker]:
    """An mlflow run in ``config.mlflow_uri`` (default: SQLite in ``out``) with params and tags.

    The params are the recipe itself, logged as they are (no redaction).
    """
    runs = MlflowRuns(config.mlflow_uri, out, f"kompress-{config.name}", extra="train", redact=False)
    run = runs.start(
        f"{config.name}:{tags.get('config_hash', '')}", tags, flatten(config.model_dump(mode="json"))
    )
    try:
        yield Tracker(run, out)
    except BaseException:
        run.finish("FAILED")
        raise
    run.finish()
