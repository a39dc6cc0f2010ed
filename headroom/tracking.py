"""The one mlflow integration: training, evals and tuning runs all go through :class:`MlflowRuns`.

The client API is used directly (no global active run), so nothing leaks into a caller's
mlflow state and nested runs cost one call. The embedded default is a SQLite tracking store
in the run's folder; ``uri`` points at a real server instead. Params, tags and artifacts go
through :mod:`headroom.redaction` first unless the caller's values are its own configuration.
mlflow is imported only when a store is opened.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from headroom.extras import require
from headroom.redaction import Redactor, default_redactor, redacted_copy


class MlflowRuns:
    """Runs of one experiment in one tracking store."""

    def __init__(
        self, uri: str | None, folder: Path, experiment: str, extra: str, *, redact: bool = True
    ) -> None:
        tracking = require("mlflow.tracking", extra)
        self._entities = require("mlflow.entities", extra)
        # mlflow narrates store migrations and run URLs at INFO; our CLI says where runs went.
        for name in ("mlflow", "alembic"):
            logging.getLogger(name).setLevel(logging.WARNING)
        folder = folder.resolve()
        folder.mkdir(parents=True, exist_ok=True)
        self.client = tracking.MlflowClient(tracking_uri=uri or f"sqlite:///{folder / 'mlflow.db'}")
        self.redactor: Redactor | None = default_redactor() if redact else None
        found = self.client.get_experiment_by_name(experiment)
        self.experiment_id = str(
            found.experiment_id
            if found is not None
            else self.client.create_experiment(experiment, artifact_location=(folder / "mlruns").as_uri())
        )

    def start(
        self,
        name: str,
        tags: Mapping[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
        parent: str | None = None,
    ) -> Run:
        """A new run (nested under run id ``parent`` when given) with its tags and params."""
        clean_tags = {k: str(v) for k, v in self._value(dict(tags or {})).items()}
        if parent is not None:
            clean_tags["mlflow.parentRunId"] = parent
        created = self.client.create_run(self.experiment_id, run_name=self._text(name), tags=clean_tags)
        run = Run(self, str(created.info.run_id))
        if params:
            run.log_params(params)
        return run

    def _text(self, text: str) -> str:
        return self.redactor.text(text) if self.redactor is not None else text

    def _value(self, data: dict[str, Any]) -> dict[str, Any]:
        """Secrets blanked by key name and by pattern (the redactor's rules for mappings)."""
        return dict(self.redactor.value(data)) if self.redactor is not None else data


class Run:
    """One mlflow run: metrics, params and artifacts, then :meth:`finish`."""

    def __init__(self, runs: MlflowRuns, run_id: str) -> None:
        self._runs = runs
        self.run_id = run_id

    def log_metrics(self, metrics: Mapping[str, float], step: int = 0) -> None:
        """Numeric metrics at ``step``."""
        stamp = int(time.time() * 1000)
        batch = [self._runs._entities.Metric(k, float(v), stamp, step) for k, v in metrics.items()]
        self._runs.client.log_batch(self.run_id, metrics=batch)

    def log_params(self, params: Mapping[str, Any]) -> None:
        """Params (values as text)."""
        clean = self._runs._value(dict(params))
        batch = [self._runs._entities.Param(k, str(v)) for k, v in clean.items()]
        self._runs.client.log_batch(self.run_id, params=batch)

    def log_artifact(self, path: Path, folder: str | None = None) -> None:
        """Attach one file (a redacted copy unless redaction is off)."""
        redactor = self._runs.redactor
        if redactor is None:
            self._runs.client.log_artifact(self.run_id, str(path), folder)
            return
        with tempfile.TemporaryDirectory() as staging:
            copy = redacted_copy(path, staging, redactor)
            self._runs.client.log_artifact(self.run_id, str(copy), folder)

    def log_artifacts(self, path: Path, folder: str) -> None:
        """Attach a folder as it is (an exported model)."""
        self._runs.client.log_artifacts(self.run_id, str(path), folder)

    def finish(self, status: str = "FINISHED") -> None:
        """Close the run (FINISHED, FAILED or KILLED)."""
        self._runs.client.set_terminated(self.run_id, status)
