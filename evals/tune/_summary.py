"""A finished study's summary and artifacts (the kind's plots, the chosen policy, a JSON report)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import optuna
from optuna.trial import TrialState

from evals.tune._export import tuned_policy, write_policy
from evals.tune._tracking import Tracker

if TYPE_CHECKING:
    from optuna.trial import FrozenTrial

    from evals.tune._base import Study, StudyRun


def finish_study(study: Study, run: StudyRun, stored: optuna.Study, tracker: Tracker) -> None:
    """Write the artifacts under ``<out>/<study>/``, log them on the parent run, fill ``run.summary``."""
    folder = study.settings.out / run.study
    folder.mkdir(parents=True, exist_ok=True)
    chosen = study.chosen_trial(stored)
    run.summary = summary(study, run, stored, chosen)
    run.artifacts = study.artifacts(folder, stored, run, chosen)
    if chosen is not None:
        policy = tuned_policy(stored, chosen, study.settings.base, run.study)
        run.artifacts.append(write_policy(policy, folder / f"{run.study}.yaml"))
    report = folder / "report.json"
    report.write_text(json.dumps(run.summary, indent=2, sort_keys=True), encoding="utf-8")
    run.artifacts.append(report)
    tracker.finish(parent_metrics(study, run), run.artifacts)


def summary(study: Study, run: StudyRun, stored: optuna.Study, chosen: FrozenTrial | None) -> dict[str, Any]:
    """JSON-ready: the counts, the baseline, the chosen trial, and the kind's own keys."""
    states = [t.state for t in stored.get_trials(deepcopy=False)]
    found: dict[str, Any] = {
        "study": run.study,
        "content_type": run.content_type,
        "storage": run.storage,
        "delta": study.settings.delta,
        "baseline": study.baseline_metrics(run.baseline),
        "trials": {
            "this_run": run.trials_run,
            "complete": states.count(TrialState.COMPLETE),
            "pruned": states.count(TrialState.PRUNED),
            "failed": states.count(TrialState.FAIL),
            "per_minute": 60 * run.trials_run / run.seconds if run.seconds else 0.0,
        },
        "seconds": run.seconds,
        "mlflow_parent_run_id": run.parent_run_id,
        "chosen": None,
        **study.summary_extra(stored, run),
    }
    if chosen is not None:
        found["chosen"] = {
            "trial": chosen.number,
            "params": chosen.params,
            "metrics": study.trial_metrics(stored, chosen),
        }
    return found


def parent_metrics(study: Study, run: StudyRun) -> dict[str, float]:
    """The study's figures on its mlflow parent run: counts, the chosen trial's and the baseline's."""
    metrics = {"trials": float(run.trials_run), "seconds": run.seconds}
    chosen = run.summary.get("chosen")
    baseline = run.summary.get("baseline") or {}
    for name in study.figures:
        if chosen is not None and name in chosen["metrics"]:
            value = chosen["metrics"][name]
            metrics[name] = float(value[0] if isinstance(value, list) else value)
        if name in baseline:
            metrics[f"baseline_{name}"] = float(baseline[name])
    return metrics


def chosen_lines(
    summary: dict[str, Any], metrics_text: Callable[[dict[str, Any]], str], constraint: str = "retention"
) -> list[str]:
    """The report's lines on the trial a study would export, its metrics as ``metrics_text`` says
    them, or that none met the ``constraint`` (every study kind reports it the same way)."""
    chosen = summary.get("chosen")
    if chosen is None:
        return [f"  no trial met the {constraint} constraint"]
    return [
        f"  chosen trial {chosen['trial']}: {metrics_text(chosen['metrics'])}",
        f"  params: {chosen['params']}",
    ]
