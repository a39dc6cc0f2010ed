"""The corpus study of one compressor's section: compress its files, keep their facts.

Objectives are token savings (up), fact retention (up) and compression latency (down), under
the constraint that retention drops at most δ below the baseline policy's. Optuna's pruners do
not apply to multi-objective studies, so a trial stops itself (:class:`~evals.tune._base.Pruned`)
once its retention cannot reach the constraint even if every file still to come kept all its facts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial

from evals.stats import Bootstrap, mean_ci, savings_ci
from evals.tune._base import Outcome, Pruned, Study, StudyRun, StudySettings
from evals.tune._corpus import CorpusFile, content_type, corpus_hash, study_files
from evals.tune._defaults import FACTS_SEED
from evals.tune._export import study_delta
from evals.tune._objective import Evaluator, FileScore, Totals
from evals.tune._pareto import Point, choose, front, points, svg
from evals.tune._pareto import chosen_trial as pareto_choice
from evals.tune._runner import run
from evals.tune._space import ParamSpec, defaults, section_space
from headroom.errors import ConfigError

_MAXIMIZE, _MINIMIZE = optuna.study.StudyDirection.MAXIMIZE, optuna.study.StudyDirection.MINIMIZE


@dataclass(frozen=True, kw_only=True)
class TuneSettings(StudySettings):
    """One corpus study invocation (``headroom tune --content-type json`` …)."""

    corpus: Path
    """Corpus directory: per-kind subfolders, a ``MANIFEST.jsonl``, or any files (routed by content)."""
    content_type: str
    """Which study: a compressor that declares a tuned section (json, log, code…)."""
    split: str = "all"
    """Which side of the manifest's split to read: ``tune``, ``test`` or ``all``."""
    latency: bool = True
    """Minimise latency as a third objective (timings are noisy: without it a seeded study reproduces exactly)."""
    space: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """Range overrides from a suite's ``tune.space``."""

    def study_name(self) -> str:
        """The study name (default ``headroom-<content type>``, then ``-<split>`` unless the split is ``all``)."""
        side = f"-{self.split}" if self.split != "all" else ""
        return self.study or f"headroom-{self.content_type}{side}"


class CorpusStudy(Study):
    """Tunes one compressor's section on the corpus files its declared ``tuning`` reads."""

    figures = ("savings", "retention")
    constraint_key = "retention_drop"
    quality = "retention"

    def __init__(self, settings: TuneSettings, files: list[CorpusFile]) -> None:
        super().__init__(settings.content_type, settings)
        self.tune = settings
        self.files = files
        self.ct = content_type(settings.content_type)
        self.evaluator = Evaluator(files, settings.base)
        self._space = section_space(self.ct.section, settings.space)
        self.floor = 0.0
        """Lowest mean retention the constraint accepts (baseline − δ), set by the baseline."""

    def default_name(self) -> str:
        """``headroom-<content type>[-<split>]``."""
        return self.tune.study_name()

    def directions(self) -> list[optuna.study.StudyDirection]:
        """Savings ↑, retention ↑ (and latency ↓ unless switched off)."""
        return [_MAXIMIZE, _MAXIMIZE, *([_MINIMIZE] if self.tune.latency else [])]

    def space(self) -> list[ParamSpec]:
        """Every tunable of the section, with the suite's narrowing."""
        return self._space

    def baseline_params(self) -> dict[str, Any]:
        """The base policy's values."""
        return defaults(self._space, self.tune.base)

    def measure_baseline(self) -> Totals:
        """The base policy over every file, measured warm."""
        params = self.baseline_params()
        self.evaluator.totals(params)
        # The first pass pays for imports and warm-up; the baseline's latency is the warm one.
        self.evaluator.clear()
        baseline = self.evaluator.totals(params)[0]
        self.floor = baseline.retention - self.tune.delta
        return baseline

    def baseline_metrics(self, score: Totals) -> dict[str, float]:
        """Savings, retention and latency."""
        return {"savings": score.savings, "retention": score.retention, "latency": score.latency}

    def attrs(self) -> dict[str, Any]:
        """Where the files came from, and whether latency is an objective."""
        return {
            "corpus_hash": ":".join(h for h in (self.tune.suite_hash, corpus_hash(self.files)) if h),
            "split": self.tune.split,
            "latency_objective": self.tune.latency,
            "files": [f.rel for f in self.files],
        }

    def evaluate(self, params: Mapping[str, Any]) -> Outcome:
        """Compress every file; stop once retention can no longer reach the floor."""
        scores: list[FileScore] = []
        for index, file in enumerate(self.files):
            scores.append(self.evaluator.score(file, params))
            if self._hopeless(scores, len(self.files) - index - 1):
                reason = f"retention cannot reach {self.floor:.4f} after {index + 1} files"
                raise Pruned(reason, self._outcome(scores))
        return self._outcome(scores)

    def _outcome(self, scores: list[FileScore]) -> Outcome:
        totals = Totals.of(scores)
        values = (totals.savings, totals.retention)
        return Outcome(
            values=(*values, totals.latency) if self.tune.latency else values,
            metrics={"savings": totals.savings, "retention": totals.retention, "latency": totals.latency},
            constraint=self.floor - totals.retention,
            attrs={"files": [[s.tokens_in, s.tokens_out, s.retention] for s in scores]},
        )

    def _hopeless(self, scores: list[FileScore], remaining: int) -> bool:
        best_possible = (sum(s.retention for s in scores) + remaining) / (len(scores) + remaining)
        return best_possible < self.floor - 1e-12

    def finish_run(self, run: StudyRun) -> None:
        """The evaluator's cache counters."""
        run.cache_hits, run.cache_misses = self.evaluator.hits, self.evaluator.misses

    def summary_extra(self, study: optuna.Study, run: StudyRun) -> dict[str, Any]:
        """Files, corpus hash, cache counters and the Pareto front."""
        found = points(study.get_trials(deepcopy=False), floor(study))
        return {
            "files": run.files,
            "corpus_hash": study.user_attrs.get("corpus_hash"),
            "cache": {"hits": run.cache_hits, "misses": run.cache_misses},
            "pareto_front": [p.__dict__ for p in front(found, self.tune.latency)],
        }

    def artifacts(
        self, folder: Path, study: optuna.Study, run: StudyRun, chosen: FrozenTrial | None
    ) -> list[Path]:
        """The Pareto plot: savings against retention."""
        found = points(study.get_trials(deepcopy=False), floor(study))
        picked = choose(found, self.tune.latency)
        score: Totals = run.baseline
        base = Point(-1, score.savings, score.retention, score.latency, True)
        plot = folder / "pareto.svg"
        title = f"{run.study}: savings vs retention ({len(found)} trials)"
        plot.write_text(svg(title, found, base, picked), encoding="utf-8")
        return [plot]

    @classmethod
    def chosen_trial(cls, study: optuna.Study, delta: float | None = None) -> FrozenTrial | None:
        """Highest savings within the retention constraint (see :mod:`evals.tune._pareto`)."""
        with_latency = bool(study.user_attrs.get("latency_objective", True))
        return pareto_choice(study, floor(study, delta), with_latency)

    @classmethod
    def trial_metrics(
        cls, study: optuna.Study, trial: FrozenTrial, delta: float | None = None
    ) -> dict[str, Any]:
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


def floor(study: optuna.Study, delta: float | None = None) -> float:
    """The lowest retention the constraint accepts: baseline retention − δ."""
    Study.of(study)
    return float(study.user_attrs["baseline"]["retention"]) - study_delta(study, delta)


def run_study(settings: TuneSettings, files: list[CorpusFile] | None = None) -> StudyRun:
    """Run (or continue) the corpus study that ``settings`` describes and write its artifacts.

    ``files`` are the study's corpus files when the caller has listed them already.
    """
    ct = content_type(settings.content_type)
    if files is None:
        files = study_files(settings.corpus, ct, FACTS_SEED, settings.split)
    study = CorpusStudy(settings, files)
    started = StudyRun(study.name, ct.name, settings.storage_url(), files=[f.rel for f in files])
    if not files:
        note = (
            ct.missing.format(corpus=settings.corpus)
            or f"no file under {settings.corpus} routes to the {ct.name} compressor"
        )
        started.skipped = f"{note}: {ct.name} skipped"
        return started
    return run(study, started)
