"""Running a content-type study: baseline, seeded sampler, constraint, early stop, tracking.

Optuna's pruners do not apply to multi-objective studies, so the objective stops a trial
itself (``TrialPruned``) once its retention cannot reach the constraint even if every file
still to come kept all its facts.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import optuna

from evals.tune._corpus import CorpusFile, content_type, corpus_hash, study_files
from evals.tune._objective import Evaluator, FileScore, Totals
from evals.tune._space import ParamSpec, defaults, section_space
from evals.tune._storage import resolve_storage, storage_or_default, with_retries, worker_id
from evals.tune._tracking import Tracker, make_tracker
from headroom.policy import Policy

DEFAULT_OUT = Path(".headroom/tune")
FACTS_SEED = 0
"""Facts are drawn with a fixed seed so studies with different sampler seeds share a yardstick."""


@dataclass(frozen=True)
class TuneSettings:
    """One ``headroom tune`` invocation."""

    corpus: Path
    """Corpus directory: per-kind subfolders, a ``MANIFEST.jsonl``, or any files (routed by content)."""
    content_type: str
    """Which study: json, log, code, search, diff, html, prose or table."""
    split: str = "all"
    """Which side of the manifest's split to read: ``tune``, ``test`` or ``all``."""
    trials: int = 200
    """Trials this worker runs (several workers on one storage add up)."""
    timeout: float | None = None
    """Stop starting trials after this many seconds."""
    storage: str | None = None
    """Optuna storage URL (default ``sqlite:///<out>/optuna.db``)."""
    study: str | None = None
    """Study name (default ``headroom-<content type>``, with ``-<split>`` after it unless the split is ``all``)."""
    seed: int = 0
    """Sampler seed."""
    sampler: Literal["tpe", "nsga2"] = "tpe"
    """TPE or NSGA-II, both with the retention constraint."""
    tracking_uri: str | None = None
    """mlflow tracking URI (default the embedded ``sqlite:///<out>/mlflow.db``; ``none`` disables)."""
    out: Path = DEFAULT_OUT
    """Folder for the storage, the mlflow store and the artifacts."""
    delta: float = 0.02
    """Largest tolerated retention drop against the baseline (the hard constraint)."""
    latency: bool = True
    """Minimise latency as a third objective (timings are noisy: without it a seeded study reproduces exactly)."""
    space: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Range overrides from a suite's ``tune.space``."""
    base: Policy = field(default_factory=Policy)
    """The baseline policy; the study tunes one of its sections."""
    suite_hash: str | None = None
    """Hash of the suite that asked for the study (else the corpus files' hash is used)."""

    def storage_url(self) -> str:
        """The storage URL, creating the embedded SQLite file's folder."""
        return storage_or_default(self.storage, self.out)

    def study_name(self) -> str:
        """The study name."""
        side = f"-{self.split}" if self.split != "all" else ""
        return self.study or f"headroom-{self.content_type}{side}"


@dataclass
class StudyRun:
    """What a finished (or skipped) study produced."""

    study: str
    content_type: str
    files: list[str]
    skipped: str | None = None
    baseline: Totals | None = None
    trials_run: int = 0
    seconds: float = 0.0
    cache_hits: int = 0
    cache_misses: int = 0
    storage: str = ""
    parent_run_id: str | None = None
    artifacts: list[Path] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


class Objective:
    """The optuna objective of one study (callable per trial)."""

    def __init__(
        self, evaluator: Evaluator, space: Sequence[ParamSpec], floor: float, tracker: Tracker, latency: bool
    ) -> None:
        self.evaluator = evaluator
        self.space = list(space)
        self.floor = floor
        """Lowest mean retention the constraint accepts (baseline − δ)."""
        self.tracker = tracker
        self.latency = latency
        """Return latency as the third objective value."""

    def __call__(self, trial: optuna.Trial) -> tuple[float, ...]:
        params = {spec.name: spec.suggest(trial) for spec in self.space}
        scores: list[FileScore] = []
        files = self.evaluator.files
        for index, file in enumerate(files):
            scores.append(self.evaluator.score(file, params))
            if self._hopeless(scores, len(files) - index - 1):
                self._record(trial, params, scores, "PRUNED")
                raise optuna.TrialPruned(f"retention cannot reach {self.floor:.4f} after {index + 1} files")
        totals = self._record(trial, params, scores, "COMPLETE")
        values = (totals.savings, totals.retention)
        return (*values, totals.latency) if self.latency else values

    def _hopeless(self, scores: list[FileScore], remaining: int) -> bool:
        best_possible = (sum(s.retention for s in scores) + remaining) / (len(scores) + remaining)
        return best_possible < self.floor - 1e-12

    def _record(
        self, trial: optuna.Trial, params: Mapping[str, Any], scores: list[FileScore], state: str
    ) -> Totals:
        totals = Totals.of(scores)
        metrics = {"savings": totals.savings, "retention": totals.retention, "latency": totals.latency}
        for key, value in metrics.items():
            trial.set_user_attr(key, value)
        trial.set_user_attr("constraint", self.floor - totals.retention)
        trial.set_user_attr("worker", worker_id())
        # Feasible when ≤ 0; samplers read it (optuna ≥ 5 replaces constraints_func with this).
        trial.set_constraint("retention_drop", self.floor - totals.retention)
        trial.set_user_attr("files", [[s.tokens_in, s.tokens_out, s.retention] for s in scores])
        run_id = self.tracker.trial(trial.number, params, metrics, state)
        if run_id is not None:
            trial.set_user_attr("mlflow_run_id", run_id)
        return totals


def make_sampler(kind: str, seed: int) -> optuna.samplers.BaseSampler:
    """A seeded TPE or NSGA-II sampler; both honour the constraint each trial sets."""
    if kind == "nsga2":
        return optuna.samplers.NSGAIISampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed, multivariate=True)


def run_study(settings: TuneSettings, files: list[CorpusFile] | None = None) -> StudyRun:
    """Run (or continue) the study that ``settings`` describes and write its artifacts.

    ``files`` are the study's corpus files when the caller has listed them already.
    """
    from evals.tune._summary import finish_study

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    ct = content_type(settings.content_type)
    if files is None:
        files = study_files(settings.corpus, ct, FACTS_SEED, settings.split)
    run = StudyRun(settings.study_name(), ct.name, [f.rel for f in files], storage=settings.storage_url())
    if not files:
        run.skipped = _no_files_note(ct.name, settings.corpus)
        return run
    space = section_space(ct.section, settings.space)
    evaluator = Evaluator(files, settings.base)
    baseline_params = defaults(space, settings.base)
    evaluator.totals(baseline_params)
    # The first pass pays for imports and warm-up; the baseline's latency is the warm one.
    evaluator.clear()
    run.baseline = evaluator.totals(baseline_params)[0]
    study = _open_study(settings, run, files, baseline_params)
    tracker = make_tracker(settings.tracking_uri, settings.out, run.study, {"headroom.content_type": ct.name})
    objective = Objective(
        evaluator, space, run.baseline.retention - settings.delta, tracker, settings.latency
    )
    before = _finished(study)
    started = time.perf_counter()
    study.optimize(objective, n_trials=settings.trials, timeout=settings.timeout)
    run.seconds = time.perf_counter() - started
    run.trials_run = _finished(study) - before
    run.cache_hits, run.cache_misses = evaluator.hits, evaluator.misses
    run.parent_run_id = tracker.parent_run_id
    finish_study(settings, run, study, tracker)
    return run


def _finished(study: optuna.Study) -> int:
    return sum(1 for t in study.get_trials(deepcopy=False) if t.state.is_finished())


def _no_files_note(name: str, corpus: Path) -> str:
    if name == "search":
        return f"no grep-style search output under {corpus} (search-API JSON dumps route to json): search skipped"
    return f"no file under {corpus} routes to the {name} compressor: {name} skipped"


def _open_study(
    settings: TuneSettings, run: StudyRun, files: list[CorpusFile], baseline_params: Mapping[str, Any]
) -> optuna.Study:
    directions: list[optuna.study.StudyDirection] = [optuna.study.StudyDirection.MAXIMIZE] * 2
    if settings.latency:
        directions.append(optuna.study.StudyDirection.MINIMIZE)
    study = with_retries(
        lambda: optuna.create_study(
            storage=resolve_storage(run.storage),
            study_name=run.study,
            directions=directions,
            sampler=make_sampler(settings.sampler, settings.seed),
            load_if_exists=True,
        )
    )
    assert run.baseline is not None
    attrs = {
        "content_type": settings.content_type,
        "corpus_hash": ":".join(h for h in (settings.suite_hash, corpus_hash(files)) if h),
        "split": settings.split,
        "delta": settings.delta,
        "latency_objective": settings.latency,
        "baseline": {
            "savings": run.baseline.savings,
            "retention": run.baseline.retention,
            "latency": run.baseline.latency,
        },
        "base_policy": settings.base.model_dump(mode="json", by_alias=True, exclude_none=True),
        "files": run.files,
    }
    for key, value in attrs.items():
        study.set_user_attr(key, value)
    if not study.trials:
        # The baseline is trial 0: the front is then never worse than the default policy.
        study.enqueue_trial(dict(baseline_params))
    return study
