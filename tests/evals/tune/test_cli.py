"""``headroom tune`` in fresh processes: seeded reproducibility, export, suites, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from headroom.cli._tune import tune_group
from headroom.policy import load_policy
from tests.evals.tune._tune_fixtures import write_corpus, write_flat_corpus

# The tune group run as its own program, the way ``python -m headroom tune`` runs it.
_PROGRAM = "from headroom.cli._tune import tune_group; tune_group(prog_name='headroom tune')"


def _tune_in_fresh_process(corpus: Path, out: Path, *extra: str) -> list[dict[str, Any]]:
    args = ["--corpus", str(corpus), "--out", str(out), "--tracking-uri", "none", "--json", *extra]
    done = subprocess.run(
        [sys.executable, "-c", _PROGRAM, *args], capture_output=True, text=True, timeout=240, check=False
    )
    assert done.returncode == 0, done.stderr
    result: list[dict[str, Any]] = json.loads(done.stdout)
    return result


def test_seeded_study_reproduces_in_a_fresh_process(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    common = ("--content-type", "log", "--trials", "16", "--seed", "11", "--no-latency")
    first = _tune_in_fresh_process(corpus, tmp_path / "a", *common)
    second = _tune_in_fresh_process(corpus, tmp_path / "b", *common)
    assert first[0]["chosen"]["params"] == second[0]["chosen"]["params"]
    assert first[0]["chosen"]["trial"] == second[0]["chosen"]["trial"]
    # Latency is measured (and differs run to run); without it as an objective, the rest is exact.
    front = [
        [(p["number"], p["savings"], p["retention"]) for p in r[0]["pareto_front"]] for r in (first, second)
    ]
    assert front[0] == front[1]
    assert first[0]["trials"]["complete"] + first[0]["trials"]["pruned"] == 16


def test_tune_then_export_writes_a_loadable_policy(tmp_path: Path) -> None:
    corpus = write_corpus(tmp_path / "corpus")
    out = tmp_path / "out"
    runner = CliRunner()
    tuned = runner.invoke(
        tune_group,
        [
            "--corpus",
            str(corpus),
            "--content-type",
            "json",
            "--trials",
            "5",
            "--out",
            str(out),
            "--tracking-uri",
            "none",
        ],
    )
    assert tuned.exit_code == 0, tuned.output
    assert "headroom-json" in tuned.output and "chosen trial" in tuned.output
    storage = f"sqlite:///{out.resolve() / 'optuna.db'}"
    target = tmp_path / "tuned"
    exported = runner.invoke(
        tune_group,
        ["export", "headroom-json", "--storage", storage, "--name", "team-json", "--out", str(target)],
    )
    assert exported.exit_code == 0, exported.output
    policy = load_policy(target / "team-json.yaml")
    assert policy.name == "team-json" and policy.provenance is not None
    assert policy.provenance.study == "headroom-json"


def test_suite_tune_block_restricts_the_space(tmp_path: Path) -> None:
    write_corpus(tmp_path / "corpus")
    suite = tmp_path / "suite.yaml"
    tune = {"content_types": ["json"], "corpus": "corpus", "space": {"json.max_items": {"low": 5, "high": 9}}}
    suite.write_text(yaml.safe_dump({"name": "tiny", "tune": {**tune, "trials": 6}}))
    result = CliRunner().invoke(
        tune_group, ["--suite", str(suite), "--out", str(tmp_path / "o"), "--tracking-uri", "none", "--json"]
    )
    assert result.exit_code == 0, result.output
    [summary] = json.loads(result.output)
    assert summary["trials"]["complete"] + summary["trials"]["pruned"] == 6
    chosen = summary["chosen"]["params"]["json.max_items"]
    assert 5 <= chosen <= 15  # the baseline trial (15) or a value of the narrowed range


def test_errors_are_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    missing = runner.invoke(tune_group, ["--content-type", "json"])
    assert missing.exit_code == 2 and "--corpus" in missing.output
    suite = tmp_path / "suite.yaml"
    suite.write_text(
        yaml.safe_dump({"name": "x", "tune": {"corpus": ".", "space": {"log.head_lines": {"low": 1}}}})
    )
    stray = runner.invoke(tune_group, ["--suite", str(suite), "--content-type", "json"])
    assert stray.exit_code == 2 and "log.head_lines" in stray.output
    nostudy = runner.invoke(tune_group, ["export", "nope", "--storage", f"sqlite:///{tmp_path / 'x.db'}"])
    assert nostudy.exit_code == 2 and "no study named" in nostudy.output


def _quick(corpus: Path, out: Path, *extra: str) -> list[str]:
    return ["--corpus", str(corpus), "--out", str(out), "--tracking-uri", "none", "--trials", "2", *extra]


def test_a_flat_corpus_tunes(tmp_path: Path) -> None:
    corpus = write_flat_corpus(tmp_path / "flat")
    result = CliRunner().invoke(tune_group, _quick(corpus, tmp_path / "o", "--content-type", "log", "--json"))
    assert result.exit_code == 0, result.output
    [summary] = json.loads(result.output)
    assert summary["files"] == ["more/out-1.txt", "more/out-2.txt"]


def test_no_file_for_the_requested_study_is_an_error(tmp_path: Path) -> None:
    runner = CliRunner()
    corpus = write_flat_corpus(tmp_path / "flat")
    empty = runner.invoke(tune_group, _quick(corpus, tmp_path / "o", "--content-type", "diff"))
    assert empty.exit_code == 2
    said = " ".join(empty.output.split())  # the message may be wrapped
    assert "no file" in said and "diff study" in said and "json 2, log 2" in said
    (tmp_path / "nothing").mkdir()
    every = runner.invoke(tune_group, _quick(tmp_path / "nothing", tmp_path / "o"))
    assert every.exit_code == 2 and "no files" in every.output
