"""Exporting a study's chosen trial as a runtime policy with provenance.

The tuned section is merged into the base policy (the study's own base, or ``--base``), the
result is validated by the schema, written as YAML, and read back with ``load_policy`` so a
file that the runtime would reject is never left behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial

from evals.stats import Bootstrap, mean_ci, savings_ci
from evals.tune._pareto import chosen_trial
from evals.tune._space import apply
from evals.tune._storage import resolve_storage
from headroom.errors import ConfigError
from headroom.policy import Policy, Provenance, load_policy, policy_from_mapping

DEFAULT_EXPORT_DIR = Path("configs/policies/tuned")


@dataclass(frozen=True)
class Export:
    """An exported policy and where it came from."""

    path: Path
    policy: Policy
    trial: int


def load_study(name: str, storage: str) -> optuna.Study:
    """An existing study, with a clear error when it is not there."""
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        return optuna.load_study(study_name=name, storage=resolve_storage(storage))
    except KeyError as exc:
        raise ConfigError(f"no study named {name!r} in {storage}") from exc


def floor(study: optuna.Study, delta: float | None = None) -> float:
    """The lowest retention the constraint accepts: baseline retention − δ."""
    attrs = study.user_attrs
    if "baseline" not in attrs:
        raise ConfigError(f"study {study.study_name} was not created by headroom tune (no baseline)")
    chosen_delta = float(attrs.get("delta", 0.02)) if delta is None else delta
    return float(attrs["baseline"]["retention"]) - chosen_delta


def tuned_policy(
    study: optuna.Study, trial: FrozenTrial, base: Policy | None = None, name: str | None = None
) -> Policy:
    """``base`` (default: the study's base policy) with the trial's parameters and provenance."""
    attrs = study.user_attrs
    start = (
        base if base is not None else policy_from_mapping(attrs.get("base_policy", {}), "study base policy")
    )
    policy = apply(start, trial.params, name=name or study.study_name)
    provenance = Provenance(
        study=study.study_name,
        trial=trial.number,
        mlflow_run_id=trial.user_attrs.get("mlflow_run_id"),
        suite_hash=attrs.get("corpus_hash"),
        metrics=trial_metrics(study, trial),
    )
    return policy.model_copy(update={"provenance": provenance})


def trial_metrics(study: optuna.Study, trial: FrozenTrial) -> dict[str, Any]:
    """Savings and retention of ``trial`` with bootstrap ci95 over files, and the baseline's."""
    rows = trial.user_attrs.get("files") or []
    if not rows:
        raise ConfigError(f"trial {trial.number} of {study.study_name} has no per-file scores")
    settings = Bootstrap(resamples=2000, confidence=0.95, seed=0)
    savings = savings_ci([int(r[0]) for r in rows], [int(r[1]) for r in rows], settings)
    retention = mean_ci([float(r[2]) for r in rows], settings)
    baseline = study.user_attrs.get("baseline", {})
    return {
        "content_type": study.user_attrs.get("content_type"),
        "files": len(rows),
        "savings": [round(v, 6) for v in savings.as_list()],
        "retention": [round(v, 6) for v in retention.as_list()],
        "latency_ms_per_10k_tokens": round(float(trial.user_attrs.get("latency", 0.0)), 3),
        "baseline_savings": round(float(baseline.get("savings", 0.0)), 6),
        "baseline_retention": round(float(baseline.get("retention", 0.0)), 6),
        "delta": study.user_attrs.get("delta"),
        "interval": "percentile bootstrap over files, 95%, 2000 resamples, seed 0",
    }


def export_study(
    study: optuna.Study,
    out_dir: Path = DEFAULT_EXPORT_DIR,
    name: str | None = None,
    base: Policy | None = None,
    delta: float | None = None,
) -> Export:
    """Write the export rule's trial as ``<out_dir>/<name>.yaml`` and check the runtime loads it."""
    with_latency = bool(study.user_attrs.get("latency_objective", True))
    trial = chosen_trial(study, floor(study, delta), with_latency)
    if trial is None:
        raise ConfigError(f"study {study.study_name}: no completed trial meets the retention constraint")
    policy = tuned_policy(study, trial, base, name)
    path = write_policy(policy, out_dir / f"{policy.name}.yaml")
    return Export(path, policy, trial.number)


def write_policy(policy: Policy, path: Path) -> Path:
    """Write ``policy`` as YAML and read it back through the runtime loader."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(policy.to_yaml(), encoding="utf-8")
    loaded = load_policy(path)
    if loaded.policy_hash != policy.policy_hash:
        raise ConfigError(f"{path}: the written policy does not read back identically")
    return path
