"""The study abstraction (optuna's style: one base class, one module per kind).

A :class:`Study` is one kind of tuning problem over one policy section: its search space,
its baseline, how a trial's parameters are scored (:class:`Outcome`), and its export rule.
Everything else (the optuna study and its storage, the baseline trial, tracking, the summary,
the artifacts and the export) is shared: :mod:`evals.tune._runner`, :mod:`evals.tune._summary`
and :mod:`evals.tune._export` serve every kind. Kinds today: corpus files per compressor
(:mod:`evals.tune._corpus_study`) and output shaping (:mod:`evals.tune._shaping_study`); a
kind that replays whole agent sessions fits the same shape.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal

import optuna
from optuna.trial import FrozenTrial

from evals.tune._defaults import DEFAULT_DELTA, DEFAULT_OUT, DEFAULT_TRIALS
from evals.tune._space import ParamSpec
from evals.tune._storage import storage_or_default
from headroom.errors import ConfigError
from headroom.policy import Policy


@dataclass(frozen=True, kw_only=True)
class StudySettings:
    """What every study invocation sets, whatever its kind."""

    trials: int = DEFAULT_TRIALS
    """Trials this worker runs (several workers on one storage add up)."""
    timeout: float | None = None
    """Stop starting trials after this many seconds."""
    storage: str | None = None
    """Optuna storage URL (default ``sqlite:///<out>/optuna.db``, shared by every study)."""
    study: str | None = None
    """Study name (default: the kind's own)."""
    seed: int = 0
    """Sampler seed."""
    sampler: Literal["tpe", "nsga2"] = "tpe"
    """TPE or NSGA-II, both with the study's constraint."""
    tracking_uri: str | None = None
    """mlflow tracking URI (default the embedded ``sqlite:///<out>/mlflow.db``; ``none`` disables)."""
    out: Path = DEFAULT_OUT
    """Folder for the storage, the mlflow store and the artifacts."""
    delta: float = DEFAULT_DELTA
    """Largest tolerated drop of the study's quality measure against the baseline (the constraint)."""
    base: Policy = field(default_factory=Policy)
    """The baseline policy; the study tunes one of its sections, and exports merge into it."""
    suite_hash: str | None = None
    """Hash of the suite that asked for the study."""

    def storage_url(self) -> str:
        """The storage URL, creating the embedded SQLite file's folder."""
        return storage_or_default(self.storage, self.out)


@dataclass(frozen=True)
class Outcome:
    """What one trial's parameters scored."""

    values: tuple[float, ...]
    """The objective values, in the order of :meth:`Study.directions`."""
    metrics: Mapping[str, float]
    """Named figures: trial user attributes, and the trial's mlflow metrics."""
    constraint: float
    """Feasible when ≤ 0 (the quality drop beyond δ)."""
    attrs: Mapping[str, Any] = field(default_factory=dict)
    """Further trial user attributes (per-file scores, counts)."""


class Pruned(Exception):
    """A trial stopped early; ``outcome`` is what it had scored so far."""

    def __init__(self, reason: str, outcome: Outcome) -> None:
        super().__init__(reason)
        self.outcome = outcome


@dataclass
class StudyRun:
    """What a finished (or skipped) study produced."""

    study: str
    content_type: str
    storage: str = ""
    files: list[str] = field(default_factory=list)
    skipped: str | None = None
    baseline: Any = None
    """The kind's baseline score (corpus: ``Totals``; shaping: ``ShapingScore``)."""
    trials_run: int = 0
    seconds: float = 0.0
    cache_hits: int = 0
    cache_misses: int = 0
    parent_run_id: str | None = None
    artifacts: list[Path] = field(default_factory=list)
    summary: dict[str, Any] = field(default_factory=dict)


class Study(ABC):
    """One kind of tuning problem over one policy section."""

    kind: ClassVar[str | None] = None
    """The ``content_type`` this class handles on export; None: the default (corpus studies)."""
    figures: ClassVar[tuple[str, ...]]
    """Headline metric names: the chosen trial's and the baseline's go on the mlflow parent run."""
    constraint_key: ClassVar[str]
    """Name of the trial constraint optuna's samplers read."""
    quality: ClassVar[str]
    """What the constraint protects, for messages (retention, quality)."""
    _kinds: ClassVar[dict[str | None, type[Study]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        Study._kinds[cls.kind] = cls

    def __init__(self, content_type: str, settings: StudySettings) -> None:
        self.content_type = content_type
        self.settings = settings

    @staticmethod
    def of(study: optuna.Study) -> type[Study]:
        """The class that made a stored optuna study (its export rule and metrics)."""
        kind = study.user_attrs.get("content_type")
        found = Study._kinds.get(kind) or Study._kinds.get(None)
        if found is None or "baseline" not in study.user_attrs:
            raise ConfigError(f"study {study.study_name} was not created by headroom tune (no baseline)")
        return found

    @property
    def name(self) -> str:
        """The optuna study name."""
        return self.settings.study or self.default_name()

    @abstractmethod
    def default_name(self) -> str:
        """The study name when none is given."""

    @abstractmethod
    def directions(self) -> list[optuna.study.StudyDirection]:
        """Optimisation direction of each objective value."""

    @abstractmethod
    def space(self) -> list[ParamSpec]:
        """The parameters each trial suggests, in suggestion order."""

    @abstractmethod
    def baseline_params(self) -> dict[str, Any]:
        """Trial 0: the parameters of the baseline, so the front is never worse than it."""

    @abstractmethod
    def measure_baseline(self) -> Any:
        """Score the baseline (before any trial); the constraint is drawn against it."""

    @abstractmethod
    def baseline_metrics(self, score: Any) -> dict[str, float]:
        """The baseline score as named figures (the study's ``baseline`` attribute)."""

    @abstractmethod
    def evaluate(self, params: Mapping[str, Any]) -> Outcome:
        """Score one trial's parameters; raise :class:`Pruned` to stop it early."""

    def attrs(self) -> dict[str, Any]:
        """Study user attributes of this kind, besides the shared ones."""
        return {}

    def finish_run(self, run: StudyRun) -> None:
        """Copy what this kind counted during the trials onto ``run``."""
        return None  # most kinds count nothing beyond the trials

    def summary_extra(self, study: optuna.Study, run: StudyRun) -> dict[str, Any]:
        """Summary keys of this kind, besides the shared ones."""
        return {}

    def artifacts(
        self, folder: Path, study: optuna.Study, run: StudyRun, chosen: FrozenTrial | None
    ) -> list[Path]:
        """Artifacts of this kind (plots), written under ``folder``."""
        return []

    @classmethod
    @abstractmethod
    def chosen_trial(cls, study: optuna.Study, delta: float | None = None) -> FrozenTrial | None:
        """The export rule's trial; ``delta`` re-draws the constraint against the recorded baseline."""

    @classmethod
    @abstractmethod
    def trial_metrics(
        cls, study: optuna.Study, trial: FrozenTrial, delta: float | None = None
    ) -> dict[str, Any]:
        """The trial's figures beside the baseline's, for provenance and summaries."""
