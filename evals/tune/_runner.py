"""The one runner every study kind goes through: open, baseline trial, trials, tracking, finish."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import optuna

from evals.tune._base import Outcome, Pruned, Study, StudyRun
from evals.tune._storage import open_storage, with_retries, worker_id
from evals.tune._summary import finish_study
from evals.tune._tracking import Tracker, make_tracker


def run(study: Study, started: StudyRun | None = None) -> StudyRun:
    """Run (or continue) ``study``: measure its baseline, run the trials, write the artifacts.

    ``started`` carries what the caller knows already (the files read).
    """
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    settings = study.settings
    done = started or StudyRun(study.name, study.content_type)
    done.storage = settings.storage_url()
    done.baseline = study.measure_baseline()
    stored = _open(study, done)
    tracker = make_tracker(
        settings.tracking_uri, settings.out, done.study, {"headroom.content_type": study.content_type}
    )
    before = finished(stored)
    clock = time.perf_counter()
    stored.optimize(Objective(study, tracker), n_trials=settings.trials, timeout=settings.timeout)
    done.seconds = time.perf_counter() - clock
    done.trials_run = finished(stored) - before
    done.parent_run_id = tracker.parent_run_id
    study.finish_run(done)
    finish_study(study, done, stored, tracker)
    return done


class Objective:
    """The optuna objective of one study: suggest, score, record (user attributes and tracking)."""

    def __init__(self, study: Study, tracker: Tracker) -> None:
        self.study = study
        self.space = study.space()
        self.tracker = tracker

    def __call__(self, trial: optuna.Trial) -> tuple[float, ...]:
        params = {spec.name: spec.suggest(trial) for spec in self.space}
        try:
            outcome = self.study.evaluate(params)
        except Pruned as stop:
            self._record(trial, params, stop.outcome, "PRUNED")
            raise optuna.TrialPruned(str(stop)) from None
        self._record(trial, params, outcome, "COMPLETE")
        return outcome.values

    def _record(self, trial: optuna.Trial, params: Mapping[str, Any], outcome: Outcome, state: str) -> None:
        for key, value in {**outcome.metrics, **outcome.attrs}.items():
            trial.set_user_attr(key, value)
        trial.set_user_attr("constraint", outcome.constraint)
        trial.set_user_attr("worker", worker_id())
        # Feasible when ≤ 0; samplers read it (optuna ≥ 5 replaces constraints_func with this).
        trial.set_constraint(self.study.constraint_key, outcome.constraint)
        run_id = self.tracker.trial(trial.number, params, outcome.metrics, state)
        if run_id is not None:
            trial.set_user_attr("mlflow_run_id", run_id)


def finished(study: optuna.Study) -> int:
    """Trials of ``study`` that are over (complete, pruned or failed)."""
    return sum(1 for t in study.get_trials(deepcopy=False) if t.state.is_finished())


def make_sampler(kind: str, seed: int) -> optuna.samplers.BaseSampler:
    """A seeded TPE or NSGA-II sampler; both honour the constraint each trial sets."""
    if kind == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed, multivariate=True)


def _open(study: Study, run: StudyRun) -> optuna.Study:
    settings = study.settings
    stored = with_retries(
        lambda: optuna.create_study(
            storage=open_storage(run.storage),
            study_name=run.study,
            directions=study.directions(),
            sampler=make_sampler(settings.sampler, settings.seed),
            load_if_exists=True,
        )
    )
    attrs = {
        "content_type": study.content_type,
        "delta": settings.delta,
        "baseline": study.baseline_metrics(run.baseline),
        "base_policy": settings.base.model_dump(mode="json", by_alias=True, exclude_none=True),
        **study.attrs(),
    }
    for key, value in attrs.items():
        stored.set_user_attr(key, value)
    if not stored.trials:
        # The baseline is trial 0: the constraint always has a feasible trial to fall back on.
        stored.enqueue_trial(study.baseline_params())
    return stored
