"""The session study end to end on sessions written here: constraint, determinism, export."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import optuna
import pytest

from evals.tune import SessionTuneSettings, export_study, load_study, run_session_study
from evals.tune._session_study import SessionStudy, trace_files
from headroom.errors import ConfigError
from headroom.policy import Policy, load_policy
from tests.evals.replay.test_session import _trace


def _write_traces(folder: Path) -> Path:
    """Two ops sessions as OpenAI chat request logs: the last request of each holds the whole session."""
    folder.mkdir(parents=True, exist_ok=True)
    for rounds in (6, 4):
        trace = _trace(rounds=rounds)
        line = json.dumps({"model": "gpt-4o", "messages": trace.to_openai_messages()})
        (folder / f"ops-{rounds}.jsonl").write_text(line + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> tuple[SessionTuneSettings, optuna.Study]:
    root = tmp_path_factory.mktemp("sessions")
    settings = SessionTuneSettings(
        traces=(_write_traces(root / "traces"),), trials=16, out=root / "out", seed=3, tracking_uri="none"
    )
    run_session_study(settings)
    return settings, load_study("headroom-sessions", settings.storage_url())


def test_every_trial_is_scored_and_the_baseline_is_trial_zero(
    finished: tuple[SessionTuneSettings, optuna.Study],
) -> None:
    _, study = finished
    trials = study.get_trials()
    assert len(trials) == 16
    assert (
        trials[0].params["history.enabled"] is False
        and trials[0].params["activity.read_verbatim_last"] == Policy().activity.read_verbatim_last
    )
    assert all(t.user_attrs["sessions"] and "kept" in t.user_attrs for t in trials)


def test_the_chosen_trial_is_the_cheapest_that_keeps_the_facts(
    finished: tuple[SessionTuneSettings, optuna.Study],
) -> None:
    settings, study = finished
    chosen = SessionStudy.chosen_trial(study)
    assert chosen is not None
    floor = study.user_attrs["baseline"]["kept"] - settings.delta
    feasible = [t for t in study.get_trials() if t.user_attrs["kept"] >= floor - 1e-12]
    assert chosen.values[0] == min(t.values[0] for t in feasible)
    masked_away = [t for t in study.get_trials() if t.user_attrs["kept"] < floor]
    assert all(t.params["history.enabled"] for t in masked_away), (
        "only masking loses the checkpoint fact here"
    )


def test_export_writes_the_chosen_sections_with_provenance(
    finished: tuple[SessionTuneSettings, optuna.Study], tmp_path: Path
) -> None:
    _, study = finished
    done = export_study(study, out_dir=tmp_path, name="sessions-tuned")
    policy = load_policy(done.path)
    chosen = SessionStudy.chosen_trial(study)
    assert chosen is not None
    assert policy.activity.read_verbatim_last == chosen.params["activity.read_verbatim_last"]
    assert policy.history.enabled == chosen.params["history.enabled"]
    metrics = policy.provenance.metrics if policy.provenance else {}
    assert metrics["content_type"] == "sessions" and len(metrics["cost_saving_vs_baseline"]) == 3


def test_a_seeded_study_in_a_fresh_process_picks_the_same_parameters(
    finished: tuple[SessionTuneSettings, optuna.Study], tmp_path: Path
) -> None:
    settings, study = finished
    command = [sys.executable, "-m", "headroom", "tune", "--traces", str(settings.traces[0])]
    command += ["--trials", "16", "--seed", "3", "--out", str(tmp_path), "--tracking-uri", "none", "--json"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=True)
    (summary,) = json.loads(done.stdout)
    chosen = SessionStudy.chosen_trial(study)
    assert chosen is not None and summary["chosen"]["params"] == chosen.params


def test_a_split_reads_the_manifest(tmp_path: Path) -> None:
    folder = _write_traces(tmp_path / "corpus" / "agent-trace")
    manifest = [
        {"file": "agent-trace/ops-6.jsonl", "split": "tune"},
        {"file": "agent-trace/ops-4.jsonl", "split": "test"},
    ]
    (tmp_path / "corpus" / "MANIFEST.jsonl").write_text("".join(json.dumps(m) + "\n" for m in manifest))
    assert [p.name for p in trace_files([folder], "tune")] == ["ops-6.jsonl"]
    assert len(trace_files([folder], "all")) == 2
    with pytest.raises(ConfigError, match="no trace file or folder"):
        trace_files([tmp_path / "missing"], "all")


def test_sections_come_from_the_policy_and_the_compressor_registry() -> None:
    from evals.tune._session_study import content_sections, session_sections

    content = content_sections()
    assert {"code", "json", "log", "prose"} <= set(content)
    assert session_sections(["activity", "content", "json"]) == ("activity", *content)
    for wrong in (["shaping"], ["nonsense"], []):
        with pytest.raises(ConfigError, match="session study"):
            session_sections(wrong)


def test_a_kept_floor_binds_where_baseline_minus_delta_would_not(tmp_path: Path) -> None:
    from evals.traces import load_traces

    folder = _write_traces(tmp_path / "traces")
    traces = [t for f in trace_files([folder], "all") for t in load_traces(f)]
    harsh = {"history.enabled": True, "history.keep_last_observations": 1, "history.min_tokens": 0}
    harsh |= {f"activity.{rule}_verbatim_last": 0 for rule in ("read", "search", "test")}
    constraints = {}
    for floor in (None, 1.0):
        settings = SessionTuneSettings(traces=(folder,), delta=1.0, min_kept=floor, out=tmp_path)
        study = SessionStudy(settings, traces, [])
        try:
            baseline = study.measure_baseline()
            params = {**study.baseline_params(), **harsh}
            outcome = study.evaluate(params)
        finally:
            study.evaluator.close()
        assert baseline.kept == 1.0 and outcome.metrics["kept"] < 1.0
        constraints[floor] = outcome.constraint
    assert constraints[None] <= 0 < constraints[1.0]
