"""``headroom policy diff`` and the ``headroom eval --baseline/--candidate`` promotion check."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from headroom.cli import cli
from headroom.cli._policy import policy_changes
from headroom.policy import Policy, policy_from_mapping

ROOT = Path(__file__).resolve().parents[2]
DEMO_SUITE = ROOT / "configs" / "suites" / "demo.yaml"
DEGRADED = ROOT / "evals" / "data" / "demo" / "degraded-policy.yaml"


@pytest.fixture(autouse=True)
def _no_env_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HEADROOM_POLICY", raising=False)


def _write(path: Path, data: dict[str, object]) -> Path:
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_changes_list_only_differing_leaves() -> None:
    tuned = policy_from_mapping({"name": "tuned", "json": {"max_items": 30}, "log": {"tail_lines": 5}})
    assert policy_changes(Policy(), tuned) == [
        ("json.max_items", 15, 30),
        ("log.tail_lines", 15, 5),
        ("name", "default", "tuned"),
    ]
    assert policy_changes(tuned, tuned) == []


def test_provenance_only_on_one_side_shows_absent() -> None:
    tuned = policy_from_mapping({"provenance": {"study": "log-1", "trial": 7}})
    changes = {k: (a, b) for k, a, b in policy_changes(Policy(), tuned)}
    assert changes == {"provenance.study": (None, "log-1"), "provenance.trial": (None, 7)}
    assert tuned.policy_hash == Policy().policy_hash


def test_cli_text_shows_arrows_and_both_hashes(tmp_path: Path) -> None:
    tuned = _write(tmp_path / "tuned.yaml", {"name": "tuned", "json": {"max_items": 30}})
    result = CliRunner().invoke(cli, ["policy", "diff", "default", str(tuned)])
    assert result.exit_code == 0, result.output
    expected_hash = policy_from_mapping({"json": {"max_items": 30}}).policy_hash
    assert Policy().policy_hash in result.stdout and expected_hash in result.stdout
    assert "json.max_items: 15 → 30" in result.stdout
    assert 'name: "default" → "tuned"' in result.stdout
    assert "log." not in result.stdout


def test_cli_json_for_scripts(tmp_path: Path) -> None:
    renamed = _write(tmp_path / "renamed.yaml", {"name": "renamed"})
    result = CliRunner().invoke(cli, ["policy", "diff", str(renamed), "default", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["same_behaviour"] is True
    assert data["changes"] == [{"key": "name", "old": "renamed", "new": "default"}]
    assert data["a"]["policy_hash"] == data["b"]["policy_hash"] == Policy().policy_hash


def test_cli_identical_policies_and_invalid_input(tmp_path: Path) -> None:
    runner = CliRunner()
    same = runner.invoke(cli, ["policy", "diff", "default", "default"])
    assert same.exit_code == 0 and "no differences" in same.stdout
    bad = _write(tmp_path / "bad.yaml", {"json": {"max_items": -1}})
    invalid = runner.invoke(cli, ["policy", "diff", "default", str(bad)])
    assert invalid.exit_code == 2 and "max_items" in invalid.output


def test_promotion_check_rejects_the_degraded_policy() -> None:
    args = ["eval", "--suite", str(DEMO_SUITE), "--baseline", "default", "--candidate", str(DEGRADED)]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 100, result.output
    assert "REGRESSION" in result.stdout


def test_promotion_check_passes_the_default_against_itself() -> None:
    args = ["eval", "--suite", str(DEMO_SUITE), "--baseline", "default", "--candidate", "default", "--json"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["passed"] is True


def test_promotion_check_resolves_candidate_paths_from_the_working_directory(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(ROOT)
    candidate = str(DEGRADED.relative_to(ROOT))
    args = ["eval", "--suite", str(DEMO_SUITE), "--baseline", "default", "--candidate", candidate]
    assert CliRunner().invoke(cli, args).exit_code == 100


def test_eval_group_usage() -> None:
    runner = CliRunner()
    assert "promotion check" in runner.invoke(cli, ["eval"]).stdout
    partial = runner.invoke(cli, ["eval", "--baseline", "default"])
    assert partial.exit_code == 2 and "needs --baseline, --candidate and --suite" in partial.output
    mixed = runner.invoke(cli, ["eval", "--baseline", "default", "gate", "--help"])
    assert mixed.exit_code == 2
    assert runner.invoke(cli, ["eval", "gate", "--help"]).exit_code == 0
    assert runner.invoke(cli, ["eval", "replay", "--help"]).exit_code == 0
