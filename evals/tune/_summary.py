"""A finished study's artifacts: the Pareto plot, the chosen policy and a JSON report."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import optuna
from optuna.trial import TrialState

from evals.tune._export import floor, trial_metrics, tuned_policy, write_policy
from evals.tune._pareto import Point, choose, front, points, svg
from evals.tune._tracking import Tracker

if TYPE_CHECKING:
    from evals.tune._study import StudyRun, TuneSettings


def finish_study(settings: TuneSettings, run: StudyRun, study: optuna.Study, tracker: Tracker) -> None:
    """Write the artifacts under ``<out>/<study>/``, log them on the parent run, fill ``run.summary``."""
    folder = settings.out / run.study
    folder.mkdir(parents=True, exist_ok=True)
    trials = study.get_trials(deepcopy=False)
    found = points(trials, floor(study))
    chosen = choose(found, settings.latency)
    run.summary = _summary(settings, run, study, found, chosen)
    (folder / "pareto.svg").write_text(_plot(run, found, chosen), encoding="utf-8")
    run.artifacts = [folder / "pareto.svg"]
    if chosen is not None:
        trial = next(t for t in trials if t.number == chosen.number)
        policy = tuned_policy(study, trial, settings.base, run.study)
        run.artifacts.append(write_policy(policy, folder / f"{run.study}.yaml"))
    report = folder / "report.json"
    report.write_text(json.dumps(run.summary, indent=2, sort_keys=True), encoding="utf-8")
    run.artifacts.append(report)
    tracker.finish(_parent_metrics(run), run.artifacts)


def _plot(run: StudyRun, found: list[Point], chosen: Point | None) -> str:
    assert run.baseline is not None
    base = Point(-1, run.baseline.savings, run.baseline.retention, run.baseline.latency, True)
    return svg(f"{run.study}: savings vs retention ({len(found)} trials)", found, base, chosen)


def _summary(
    settings: TuneSettings, run: StudyRun, study: optuna.Study, found: list[Point], chosen: Point | None
) -> dict[str, Any]:
    assert run.baseline is not None
    states = [t.state for t in study.get_trials(deepcopy=False)]
    summary: dict[str, Any] = {
        "study": run.study,
        "content_type": run.content_type,
        "files": run.files,
        "corpus_hash": study.user_attrs.get("corpus_hash"),
        "delta": settings.delta,
        "baseline": {
            "savings": run.baseline.savings,
            "retention": run.baseline.retention,
            "latency": run.baseline.latency,
        },
        "trials": {
            "this_run": run.trials_run,
            "complete": states.count(TrialState.COMPLETE),
            "pruned": states.count(TrialState.PRUNED),
            "per_minute": 60 * run.trials_run / run.seconds if run.seconds else 0.0,
        },
        "seconds": run.seconds,
        "cache": {"hits": run.cache_hits, "misses": run.cache_misses},
        "pareto_front": [p.__dict__ for p in front(found, settings.latency)],
        "mlflow_parent_run_id": run.parent_run_id,
        "chosen": None,
    }
    if chosen is not None:
        trial = next(t for t in study.get_trials(deepcopy=False) if t.number == chosen.number)
        summary["chosen"] = {
            "trial": chosen.number,
            "params": trial.params,
            "metrics": trial_metrics(study, trial),
        }
    return summary


def _parent_metrics(run: StudyRun) -> dict[str, float]:
    metrics = {"trials": float(run.trials_run), "seconds": run.seconds}
    chosen = run.summary.get("chosen")
    if chosen is not None:
        metrics["savings"], metrics["retention"] = (
            chosen["metrics"]["savings"][0],
            chosen["metrics"]["retention"][0],
        )
    if run.baseline is not None:
        metrics["baseline_savings"], metrics["baseline_retention"] = (
            run.baseline.savings,
            run.baseline.retention,
        )
    return metrics
