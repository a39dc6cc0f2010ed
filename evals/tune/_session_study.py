"""The session study: replay whole agent sessions under each trial's policy; pay less, keep what they use.

A file study scores each file alone with a proxy; this one scores what the product promises:
the cache-priced cost of every replayed session (OpenAI or Anthropic caching rules) and
reference retention (the share of later-used facts the policy arm kept verbatim; a fact only
retrievable through a marker counts as a cost, not as kept), under the constraint
``kept ≥ baseline kept − δ``. It searches several policy sections jointly, by default the rules
by agent activity (which reads, searches and test runs stay verbatim) and observation masking,
whose trials need no block compressed again; content sections can be added (``--sections``) at
the price of compressing their blocks per trial. Trials are deterministic (no timing enters the
score), so a seeded study re-run in a fresh process picks the same parameters.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from evals.replay import ReplaySettings, load_pricing
from evals.replay._evaluator import SessionEvaluator, SessionScore
from evals.replay._pricing import ProviderName
from evals.stats import Bootstrap, savings_ci
from evals.traces import Trace, load_traces
from evals.tune._base import Outcome, Study, StudyRun, StudySettings
from evals.tune._export import study_delta
from evals.tune._runner import run
from evals.tune._space import ParamSpec, apply, defaults, section_space
from headroom.compressors import tuned_compressors
from headroom.errors import ConfigError

CONTENT_TYPE = "sessions"
DEFAULT_SECTIONS = ("activity", "history")
"""Sections whose trials re-use every compressed block: hundreds of trials fit in minutes."""
_MINIMIZE = optuna.study.StudyDirection.MINIMIZE
_TRACE_SUFFIXES = frozenset({".jsonl", ".json", ".md", ".traj", ".eval", ".txt"})


@dataclass(frozen=True, kw_only=True)
class SessionTuneSettings(StudySettings):
    """One session study invocation (``headroom tune --traces DIR``)."""

    traces: tuple[Path, ...]
    """Trace files, or folders of them (a corpus folder's ``MANIFEST.jsonl`` gives the split)."""
    split: str = "all"
    sections: tuple[str, ...] = DEFAULT_SECTIONS
    provider: ProviderName = "openai"
    """Whose prompt-caching rules and prices the sessions are billed by."""
    workers: int = 1
    """Processes replaying sessions in parallel."""
    min_kept: float | None = None
    """A floor on the kept share besides ``baseline kept − δ`` (the stricter one binds): a study that
    must keep, say, 97% of facts even where the baseline policy keeps fewer."""
    space: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def study_name(self) -> str:
        side = f"-{self.split}" if self.split != "all" else ""
        return self.study or f"headroom-{CONTENT_TYPE}{side}"


class SessionStudy(Study):
    """Cheapest sessions whose kept share stays within δ of the baseline policy's."""

    kind = CONTENT_TYPE
    figures = ("cost_usd", "kept")
    constraint_key = "kept_drop"
    quality = "session retention"

    def __init__(
        self, settings: SessionTuneSettings, traces: Sequence[Trace], sources: Sequence[str]
    ) -> None:
        super().__init__(CONTENT_TYPE, settings)
        self.tune = settings
        self.sources = list(sources)
        replay = ReplaySettings(policy=settings.base, pricing=load_pricing(), provider=settings.provider)
        self.evaluator = SessionEvaluator(traces, replay, workers=settings.workers)
        self.sections = session_sections(settings.sections)
        self._space = _space(self.sections, settings.space)
        self.floor = 0.0
        self.trials_scored = 0

    def default_name(self) -> str:
        return self.tune.study_name()

    def directions(self) -> list[optuna.study.StudyDirection]:
        """Session cost ↓ (retention is the constraint)."""
        return [_MINIMIZE]

    def space(self) -> list[ParamSpec]:
        return self._space

    def baseline_params(self) -> dict[str, Any]:
        return defaults(self._space, self.tune.base)

    def measure_baseline(self) -> SessionScore:
        score = self.evaluator.score(apply(self.tune.base, self.baseline_params()))
        self.floor = _floor(score.kept, self.tune.delta, self.tune.min_kept)
        return score

    def baseline_metrics(self, score: SessionScore) -> dict[str, float]:
        return {
            **_figures(score),
            "raw_cost_usd": self.evaluator.raw.cost_usd,
            "masking_cost_usd": self.evaluator.masking.cost_usd,
            "masking_kept": self.evaluator.masking.kept,
        }

    def attrs(self) -> dict[str, Any]:
        return {
            "traces": self.sources,
            "sessions": self.evaluator.sessions,
            "split": self.tune.split,
            "sections": list(self.sections),
            "provider": self.tune.provider,
            "min_kept": self.tune.min_kept,
            "raw_sessions": [
                [r.cost_usd, r.outcomes.count("kept"), len(r.outcomes)] for r in self.evaluator.raw.sessions
            ],
        }

    def evaluate(self, params: Mapping[str, Any]) -> Outcome:
        score = self.evaluator.score(apply(self.tune.base, params))
        self.trials_scored += 1
        return Outcome(
            values=(score.cost_usd,),
            metrics=_figures(score),
            constraint=self.floor - score.kept,
            attrs={
                "sessions": [[r.cost_usd, r.outcomes.count("kept"), len(r.outcomes)] for r in score.sessions]
            },
        )

    def finish_run(self, run: StudyRun) -> None:
        self.evaluator.close()

    def summary_extra(self, study: optuna.Study, run: StudyRun) -> dict[str, Any]:
        return {
            "traces": self.sources,
            "sessions": self.evaluator.sessions,
            "sections": list(self.sections),
            "raw": _figures(self.evaluator.raw),
            "masking": _figures(self.evaluator.masking),
        }

    @classmethod
    def chosen_trial(cls, study: optuna.Study, delta: float | None = None) -> FrozenTrial | None:
        """The cheapest trial that keeps the baseline's share of facts within δ (ties: more kept)."""
        floor = _floor(
            float(study.user_attrs["baseline"]["kept"]),
            study_delta(study, delta),
            study.user_attrs.get("min_kept"),
        )
        done = [
            t
            for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if t.values is not None and float(t.user_attrs.get("kept", -1.0)) >= floor - 1e-12
        ]
        return min(done, key=lambda t: (t.values[0], -float(t.user_attrs["kept"]), t.number), default=None)

    @classmethod
    def trial_metrics(
        cls, study: optuna.Study, trial: FrozenTrial, delta: float | None = None
    ) -> dict[str, Any]:
        """Cost and kept share of ``trial`` with intervals over sessions, beside the baseline's and raw's."""
        rows = trial.user_attrs.get("sessions") or []
        base_rows = _baseline_rows(study)
        if not rows or len(rows) != len(base_rows):
            raise ConfigError(f"trial {trial.number} of {study.study_name} has no per-session scores")
        settings = Bootstrap(resamples=2000, confidence=0.95, seed=0)
        raw = study.user_attrs.get("raw_sessions") or []
        baseline = study.user_attrs["baseline"]
        figures: dict[str, Any] = {
            "content_type": CONTENT_TYPE,
            "sessions": len(rows),
            "cost_usd": round(float(trial.values[0]), 6) if trial.values else None,
            "kept": round(float(trial.user_attrs.get("kept", 0.0)), 6),
            "retrievable": round(float(trial.user_attrs.get("retrievable", 0.0)), 6),
            "cost_saving_vs_baseline": _rounded(
                savings_ci([r[0] for r in base_rows], [r[0] for r in rows], settings).as_list()
            ),
            "baseline_cost_usd": round(float(baseline["cost_usd"]), 6),
            "baseline_kept": round(float(baseline["kept"]), 6),
            "masking_kept": round(float(baseline.get("masking_kept", 0.0)), 6),
            "delta": study_delta(study, delta),
            **(
                {"min_kept": study.user_attrs["min_kept"]}
                if study.user_attrs.get("min_kept") is not None
                else {}
            ),
            "interval": "percentile bootstrap over sessions, 95%, 2000 resamples, seed 0",
        }
        if len(raw) == len(rows):
            figures["cost_saving_vs_raw"] = _rounded(
                savings_ci([r[0] for r in raw], [r[0] for r in rows], settings).as_list()
            )
        return figures


def _floor(baseline_kept: float, delta: float, min_kept: float | None) -> float:
    """The kept share a trial must reach: within δ of the baseline's, and at least ``min_kept``."""
    return max(baseline_kept - delta, min_kept if min_kept is not None else 0.0)


def _baseline_rows(study: optuna.Study) -> list[list[float]]:
    trials = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    first = min(trials, key=lambda t: t.number, default=None)  # trial 0 is the baseline
    return list(first.user_attrs.get("sessions") or []) if first is not None else []


def _figures(score: SessionScore) -> dict[str, float]:
    return {
        "cost_usd": score.cost_usd,
        "kept": score.kept,
        "retrievable": score.retrievable,
        "facts": float(score.facts),
    }


def _rounded(values: list[float]) -> list[float]:
    return [round(v, 6) for v in values]


RULE_SECTIONS = ("activity", "history", "live_zone")
"""The policy's own sections a replay can score (``shaping`` changes the answers: no replay scores it)."""
CONTENT = "content"
"""Shorthand for every content section in the compressor registry."""


def content_sections() -> list[str]:
    """The section of every registered compressor with tunable fields (plugins too), by name."""
    return [compressor.name for compressor, _ in tuned_compressors()]


def session_sections(named: Sequence[str]) -> tuple[str, ...]:
    """``--sections`` checked against the policy and the compressor registry, ``content`` expanded."""
    content = content_sections()
    chosen: dict[str, None] = {}
    for name in named:
        expanded = content if name == CONTENT else [name]
        for section in expanded:
            if section not in RULE_SECTIONS and section not in content:
                known = ", ".join([*RULE_SECTIONS, *content, CONTENT])
                raise ConfigError(f"a session study cannot search section {section!r}; choose from {known}")
            chosen.setdefault(section)
    if not chosen:
        raise ConfigError("a session study needs at least one policy section to search")
    return tuple(chosen)


def _space(sections: Sequence[str], overrides: Mapping[str, Mapping[str, Any]]) -> list[ParamSpec]:
    sections = session_sections(sections)
    stray = sorted(k for k in overrides if k.split(".", 1)[0] not in sections)
    if stray:
        raise ConfigError(f"tune space names parameters outside the sections searched: {', '.join(stray)}")
    return [
        spec
        for section in sections
        for spec in section_space(
            section, {k: v for k, v in overrides.items() if k.startswith(f"{section}.")}
        )
    ]


def trace_files(paths: Sequence[Path], split: str) -> list[Path]:
    """Every trace file under ``paths``; with a split, only those a ``MANIFEST.jsonl`` assigns to it."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in _TRACE_SUFFIXES))
        elif path.is_file():
            files.append(path)
        else:
            raise ConfigError(f"no trace file or folder at {path}")
    if split == "all":
        return files
    chosen = [f for f in files if _split_of(f) == split]
    if files and not chosen:
        raise ConfigError(f"none of {len(files)} trace files is on the {split!r} side of a MANIFEST.jsonl")
    return chosen


def _split_of(file: Path) -> str | None:
    for folder in file.resolve().parents:
        manifest = folder / "MANIFEST.jsonl"
        if manifest.is_file():
            return _manifest(manifest).get(file.resolve().relative_to(folder).as_posix())
    return None


_MANIFESTS: dict[Path, dict[str, str]] = {}


def _manifest(path: Path) -> dict[str, str]:
    if path not in _MANIFESTS:
        entries: dict[str, str] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                if isinstance(record, dict) and "file" in record and "split" in record:
                    entries[str(record["file"])] = str(record["split"])
        _MANIFESTS[path] = entries
    return _MANIFESTS[path]


def run_session_study(settings: SessionTuneSettings) -> StudyRun:
    """Load the traces, then run (or continue) the session study and write its artifacts."""
    files = trace_files(settings.traces, settings.split)
    if not files:
        raise ConfigError("headroom tune --traces found no trace file")
    traces = [trace for file in files for trace in load_traces(file)]
    if not traces:
        raise ConfigError(f"no session could be read from the {len(files)} trace files")
    study = SessionStudy(settings, traces, [str(f) for f in files])
    started = StudyRun(study.name, CONTENT_TYPE, settings.storage_url(), files=[str(f) for f in files])
    try:
        return run(study, started)
    finally:
        study.evaluator.close()
