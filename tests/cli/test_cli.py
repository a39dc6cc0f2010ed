from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from headroom.cli import cli
from tests.conftest import make_log


@pytest.fixture(autouse=True)
def _isolated_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEADROOM_STORE_PATH", str(tmp_path / "store.sqlite3"))
    monkeypatch.delenv("HEADROOM_POLICY", raising=False)


def test_compress_json_shape_and_retrieve_round_trip(tmp_path: Path) -> None:
    source = tmp_path / "app.log"
    source.write_text(make_log())
    runner = CliRunner()
    result = runner.invoke(cli, ["compress", str(source), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {
        "text",
        "content_type",
        "tokens_in",
        "tokens_out",
        "markers",
        "compressor",
        "policy_hash",
    }
    assert data["content_type"] == "log" and data["tokens_out"] < data["tokens_in"]
    key = data["markers"][0]["key"]
    restored = runner.invoke(cli, ["retrieve", key])
    assert restored.exit_code == 0
    assert restored.stdout_bytes == source.read_bytes()
    filtered = runner.invoke(cli, ["retrieve", key, "--query", "refused"])
    assert "connection refused" in filtered.stdout and filtered.stdout.count("\n") == 1


def test_compress_stdin_prints_text_and_stats() -> None:
    result = CliRunner().invoke(cli, ["compress", "-", "--query", "database"], input=make_log())
    assert result.exit_code == 0
    assert "ERROR database connection refused" in result.stdout
    assert "tokens in" in result.stderr


def test_non_utf8_input_passes_through_unchanged() -> None:
    raw = b"\xff\xfe\x00binary" * 50
    result = CliRunner().invoke(cli, ["compress", "-"], input=raw)
    assert result.exit_code == 0 and result.stdout_bytes == raw


def test_unknown_key_is_a_clear_error() -> None:
    result = CliRunner().invoke(cli, ["retrieve", "hr000000000000000000"])
    assert result.exit_code == 2 and "no stored original" in result.stderr


def test_policy_show_and_validate(tmp_path: Path) -> None:
    runner = CliRunner()
    shown = runner.invoke(cli, ["policy", "show"])
    assert shown.exit_code == 0 and "policy_hash" in shown.stdout and "max_items" in shown.stdout
    good = tmp_path / "good.yaml"
    good.write_text("json:\n  max_items: 7\n")
    assert runner.invoke(cli, ["policy", "validate", str(good)]).exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("json:\n  max_items: -1\n")
    invalid = runner.invoke(cli, ["policy", "validate", str(bad)])
    assert invalid.exit_code == 2 and "json.max_items" in invalid.stderr


def test_demo_runs_offline() -> None:
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    assert "total" in result.stdout and "restored byte-for-byte" in result.stdout


def test_python_dash_m_matches_the_command(tmp_path: Path) -> None:
    env_store = {"HEADROOM_STORE_PATH": str(tmp_path / "m.sqlite3"), "PATH": "/usr/bin:/bin"}
    proc = subprocess.run(
        [sys.executable, "-m", "headroom", "policy", "show"],
        capture_output=True,
        text=True,
        env=env_store,
        check=False,
    )
    assert proc.returncode == 0 and "schema_version: 1" in proc.stdout
