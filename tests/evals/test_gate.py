"""The regression gate both ways, the suite schema, and the CLI exit codes."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from evals.cli import gate_suite, run_suite
from evals.gate import EXIT_PASS, EXIT_REGRESSION, run_gate
from evals.suite import load_suite, suite_hash
from headroom.cli._eval_run import eval_gate_command, eval_run_command
from headroom.errors import ConfigError
from headroom.policy import Policy
from tests.evals._fakes import Spotter
from tests.evals._fixtures import make_probes, write_suite

DEMO = Path(__file__).resolve().parents[2] / "configs" / "suites" / "demo.yaml"


def test_degraded_policy_is_a_regression(tmp_path: Path) -> None:
    suite = load_suite(write_suite(tmp_path))
    result = asyncio.run(run_gate(suite, Policy(), suite.policy("degraded"), Spotter(make_probes())))
    assert not result.passed and result.exit_code == EXIT_REGRESSION
    assert all(v.delta.low < -suite.margin for v in result.verdicts)
    assert result.savings_delta.estimate > 0, "the degraded policy saves more"


def test_default_against_itself_passes(tmp_path: Path) -> None:
    suite = load_suite(write_suite(tmp_path))
    result = asyncio.run(run_gate(suite, Policy(), Policy(), Spotter(make_probes())))
    assert result.passed and result.exit_code == EXIT_PASS
    assert all(v.delta.low == 0.0 == v.delta.high for v in result.verdicts)


def test_demo_suite_gate_with_the_bundled_degraded_policy() -> None:
    suite = load_suite(DEMO)
    spotter = Spotter(suite.load_probes())
    assert (
        gate_suite(DEMO, "default", "degraded", None, None, provider=spotter)["exit_code"] == EXIT_REGRESSION
    )
    assert gate_suite(DEMO, "default", "default", None, None, provider=spotter)["exit_code"] == EXIT_PASS


def test_suite_schema(tmp_path: Path) -> None:
    path = write_suite(tmp_path)
    suite = load_suite(path)
    assert suite.provider == "offline" and suite.margin == 0.05
    assert suite.bootstrap.settings().resamples == 500
    assert len(suite.load_probes()) == 4
    before = suite_hash(suite)
    (tmp_path / "probes.jsonl").write_text(
        (tmp_path / "probes.jsonl").read_text().replace("v9.4.1", "v9.4.2")
    )
    assert suite_hash(suite) != before, "the hash covers the probe file's bytes"
    path.write_text(yaml.safe_dump({"name": "x", "surprise": 1}))
    with pytest.raises(ConfigError, match="surprise"):
        load_suite(path)


def test_demo_suite_loads() -> None:
    suite = load_suite(DEMO)
    assert len(suite.load_probes()) == 20
    assert len(suite.trace_files()) == 2
    assert suite.policy("degraded").name == "degraded"


def _cli() -> click.Group:
    group = click.Group("eval")
    group.add_command(eval_run_command)
    group.add_command(eval_gate_command)
    return group


def test_cli_gate_exit_codes(tmp_path: Path) -> None:
    runner = CliRunner()
    suite = str(write_suite(tmp_path))
    bad = runner.invoke(
        _cli(), ["gate", "--suite", suite, "--baseline", "default", "--candidate", "degraded"]
    )
    assert bad.exit_code == EXIT_REGRESSION, bad.output
    same = runner.invoke(
        _cli(), ["gate", "--suite", suite, "--baseline", "default", "--candidate", "default"]
    )
    assert same.exit_code == EXIT_PASS, same.output
    broken = runner.invoke(
        _cli(), ["gate", "--suite", suite, "--baseline", "default", "--candidate", "nope.yaml"]
    )
    assert broken.exit_code == 1 and "harness error" in broken.output


def test_run_suite_writes_reports(tmp_path: Path) -> None:
    out = tmp_path / "out"
    summary = run_suite(write_suite(tmp_path), (), out, use_mlflow=False, provider=Spotter(make_probes()))
    assert [p["policy"] for p in summary["policies"]] == ["default", "degraded"]
    assert {f.name for f in out.iterdir()} == {"samples.jsonl", "summary.json", "report.html"}
    result = CliRunner().invoke(
        _cli(), ["run", "--suite", str(tmp_path / "suite.yaml"), "--out", str(out), "--no-mlflow", "--json"]
    )
    assert result.exit_code == 0, result.output


DEMO_DATA = Path(__file__).resolve().parents[2] / "evals" / "data" / "demo"
ALL_OFF = {
    "schema_version": 1,
    "name": "off",
    **{s: {"enabled": False} for s in ("json", "log", "prose", "code", "search", "diff", "html")},
}


def _traces_only_suite(tmp_path: Path) -> Path:
    (tmp_path / "degraded.yaml").write_text((DEMO_DATA / "degraded-policy.yaml").read_text())
    (tmp_path / "off.yaml").write_text(yaml.safe_dump(ALL_OFF))
    suite = {
        "name": "sessions",
        "traces": [str(DEMO_DATA / "traces" / "*.jsonl")],
        "policies": {"default": "default", "degraded": "degraded.yaml", "off": "off.yaml"},
        "margin": 0.02,
        "bootstrap": {"resamples": 300, "seed": 1},
    }
    path = tmp_path / "suite.yaml"
    path.write_text(yaml.safe_dump(suite))
    return path


def test_a_suite_of_traces_alone_is_gated_on_session_retention_and_cost(tmp_path: Path) -> None:
    suite = load_suite(_traces_only_suite(tmp_path))

    def verdicts(candidate: str) -> dict[str, object]:
        result = asyncio.run(run_gate(suite, Policy(), suite.policy(candidate), Spotter([])))
        assert result.savings_delta is None
        return {v.metric: v for v in result.verdicts}

    same = verdicts("default")
    assert set(same) == {"session_retention", "session_cost_saving"}
    assert all(v.non_inferior for v in same.values())  # type: ignore[attr-defined]
    degraded = verdicts("degraded")  # cheaper, but drops facts the agent used later
    assert not degraded["session_retention"].non_inferior  # type: ignore[attr-defined]
    assert degraded["session_cost_saving"].delta.estimate > 0  # type: ignore[attr-defined]
    off = verdicts("off")  # keeps everything, at the raw bill
    assert off["session_retention"].non_inferior  # type: ignore[attr-defined]
    assert not off["session_cost_saving"].non_inferior  # type: ignore[attr-defined]


def test_cli_gates_a_traces_only_suite(tmp_path: Path) -> None:
    path = _traces_only_suite(tmp_path)
    runner = CliRunner()
    args = ["--suite", str(path), "--baseline", "default", "--candidate"]
    assert runner.invoke(eval_gate_command, [*args, "default"]).exit_code == EXIT_PASS
    failed = runner.invoke(eval_gate_command, [*args, "degraded"])
    assert failed.exit_code == EXIT_REGRESSION, failed.output
    assert "session_retention" in failed.output


def test_the_gate_report_lists_the_facts_the_candidate_did_not_keep(tmp_path: Path) -> None:
    path = _traces_only_suite(tmp_path)
    result = gate_suite(path, "default", "degraded", None, tmp_path / "out", provider=Spotter([]))
    html = Path(result["report"]).read_text()
    assert "Later-used facts not kept verbatim" in html
    assert result["exit_code"] == EXIT_REGRESSION
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    degraded = summary["policies"][1]
    assert degraded["replay"]["policy"]["reference_retention"]["kept"] < 1
