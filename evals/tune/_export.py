"""Exporting a study's chosen trial as a runtime policy with provenance (every study kind).

The tuned section is merged into the base policy (the study's own base, or ``--base``), the
result is validated by the schema, written as YAML, and read back with ``load_policy`` so a
file that the runtime would reject is never left behind. Which trial is chosen, and the
figures recorded beside it, are the study kind's (:meth:`evals.tune._base.Study.chosen_trial`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import optuna
from optuna.trial import FrozenTrial

from evals.tune._base import Study
from evals.tune._defaults import DEFAULT_DELTA, DEFAULT_EXPORT_DIR
from evals.tune._space import apply
from evals.tune._storage import resolve_storage
from headroom.errors import ConfigError
from headroom.policy import Policy, Provenance, load_policy, policy_from_mapping


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


def study_delta(study: optuna.Study, delta: float | None = None) -> float:
    """``delta`` when given, else the one the study ran with."""
    return float(study.user_attrs.get("delta", DEFAULT_DELTA)) if delta is None else delta


def tuned_policy(
    study: optuna.Study,
    trial: FrozenTrial,
    base: Policy | None = None,
    name: str | None = None,
    delta: float | None = None,
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
        metrics=Study.of(study).trial_metrics(study, trial, delta),
    )
    return policy.model_copy(update={"provenance": provenance})


def export_study(
    study: optuna.Study,
    out_dir: Path = DEFAULT_EXPORT_DIR,
    name: str | None = None,
    base: Policy | None = None,
    delta: float | None = None,
) -> Export:
    """Write the export rule's trial as ``<out_dir>/<name>.yaml`` and check the runtime loads it."""
    kind = Study.of(study)
    trial = kind.chosen_trial(study, delta)
    if trial is None:
        raise ConfigError(f"study {study.study_name}: no completed trial meets the {kind.quality} constraint")
    policy = tuned_policy(study, trial, base, name, delta)
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
