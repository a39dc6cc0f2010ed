"""The mlflow run every training run writes: params, metrics, tags and artifacts."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from headroom.errors import MissingDependency
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
    """Thin wrapper so the loop does not care whether mlflow is configured."""

    def __init__(self, mlflow: Any, folder: Path) -> None:
        self._mlflow = mlflow
        self._folder = folder

    def metrics(self, values: Mapping[str, float], step: int, prefix: str = "") -> None:
        """Log numeric metrics at ``step``."""
        self._mlflow.log_metrics({f"{prefix}{k}": float(v) for k, v in values.items()}, step=step)

    def artifact_json(self, name: str, payload: Any) -> None:
        """Write ``payload`` as JSON next to the run and attach it."""
        path = self._folder / name
        path.write_text(json.dumps(payload, indent=2, sort_keys=True), encoding="utf-8")
        self._mlflow.log_artifact(str(path))

    def artifact_dir(self, path: Path, name: str) -> None:
        """Attach a folder (the exported model)."""
        self._mlflow.log_artifacts(str(path), artifact_path=name)


@contextmanager
def tracking(config: TrainConfig, out: Path, tags: Mapping[str, str]) -> Iterator[Tracker]:
    """An mlflow run in ``config.mlflow_uri`` (default: SQLite in ``out``) with params and tags."""
    try:
        import mlflow
    except ImportError as exc:
        raise MissingDependency("the 'mlflow' package", extra="train") from exc
    out.mkdir(parents=True, exist_ok=True)
    mlflow.set_tracking_uri(config.mlflow_uri or f"sqlite:///{(out / 'mlflow.db').resolve()}")
    experiment = f"kompress-{config.name}"
    if mlflow.get_experiment_by_name(experiment) is None:
        mlflow.create_experiment(experiment, artifact_location=(out / "mlruns").resolve().as_uri())
    mlflow.set_experiment(experiment)
    with mlflow.start_run(run_name=f"{config.name}:{tags.get('config_hash', '')}"):
        mlflow.log_params(flatten(config.model_dump(mode="json")))
        mlflow.set_tags(dict(tags))
        yield Tracker(mlflow, out)
