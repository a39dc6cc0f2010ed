"""Tracking for studies: a parent mlflow run per study (per worker), a nested run per trial.

Runs go through the project's one mlflow integration, :class:`headroom.tracking.MlflowRuns`
(client API, redacted params, tags and artifacts).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from headroom.tracking import MlflowRuns

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

    def __init__(self, runs: MlflowRuns, study: str, tags: Mapping[str, str]) -> None:
        self._runs = runs
        self._parent = runs.start(study, {"headroom.study": study, **tags})
        self.parent_run_id: str | None = self._parent.run_id

    def trial(
        self, number: int, params: Mapping[str, Any], metrics: Mapping[str, float], state: str
    ) -> str | None:
        """Record one trial as a nested run under the parent."""
        tags = {"headroom.trial": str(number), "headroom.state": state}
        run = self._runs.start(f"trial-{number}", tags, params, parent=self._parent.run_id)
        run.log_metrics(metrics)
        run.finish("FINISHED" if state == "COMPLETE" else "KILLED")
        return run.run_id

    def finish(self, metrics: Mapping[str, float], artifacts: list[Path]) -> None:
        """Log the study's metrics and artifacts on the parent run and close it."""
        self._parent.log_metrics(metrics)
        for path in artifacts:
            self._parent.log_artifact(path)
        self._parent.finish()


def make_tracker(uri: str | None, out: Path, study: str, tags: Mapping[str, str]) -> Tracker:
    """An mlflow tracker (``uri`` or the embedded SQLite store under ``out``); ``"none"`` disables."""
    if uri == "none":
        return NullTracker()
    return MlflowTracker(MlflowRuns(uri, out, EXPERIMENT, extra="evals"), study, tags)
