"""mlflow tracking for studies: a parent run per study (per worker), a nested run per trial.

The client API is used directly (no global active run), so trials log cheaply and nothing
leaks into a caller's mlflow state. The embedded default is a SQLite tracking store next to
the study's output; ``tracking_uri`` points at a real server instead. Params, tags and
artifacts go through :mod:`headroom.redaction` first.
"""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from headroom.errors import MissingDependency
from headroom.redaction import default_redactor, redact_text, redacted_copy

EXPERIMENT = "headroom-tune"


class Tracker(Protocol):
    """Where a study reports its trials."""

    parent_run_id: str | None

    def trial(
        self, number: int, params: Mapping[str, Any], metrics: Mapping[str, float], state: str
    ) -> str | None:
        """Record one trial as a nested run; returns its run id."""
        ...

    def finish(self, metrics: Mapping[str, float], artifacts: list[Path]) -> None:
        """Close the parent run with the study's metrics and artifacts."""
        ...


class NullTracker:
    """Tracking switched off."""

    parent_run_id: str | None = None

    def trial(
        self, number: int, params: Mapping[str, Any], metrics: Mapping[str, float], state: str
    ) -> str | None:
        """Record nothing."""
        return None

    def finish(self, metrics: Mapping[str, float], artifacts: list[Path]) -> None:
        """Record nothing."""


class MlflowTracker:
    """A parent run for the study and nested runs for its trials."""

    def __init__(self, uri: str, out: Path, study: str, tags: Mapping[str, str]) -> None:
        try:
            from mlflow.tracking import MlflowClient
        except ImportError as exc:
            raise MissingDependency("mlflow", extra="evals") from exc
        # mlflow narrates store migrations and run URLs at INFO; the CLI says where runs went.
        for name in ("mlflow", "alembic"):
            logging.getLogger(name).setLevel(logging.WARNING)
        self._client = MlflowClient(tracking_uri=uri)
        self._experiment = self._experiment_id(out)
        clean_tags = {k: redact_text(str(v)) for k, v in {"headroom.study": study, **tags}.items()}
        parent = self._client.create_run(self._experiment, run_name=redact_text(study), tags=clean_tags)
        self.parent_run_id: str | None = parent.info.run_id

    def _experiment_id(self, out: Path) -> str:
        found = self._client.get_experiment_by_name(EXPERIMENT)
        if found is not None:
            return str(found.experiment_id)
        location = (out.resolve() / "mlruns").as_uri()
        return str(self._client.create_experiment(EXPERIMENT, artifact_location=location))

    def trial(
        self, number: int, params: Mapping[str, Any], metrics: Mapping[str, float], state: str
    ) -> str | None:
        """Record one trial as a nested run under the parent."""
        from mlflow.entities import Metric, Param

        assert self.parent_run_id is not None
        run = self._client.create_run(
            self._experiment,
            run_name=f"trial-{number}",
            tags={
                "mlflow.parentRunId": self.parent_run_id,
                "headroom.trial": str(number),
                "headroom.state": state,
            },
        )
        stamp = int(time.time() * 1000)
        self._client.log_batch(
            run.info.run_id,
            metrics=[Metric(k, float(v), stamp, 0) for k, v in metrics.items()],
            params=[Param(k, redact_text(str(v))) for k, v in params.items()],
        )
        self._client.set_terminated(run.info.run_id, "FINISHED" if state == "COMPLETE" else "KILLED")
        return str(run.info.run_id)

    def finish(self, metrics: Mapping[str, float], artifacts: list[Path]) -> None:
        """Log the study's metrics and artifacts on the parent run and close it."""
        assert self.parent_run_id is not None
        stamp = int(time.time() * 1000)
        from mlflow.entities import Metric

        self._client.log_batch(
            self.parent_run_id, metrics=[Metric(k, float(v), stamp, 0) for k, v in metrics.items()]
        )
        redactor = default_redactor()
        with tempfile.TemporaryDirectory() as staging:
            for index, path in enumerate(artifacts):
                # One subfolder each: two artifacts may share a file name.
                copy = redacted_copy(path, Path(staging) / str(index), redactor)
                self._client.log_artifact(self.parent_run_id, str(copy))
        self._client.set_terminated(self.parent_run_id, "FINISHED")


def make_tracker(uri: str | None, out: Path, study: str, tags: Mapping[str, str]) -> Tracker:
    """An mlflow tracker (``uri`` or the embedded SQLite store under ``out``); ``"none"`` disables."""
    if uri == "none":
        return NullTracker()
    out.mkdir(parents=True, exist_ok=True)
    return MlflowTracker(uri or f"sqlite:///{out.resolve() / 'mlflow.db'}", out, study, tags)
