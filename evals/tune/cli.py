"""What ``headroom tune`` and ``headroom tune export`` do, behind the thin click commands."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from evals.suite import Suite, load_suite
from evals.tune._base import StudyRun
from evals.tune._corpus import content_type, content_types, no_files_message, study_files
from evals.tune._corpus_study import TuneSettings, run_study
from evals.tune._defaults import DEFAULT_EXPORT_DIR, DEFAULT_OUT, DEFAULT_TRIALS, FACTS_SEED
from evals.tune._export import Export, export_study, load_study
from evals.tune._options import shared_settings
from evals.tune._session_study import CONTENT_TYPE as SESSIONS
from evals.tune._session_study import DEFAULT_SECTIONS, SessionTuneSettings, run_session_study
from evals.tune._shaping_study import CONTENT_TYPE as SHAPING
from evals.tune._shaping_study import describe_shaping, tune_shaping
from evals.tune._summary import chosen_lines
from headroom.errors import ConfigError
from headroom.policy import load_policy

__all__ = ["describe", "export", "tune"]


def tune(options: Mapping[str, Any]) -> list[StudyRun]:
    """Run one study per content type asked for (``--content-type``, the suite's list, or all).

    A study that was asked for by name and has no corpus file is an error, and so is a corpus
    in which no study finds a file; when every study runs, one without files is skipped. The
    shaping study asks the suite's provider instead, and runs only when named.
    """
    if options.get("content_type") == SHAPING:
        return [tune_shaping(options)]
    suite = load_suite(options["suite"]) if options.get("suite") else None
    if options.get("traces") or (suite is not None and suite.tune is not None and _suite_traces(suite)):
        return [run_session_study(_session_settings(options, suite))]
    settings = _settings(options, suite)
    kinds, named = _content_types(options.get("content_type"), suite)
    _check_space(settings.space, kinds)
    listed = {k: study_files(settings.corpus, content_type(k), FACTS_SEED, settings.split) for k in kinds}
    empty = [k for k in kinds if not listed[k]]
    if empty and (named or len(empty) == len(kinds)):
        raise ConfigError(no_files_message(settings.corpus, empty, settings.split))
    runs = []
    for kind in kinds:
        section = content_type(kind).section
        space = {k: v for k, v in settings.space.items() if k.startswith(f"{section}.")}
        study = options.get("study") if len(kinds) == 1 else None
        runs.append(run_study(replace(settings, content_type=kind, space=space, study=study), listed[kind]))
    return runs


def _settings(options: Mapping[str, Any], suite: Suite | None) -> TuneSettings:
    spec = suite.tune if suite is not None else None
    corpus = options.get("corpus")
    if corpus is None and spec is not None and spec.corpus is not None:
        corpus = suite.path(spec.corpus) if suite is not None else None
    if corpus is None:
        raise ConfigError("headroom tune needs --corpus DIR (or a suite whose tune block names a corpus)")
    shared = shared_settings(options, suite, DEFAULT_TRIALS)
    shared["study"] = None  # one per content type: named below when only one runs
    return TuneSettings(
        corpus=Path(corpus),
        content_type="",
        split=options.get("split") or "all",
        latency=bool(options.get("latency", True)),
        space=dict(spec.space) if spec else {},
        **shared,
    )


def _suite_traces(suite: Suite) -> list[Path]:
    return [Path(p) for p in suite.trace_files()] if suite.tune is not None and suite.tune.sessions else []


def _session_settings(options: Mapping[str, Any], suite: Suite | None) -> SessionTuneSettings:
    traces = [Path(p) for p in options.get("traces") or ()] or (_suite_traces(suite) if suite else [])
    sections = tuple(
        s.strip() for s in (options.get("sections") or ",".join(DEFAULT_SECTIONS)).split(",") if s.strip()
    )
    spec = suite.tune if suite is not None else None
    return SessionTuneSettings(
        traces=tuple(traces),
        split=options.get("split") or "all",
        sections=sections,
        provider=options.get("provider") or "openai",
        workers=int(options.get("workers") or 1),
        min_kept=options.get("min_kept"),
        space=dict(spec.space) if spec else {},
        **shared_settings(options, suite, DEFAULT_TRIALS),
    )


def _content_types(chosen: str | None, suite: Suite | None) -> tuple[list[str], bool]:
    """The studies to run, and whether they were named (else: every corpus study)."""
    if chosen:
        content_type(chosen)
        return [chosen], True
    listed = suite.tune.content_types if suite is not None and suite.tune is not None else []
    if "shaping" in listed:
        raise ConfigError(
            "the suite's tune.content_types lists 'shaping': that study asks a provider rather than "
            "compressing a corpus, so it runs only when named: "
            "headroom tune --content-type shaping --suite FILE"
        )
    for name in listed:
        content_type(name)
    return (list(listed), True) if listed else (sorted(content_types()), False)


def _check_space(space: Mapping[str, Any], kinds: list[str]) -> None:
    sections = {content_type(k).section for k in kinds}
    stray = sorted(k for k in space if k.split(".", 1)[0] not in sections)
    if stray:
        raise ConfigError(f"tune space names parameters outside the studies being run: {', '.join(stray)}")


def export(options: Mapping[str, Any]) -> Export:
    """Export the chosen trial of study ``options['study']`` as a policy file."""
    storage = options.get("storage") or _default_storage()
    study = load_study(options["study"], storage)
    base_path = options.get("base")
    return export_study(
        study,
        out_dir=Path(options.get("out") or DEFAULT_EXPORT_DIR),
        name=options.get("name"),
        base=load_policy(base_path) if base_path else None,
        delta=options.get("delta"),
    )


def _default_storage() -> str:
    db = DEFAULT_OUT / "optuna.db"
    if not db.is_file():
        raise ConfigError(f"no study storage at {db}: pass --storage URL (the one headroom tune used)")
    return f"sqlite:///{db.resolve()}"


def describe(run: StudyRun) -> str:
    """A few human lines about one study."""
    if run.skipped:
        return f"{run.content_type}: {run.skipped}"
    if run.content_type == SHAPING:
        head = describe_shaping(run)
    elif run.content_type == SESSIONS:
        head = _describe_sessions(run)
    else:
        head = _describe_corpus(run)
    lines = [head, f"  artifacts: {', '.join(str(p) for p in run.artifacts)}"]
    if run.parent_run_id:
        lines.append(f"  mlflow parent run: {run.parent_run_id}")
    return "\n".join(lines)


def _describe_corpus(run: StudyRun) -> str:
    assert run.baseline is not None
    trials = run.summary.get("trials", {})
    lines = [
        f"{run.study}: {len(run.files)} files, {run.trials_run} trials in {run.seconds:.1f}s "
        f"({trials.get('per_minute', 0.0):.0f}/min; {trials.get('pruned', 0)} pruned in the study; "
        f"cache {run.cache_hits} hits / {run.cache_misses} misses)",
        f"  baseline: savings {run.baseline.savings:.3f}, retention {run.baseline.retention:.3f}, "
        f"{run.baseline.latency:.1f} ms/10K tokens",
    ]
    return "\n".join(lines + chosen_lines(run.summary, _corpus_metrics))


def _corpus_metrics(metrics: dict[str, Any]) -> str:
    return (
        f"savings {_ci(metrics['savings'])}, retention {_ci(metrics['retention'])}, "
        f"{metrics['latency_ms_per_10k_tokens']:.1f} ms/10K tokens"
    )


def _describe_sessions(run: StudyRun) -> str:
    base = run.baseline
    summary = run.summary
    raw, masking = summary.get("raw", {}), summary.get("masking", {})
    trials = summary.get("trials", {})
    lines = [
        f"{run.study}: {summary.get('sessions', 0)} sessions from {len(run.files)} files, {run.trials_run} trials "
        f"in {run.seconds:.1f}s ({trials.get('per_minute', 0.0):.0f}/min)",
        f"  raw ${raw.get('cost_usd', 0.0):.4f} · masking ${masking.get('cost_usd', 0.0):.4f} "
        f"(kept {masking.get('kept', 0.0):.3f}) · baseline policy ${base.cost_usd:.4f} (kept {base.kept:.3f})",
    ]
    return "\n".join(lines + chosen_lines(summary, _session_metrics))


def _session_metrics(metrics: dict[str, Any]) -> str:
    return (
        f"${metrics['cost_usd']:.4f}, kept {metrics['kept']:.3f}, "
        f"saving vs baseline {_ci(metrics['cost_saving_vs_baseline'])}"
    )


def _ci(values: list[float]) -> str:
    return f"{values[0]:.3f} [{values[1]:.3f}, {values[2]:.3f}]"
