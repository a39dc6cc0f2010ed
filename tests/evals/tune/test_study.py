"""Studies end to end on a tiny corpus: constraint, export rule, provenance, mlflow runs."""

from __future__ import annotations

from pathlib import Path

import optuna
import pytest
import yaml

from evals.tune import Point, TuneSettings, choose, export_study, front, load_study, run_study
from evals.tune._pareto import points
from headroom.errors import ConfigError
from headroom.policy import load_policy, policy_from_mapping
from tests.evals.tune._tune_fixtures import write_corpus


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> tuple[TuneSettings, optuna.Study]:
    root = tmp_path_factory.mktemp("tune")
    settings = TuneSettings(
        corpus=write_corpus(root / "corpus"), content_type="json", trials=14, out=root / "out", seed=7
    )
    run_study(settings)
    return settings, load_study("headroom-json", settings.storage_url())


def test_baseline_is_trial_zero_and_every_trial_is_scored(
    finished: tuple[TuneSettings, optuna.Study],
) -> None:
    _, study = finished
    trials = study.get_trials()
    assert len(trials) == 14
    assert trials[0].params == {
        "json.keep_first": 3,
        "json.keep_last": 2,
        "json.max_items": 15,
        "json.max_string_chars": 0,
        "json.min_items_to_select": 8,
        "json.outlier_z": 3.0,
    }
    assert trials[0].user_attrs["retention"] == study.user_attrs["baseline"]["retention"]
    for trial in trials:
        assert len(trial.user_attrs["files"]) in range(1, 3)
        assert trial.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)


def test_export_respects_the_constraint_and_carries_provenance(
    finished: tuple[TuneSettings, optuna.Study], tmp_path: Path
) -> None:
    settings, study = finished
    done = export_study(study, tmp_path / "tuned", name="tuned-json")
    floor = study.user_attrs["baseline"]["retention"] - settings.delta
    chosen = study.get_trials()[done.trial]
    assert chosen.user_attrs["retention"] >= floor - 1e-12
    feasible = [t for t in study.get_trials() if t.values and t.user_attrs["retention"] >= floor - 1e-12]
    assert chosen.user_attrs["savings"] == max(t.user_attrs["savings"] for t in feasible)
    loaded = load_policy(done.path)
    assert loaded.name == "tuned-json"
    assert loaded.json_.max_items == chosen.params["json.max_items"]
    assert loaded.log == policy_from_mapping({}).log
    provenance = loaded.provenance
    assert provenance is not None
    assert (provenance.study, provenance.trial) == ("headroom-json", done.trial)
    assert provenance.mlflow_run_id == chosen.user_attrs["mlflow_run_id"]
    assert provenance.suite_hash == study.user_attrs["corpus_hash"]
    savings = provenance.metrics["savings"]
    assert savings[1] <= savings[0] <= savings[2]


def test_strict_export_never_loses_retention(
    finished: tuple[TuneSettings, optuna.Study], tmp_path: Path
) -> None:
    _, study = finished
    done = export_study(study, tmp_path, name="strict", delta=0.0)
    chosen = study.get_trials()[done.trial]
    baseline = study.user_attrs["baseline"]
    assert chosen.user_attrs["retention"] >= baseline["retention"] - 1e-12
    assert chosen.user_attrs["savings"] >= baseline["savings"] - 1e-12


@pytest.mark.parametrize(
    ("section", "change", "message"),
    [("json", {"max_items": 100_000}, "max_items"), ("json", {"surprise": 1}, "surprise")],
)
def test_a_tampered_policy_is_rejected(
    finished: tuple[TuneSettings, optuna.Study],
    tmp_path: Path,
    section: str,
    change: dict[str, int],
    message: str,
) -> None:
    _, study = finished
    data = yaml.safe_load(export_study(study, tmp_path, name="t").path.read_text())
    data[section].update(change)
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError, match=message):
        load_policy(bad)


def test_mlflow_parent_and_nested_runs(finished: tuple[TuneSettings, optuna.Study]) -> None:
    from mlflow.tracking import MlflowClient

    settings, _ = finished
    client = MlflowClient(tracking_uri=f"sqlite:///{settings.out.resolve() / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("headroom-tune")
    assert experiment is not None
    runs = client.search_runs([experiment.experiment_id], max_results=100)
    parents = [r for r in runs if "mlflow.parentRunId" not in r.data.tags]
    assert len(parents) == 1
    nested = [r for r in runs if r.data.tags.get("mlflow.parentRunId") == parents[0].info.run_id]
    assert len(nested) == 14
    one = next(r for r in nested if r.data.tags["headroom.trial"] == "0")
    assert one.data.params["json.max_items"] == "15"
    assert {"savings", "retention", "latency"} <= set(one.data.metrics)
    artifacts = {a.path for a in client.list_artifacts(parents[0].info.run_id)}
    assert artifacts == {"pareto.svg", "headroom-json.yaml", "report.json"}


def test_artifacts_written(finished: tuple[TuneSettings, optuna.Study]) -> None:
    settings, _ = finished
    folder = settings.out / "headroom-json"
    assert (folder / "pareto.svg").read_text().startswith("<svg")
    assert load_policy(folder / "headroom-json.yaml").provenance is not None


def test_no_files_is_a_clear_skip(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "c")
    run = run_study(TuneSettings(corpus=corpus, content_type="search", trials=3, out=tmp_path / "o"))
    assert run.skipped is not None and "search" in run.skipped
    with pytest.raises(ConfigError):
        run_study(TuneSettings(corpus=tmp_path / "missing", content_type="json", out=tmp_path / "o"))


def test_choose_rule_and_front() -> None:
    found = [
        Point(0, 0.50, 0.90, 10.0, True),
        Point(1, 0.60, 0.89, 12.0, True),
        Point(2, 0.70, 0.80, 9.0, False),
        Point(3, 0.60, 0.89, 11.0, True),
        Point(4, 0.60, 0.895, 30.0, True),
    ]
    assert choose(found) == found[4]  # max savings, then higher retention
    assert choose(found[:4]) == found[1]  # latencies within tolerance: the earliest trial
    assert choose([p for p in found if not p.feasible]) is None
    assert [p.number for p in front(found)] == [0, 3, 4]


def test_points_skip_unscored_trials() -> None:
    study = optuna.create_study(directions=["maximize", "maximize"])
    study.enqueue_trial({})
    study.optimize(lambda t: (0.0, 0.0), n_trials=1)
    assert points(study.get_trials(), 0.5) == []
