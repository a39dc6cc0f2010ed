"""``headroom tune --content-type shaping``: the output-shaping study over a suite.

Unlike the corpus studies, which compress files, this one asks a provider: the cases are the
suite's probes (and the assistant replies recorded in its traces), the provider is the
suite's (offline by default), and each trial's ``shaping`` section is scored by mean output
tokens (down) and mean token F1 against the references (up), subject to a quality drop of at
most δ against shaping off (see :mod:`evals.tune._shaping`). The export rule: fewest output
tokens among the trials within δ, ties to the higher quality.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import optuna
from optuna.trial import FrozenTrial, TrialState

from evals.providers import build_provider
from evals.providers._base import Provider
from evals.suite import Suite, load_suite
from evals.traces import load_traces
from evals.tune._base import Outcome, Study, StudyRun, StudySettings
from evals.tune._defaults import DEFAULT_SHAPING_TRIALS
from evals.tune._export import study_delta
from evals.tune._options import shared_settings
from evals.tune._runner import run
from evals.tune._shaping import (
    SHAPING_DIRECTIONS,
    ShapingCase,
    ShapingScore,
    best_feasible,
    cases_from_probes,
    cases_from_trace,
    shaping_baseline,
    shaping_outcome,
    shaping_space,
    shaping_specs,
)
from evals.tune._space import ParamSpec
from evals.tune._summary import chosen_lines
from headroom.errors import ConfigError
from headroom.policy import ShapingPolicy

CONTENT_TYPE = "shaping"
DEFAULT_STUDY = "headroom-shaping"
RULE = "fewest mean output tokens with quality drop <= delta (ties: higher quality)"


@dataclass(frozen=True, kw_only=True)
class ShapingSettings(StudySettings):
    """One shaping study invocation."""

    trials: int = DEFAULT_SHAPING_TRIALS
    """Trials this worker runs (each sends every case to the provider)."""


class ShapingStudy(Study):
    """Tunes the ``shaping`` section against a provider's replies."""

    kind = CONTENT_TYPE
    figures = ("output_tokens", "quality")
    constraint_key = "constraint"
    quality = "quality"

    def __init__(self, cases: Sequence[ShapingCase], provider: Provider, settings: StudySettings) -> None:
        if not cases:
            raise ConfigError(
                "the shaping study needs cases: the suite has no probes and no recorded replies"
            )
        super().__init__(CONTENT_TYPE, settings)
        self.cases = list(cases)
        self.provider = provider
        self.baseline_quality = 0.0

    def default_name(self) -> str:
        """``headroom-shaping``."""
        return DEFAULT_STUDY

    def directions(self) -> list[optuna.study.StudyDirection]:
        """Output tokens ↓, quality ↑."""
        return [optuna.study.StudyDirection[d.upper()] for d in SHAPING_DIRECTIONS]

    def space(self) -> list[ParamSpec]:
        """Every tunable of ``ShapingPolicy``, in field order."""
        return shaping_specs()

    def baseline_params(self) -> dict[str, Any]:
        """Shaping off (the schema defaults)."""
        return {key: spec["default"] for key, spec in shaping_space().items()}

    def measure_baseline(self) -> ShapingScore:
        """The replies with shaping off."""
        score = shaping_baseline(self.cases, self.provider)
        self.baseline_quality = score.quality
        return score

    def baseline_metrics(self, score: ShapingScore) -> dict[str, float]:
        """Output tokens, quality and exact match."""
        return {
            "output_tokens": score.output_tokens,
            "quality": score.quality,
            "exact_match": score.exact_match,
        }

    def attrs(self) -> dict[str, Any]:
        """The suite's hash and the number of cases."""
        return {"corpus_hash": self.settings.suite_hash, "cases": len(self.cases)}

    def evaluate(self, params: Mapping[str, Any]) -> Outcome:
        """Send every case shaped by the trial's section and score the replies."""
        values = {key.removeprefix(f"{CONTENT_TYPE}."): value for key, value in params.items()}
        shaping = ShapingPolicy.model_validate(values)
        return shaping_outcome(self.cases, self.provider, shaping, self.baseline_quality, self.settings.delta)

    def summary_extra(self, study: optuna.Study, run: StudyRun) -> dict[str, Any]:
        """The number of cases."""
        return {"cases": len(self.cases)}

    @classmethod
    def chosen_trial(cls, study: optuna.Study, delta: float | None = None) -> FrozenTrial | None:
        """The export rule's trial; ``delta`` re-draws the constraint against the recorded baseline."""
        if delta is None:
            return best_feasible(study)
        floor = _baseline(study)["quality"] - delta
        done = [
            t
            for t in study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
            if t.values is not None and t.values[1] >= floor - 1e-12
        ]
        return min(done, key=lambda t: (t.values[0], -t.values[1]), default=None)

    @classmethod
    def trial_metrics(
        cls, study: optuna.Study, trial: FrozenTrial, delta: float | None = None
    ) -> dict[str, Any]:
        """The trial's output tokens and quality next to the baseline's."""
        assert trial.values is not None
        baseline = _baseline(study)
        return {
            "content_type": CONTENT_TYPE,
            "cases": study.user_attrs.get("cases"),
            "output_tokens": round(trial.values[0], 4),
            "quality": round(trial.values[1], 6),
            "exact_match": round(float(trial.user_attrs.get("exact_match", 0.0)), 6),
            "baseline_output_tokens": round(baseline["output_tokens"], 4),
            "baseline_quality": round(baseline["quality"], 6),
            "delta": study_delta(study, delta),
            "rule": RULE,
        }


def _baseline(study: optuna.Study) -> dict[str, float]:
    baseline = study.user_attrs.get("baseline")
    if study.user_attrs.get("content_type") != CONTENT_TYPE or not isinstance(baseline, dict):
        raise ConfigError(f"study {study.study_name} is not a shaping study made by headroom tune")
    return {k: float(v) for k, v in baseline.items()}


def suite_cases(suite: Suite) -> list[ShapingCase]:
    """The suite's probes, then the recorded assistant replies of its traces, as shaping cases."""
    cases = cases_from_probes(suite.load_probes(), suite.model)
    for file in suite.trace_files():
        for trace in load_traces(file):
            cases.extend(cases_from_trace(trace, suite.model))
    return cases


def tune_shaping(options: Mapping[str, Any], provider: Provider | None = None) -> StudyRun:
    """``headroom tune --content-type shaping`` from CLI options; ``provider`` overrides the suite's."""
    if not options.get("suite"):
        raise ConfigError(
            "--content-type shaping needs --suite FILE: the study sends the suite's probes (and "
            "traces) to the suite's provider"
        )
    suite = load_suite(options["suite"])
    settings = shaping_settings(options, suite)
    chosen = provider if provider is not None else build_provider(suite.provider)
    return run(ShapingStudy(suite_cases(suite), chosen, settings))


def shaping_settings(options: Mapping[str, Any], suite: Suite) -> ShapingSettings:
    """Settings from CLI-shaped options, falling back to the suite's ``tune`` block."""
    return ShapingSettings(**shared_settings(options, suite, DEFAULT_SHAPING_TRIALS))


def describe_shaping(run: StudyRun) -> str:
    """A few human lines about the shaping study."""
    base: ShapingScore = run.baseline
    lines = [
        f"{run.study}: {run.summary.get('cases')} cases, {run.trials_run} trials in {run.seconds:.1f}s",
        f"  baseline (shaping off): {base.output_tokens:.1f} output tokens, quality {base.quality:.3f}",
    ]

    def metrics_text(metrics: dict[str, Any]) -> str:
        change = metrics["output_tokens"] / base.output_tokens - 1.0 if base.output_tokens else 0.0
        drop = metrics["quality"] - metrics["baseline_quality"]
        return (
            f"{metrics['output_tokens']:.1f} output tokens ({change:+.1%}), "
            f"quality {metrics['quality']:.3f} ({drop:+.3f} vs baseline, δ {metrics['delta']})"
        )

    return "\n".join(lines + chosen_lines(run.summary, metrics_text, constraint="quality"))
