"""The settings every study kind reads the same way from CLI-shaped options and a suite's ``tune`` block."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from evals.suite import Suite, suite_hash
from evals.tune._defaults import DEFAULT_DELTA, DEFAULT_OUT
from headroom.policy import Policy, load_policy


def shared_settings(options: Mapping[str, Any], suite: Suite | None, default_trials: int) -> dict[str, Any]:
    """Keyword arguments of :class:`~evals.tune._base.StudySettings`: the CLI's value, else the suite's."""
    spec = suite.tune if suite is not None else None
    base_path = options.get("base")
    return {
        "trials": options.get("trials") or (spec.trials if spec and spec.trials else default_trials),
        "timeout": options.get("timeout"),
        "storage": options.get("storage"),
        "study": options.get("study"),
        "seed": int(options.get("seed") or 0),
        "sampler": options.get("sampler") or "tpe",
        "tracking_uri": options.get("tracking_uri"),
        "out": Path(options.get("out") or DEFAULT_OUT),
        "delta": delta(options, suite),
        "base": load_policy(base_path) if base_path else Policy(),
        "suite_hash": suite_hash(suite) if suite is not None else None,
    }


def delta(options: Mapping[str, Any], suite: Suite | None) -> float:
    """``--delta``, else the suite's ``tune.delta``, else the tuner's default."""
    if options.get("delta") is not None:
        return float(options["delta"])
    spec = suite.tune if suite is not None else None
    return spec.delta if spec is not None and spec.delta is not None else DEFAULT_DELTA
