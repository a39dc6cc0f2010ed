"""Metrics shipped as local ``evaluate`` modules and loaded by path, so no hub lookup happens."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path
from typing import Any

from headroom.errors import ConfigError
from headroom.extras import require


class LocalMetrics:
    """The metric modules ``<folder>/<name>.py`` of one package, loaded once each."""

    def __init__(self, folder: Path, names: Sequence[str], extra: str) -> None:
        self.folder = folder.resolve()
        self.names = tuple(names)
        self.extra = extra

    def path(self, name: str) -> Path:
        """The module file implementing metric ``name``."""
        if name not in self.names:
            raise ConfigError(f"unknown metric {name!r}; expected one of {', '.join(self.names)}")
        return self.folder / f"{name}.py"

    def load(self, name: str) -> Any:
        """``evaluate.load`` of the module for ``name`` (an ``evaluate.EvaluationModule``)."""
        return _load(str(self.path(name)), self.extra)


@cache
def _load(path: str, extra: str) -> Any:
    # A path that exists is loaded from disk by evaluate; no hub lookup happens.
    return require("evaluate", extra).load(path)


def metric_info(description: str | None, inputs: str, features: Mapping[str, str], *, extra: str) -> Any:
    """An ``evaluate.MetricInfo`` for a metric module; ``features`` maps each input to its type name
    (``"int8"``, ``"int64"``, ``"string"``; ``"string[]"`` is a list of strings). ``description``
    is often the metric class's docstring."""
    datasets = require("datasets", extra)
    evaluate = require("evaluate", extra)

    def feature(kind: str) -> Any:
        if kind.endswith("[]"):
            return datasets.Sequence(datasets.Value(kind[:-2]))
        return datasets.Value(kind)

    return evaluate.MetricInfo(
        description=description or "",
        citation="",
        inputs_description=inputs,
        features=datasets.Features({name: feature(kind) for name, kind in features.items()}),
    )
