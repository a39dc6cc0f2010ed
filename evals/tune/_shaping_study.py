"""``headroom tune --content-type shaping``: the output-shaping study over a suite, and its export.

Unlike the content-type studies, which compress a corpus, this one asks a provider: the cases
are the suite's probes (and the assistant replies recorded in its traces), the provider is
the suite's (offline by default), and each trial's ``shaping`` section is scored by mean
output tokens (down) and mean token F1 against the references (up), subject to a quality drop
of at most δ against shaping off (see :mod:`evals.tune._shaping`). The export rule is the
same: fewest output tokens among the trials within δ, ties to the higher quality.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import optuna
from optuna.trial import FrozenTrial, TrialState

from evals.providers import build_provider
from evals.providers._base import Provider
from evals.suite import Suite, load_suite, suite_hash
from evals.traces import load_traces
from evals.tune._export import DEFAULT_EXPORT_DIR, Export, write_policy
from evals.tune._shaping import (
    SHAPING_DIRECTIONS,
    ShapingCase,
    ShapingScore,
    best_feasible,
    cases_from_probes,
    cases_from_trace,
    shaping_baseline,
    shaping_objective,
    shaping_space,
)
from evals.tune._space import apply
from evals.tune._storage import resolve_storage, storage_or_default, with_retries
from evals.tune._study import DEFAULT_OUT, make_sampler
from headroom.errors import ConfigError
from headroom.policy import Policy, Provenance, load_policy, policy_from_mapping

CONTENT_TYPE = "shaping"
DEFAULT_STUDY = "headroom-shaping"
DEFAULT_SHAPING_TRIALS = 40
"""Every trial sends every case to the provider, so the default is far below the corpus studies'."""
RULE = "fewest mean output tokens with quality drop <= delta (ties: higher quality)"


@dataclass(frozen=True)
class ShapingSettings:
    """One shaping study invocation."""

    trials: int = DEFAULT_SHAPING_TRIALS
    timeout: float | None = None
    storage: str | None = None
    """Optuna storage URL (default ``sqlite:///<out>/optuna.db``, shared with the other studies)."""
    study: str | None = None
    seed: int = 0
    sampler: Literal["tpe", "nsga2"] = "tpe"
    delta: float = 0.02
    """Largest tolerated drop of mean token F1 against shaping off."""
    out: Path = DEFAULT_OUT
    base: Policy = field(default_factory=Policy)
    """The policy the exported ``shaping`` section is merged into."""
    suite_hash: str | None = None

    def storage_url(self) -> str:
        """The storage URL, creating the embedded SQLite file's folder."""
        return storage_or_default(self.storage, self.out)

    def study_name(self) -> str:
        """The study name."""
        return self.study or DEFAULT_STUDY


@dataclass
class ShapingRun:
    """What a finished shaping study produced."""

    study: str
    cases: int
    baseline: ShapingScore
    storage: str
    trials_run: int = 0
    seconds: float = 0.0
    summary: dict[str, Any] = field(default_factory=dict)


def suite_cases(suite: Suite) -> list[ShapingCase]:
    """The suite's probes, then the recorded assistant replies of its traces, as shaping cases."""
    cases = cases_from_probes(suite.load_probes(), suite.model)
    for file in suite.trace_files():
        for trace in load_traces(file):
            cases.extend(cases_from_trace(trace, suite.model))
    return cases


def tune_shaping(options: Mapping[str, Any], provider: Provider | None = None) -> ShapingRun:
    """``headroom tune --content-type shaping`` from CLI options; ``provider`` overrides the suite's."""
    if not options.get("suite"):
        raise ConfigError(
            "--content-type shaping needs --suite FILE: the study sends the suite's probes (and "
            "traces) to the suite's provider"
        )
    suite = load_suite(options["suite"])
    settings = shaping_settings(options, suite)
    return run_shaping_study(
        suite_cases(suite), provider if provider is not None else build_provider(suite.provider), settings
    )


def shaping_settings(options: Mapping[str, Any], suite: Suite) -> ShapingSettings:
    """Settings from CLI-shaped options, falling back to the suite's ``tune`` block."""
    spec = suite.tune
    base_path = options.get("base")
    delta = options.get("delta")
    return ShapingSettings(
        trials=options.get("trials") or (spec.trials if spec and spec.trials else DEFAULT_SHAPING_TRIALS),
        timeout=options.get("timeout"),
        storage=options.get("storage"),
        study=options.get("study"),
        seed=int(options.get("seed") or 0),
        sampler=options.get("sampler") or "tpe",
        delta=float(delta) if delta is not None else (spec.delta if spec else 0.02),
        out=Path(options.get("out") or DEFAULT_OUT),
        base=load_policy(base_path) if base_path else Policy(),
        suite_hash=suite_hash(suite),
    )


def run_shaping_study(
    cases: Sequence[ShapingCase], provider: Provider, settings: ShapingSettings
) -> ShapingRun:
    """Run (or continue) the shaping study: baseline with shaping off, then seeded trials."""
    if not cases:
        raise ConfigError("the shaping study needs cases: the suite has no probes and no recorded replies")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    baseline = shaping_baseline(cases, provider)
    run = ShapingRun(settings.study_name(), len(cases), baseline, settings.storage_url())
    study = _open_study(settings, run)
    before = _finished(study)
    started = time.perf_counter()
    study.optimize(
        lambda trial: shaping_objective(trial, cases, provider, baseline.quality, settings.delta),
        n_trials=settings.trials,
        timeout=settings.timeout,
    )
    run.seconds = time.perf_counter() - started
    run.trials_run = _finished(study) - before
    run.summary = shaping_summary(study, run)
    return run


def _finished(study: optuna.Study) -> int:
    return sum(1 for t in study.get_trials(deepcopy=False) if t.state.is_finished())


def _open_study(settings: ShapingSettings, run: ShapingRun) -> optuna.Study:
    study = with_retries(
        lambda: optuna.create_study(
            storage=resolve_storage(run.storage),
            study_name=run.study,
            directions=list(SHAPING_DIRECTIONS),
            sampler=make_sampler(settings.sampler, settings.seed),
            load_if_exists=True,
        )
    )
    attrs = {
        "content_type": CONTENT_TYPE,
        "corpus_hash": settings.suite_hash,
        "delta": settings.delta,
        "cases": run.cases,
        "baseline": _score_dict(run.baseline),
        "base_policy": settings.base.model_dump(mode="json", by_alias=True, exclude_none=True),
    }
    for key, value in attrs.items():
        study.set_user_attr(key, value)
    if not study.trials:
        # Shaping off is trial 0, so the constraint always has a feasible trial to fall back on.
        study.enqueue_trial({key: spec["default"] for key, spec in shaping_space().items()})
    return study


def _score_dict(score: ShapingScore) -> dict[str, float]:
    return {"output_tokens": score.output_tokens, "quality": score.quality, "exact_match": score.exact_match}


def chosen_shaping_trial(study: optuna.Study, delta: float | None = None) -> FrozenTrial | None:
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


def _baseline(study: optuna.Study) -> dict[str, float]:
    baseline = study.user_attrs.get("baseline")
    if study.user_attrs.get("content_type") != CONTENT_TYPE or not isinstance(baseline, dict):
        raise ConfigError(f"study {study.study_name} is not a shaping study made by headroom tune")
    return {k: float(v) for k, v in baseline.items()}


def shaping_metrics(study: optuna.Study, trial: FrozenTrial, delta: float | None = None) -> dict[str, Any]:
    """The trial's output tokens and quality next to the baseline's, for provenance and summaries."""
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
        "delta": delta if delta is not None else study.user_attrs.get("delta"),
        "rule": RULE,
    }


def shaping_summary(study: optuna.Study, run: ShapingRun) -> dict[str, Any]:
    """A JSON-ready summary: counts, the baseline and the chosen trial."""
    states = [t.state for t in study.get_trials(deepcopy=False)]
    chosen = chosen_shaping_trial(study)
    return {
        "study": run.study,
        "content_type": CONTENT_TYPE,
        "storage": run.storage,
        "cases": run.cases,
        "trials": {
            "run": run.trials_run,
            "complete": states.count(TrialState.COMPLETE),
            "failed": states.count(TrialState.FAIL),
        },
        "seconds": round(run.seconds, 3),
        "delta": study.user_attrs.get("delta"),
        "baseline": _score_dict(run.baseline),
        "chosen": None
        if chosen is None
        else {"trial": chosen.number, "params": chosen.params, "metrics": shaping_metrics(study, chosen)},
    }


def describe_shaping(run: ShapingRun) -> str:
    """A few human lines about the shaping study."""
    base = run.baseline
    lines = [
        f"{run.study}: {run.cases} cases, {run.trials_run} trials in {run.seconds:.1f}s",
        f"  baseline (shaping off): {base.output_tokens:.1f} output tokens, quality {base.quality:.3f}",
    ]
    chosen = run.summary.get("chosen")
    if chosen is None:
        lines.append("  no trial met the quality constraint")
        return "\n".join(lines)
    metrics = chosen["metrics"]
    change = metrics["output_tokens"] / base.output_tokens - 1.0 if base.output_tokens else 0.0
    drop = metrics["quality"] - metrics["baseline_quality"]
    lines.append(
        f"  chosen trial {chosen['trial']}: {metrics['output_tokens']:.1f} output tokens ({change:+.1%}), "
        f"quality {metrics['quality']:.3f} ({drop:+.3f} vs baseline, "
        f"δ {metrics['delta']})"
    )
    lines.append(f"  params: {chosen['params']}")
    return "\n".join(lines)


def export_shaping(
    study: optuna.Study,
    out_dir: Path = DEFAULT_EXPORT_DIR,
    name: str | None = None,
    base: Policy | None = None,
    delta: float | None = None,
) -> Export:
    """Write the chosen trial's ``shaping`` section, merged into the base, with provenance."""
    trial = chosen_shaping_trial(study, delta)
    if trial is None:
        raise ConfigError(f"study {study.study_name}: no completed trial meets the quality constraint")
    start = base or policy_from_mapping(study.user_attrs.get("base_policy", {}), "study base policy")
    policy = apply(start, trial.params, name=name or study.study_name)
    provenance = Provenance(
        study=study.study_name,
        trial=trial.number,
        suite_hash=study.user_attrs.get("corpus_hash"),
        metrics=shaping_metrics(study, trial, delta),
    )
    policy = policy.model_copy(update={"provenance": provenance})
    path = write_policy(policy, out_dir / f"{policy.name}.yaml")
    return Export(path, policy, trial.number)
