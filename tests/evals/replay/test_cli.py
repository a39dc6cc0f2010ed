"""``headroom eval replay``: the JSON shape scripts rely on, the table, and error exits."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from headroom.cli._eval_replay import replay_command
from tests.evals.traces.test_agents import CLAUDE_CODE

_FIGURES = {"input_tokens", "cache_read_tokens", "cache_write_tokens", "cost_usd", "reference_retention"}


def _request_log(path: Path) -> Path:
    listing = "\n".join(f"-rw-r--r-- 1 dev dev {1000 + i} Jan  1 12:00 module_{i}.py" for i in range(200))
    messages: list[dict[str, Any]] = [
        {"role": "system", "content": "You are a coding agent."},
        {"role": "user", "content": "Which module is the largest?"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c1",
                    "type": "function",
                    "function": {"name": "bash", "arguments": '{"cmd": "ls -l"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": listing},
        {"role": "assistant", "content": "module_199.py is the largest at 1199 bytes."},
    ]
    path.write_text(json.dumps({"model": "gpt-4o", "messages": messages}), encoding="utf-8")
    return path


def test_json_shape(tmp_path: Path) -> None:
    file = _request_log(tmp_path / "session.json")
    result = CliRunner().invoke(replay_command, [str(file), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data["total"]) == {"raw", "policy", "masking"}
    for figures in data["total"].values():
        assert set(figures) >= _FIGURES
        retention = figures["reference_retention"]
        assert {"kept", "retrievable", "ci95"} <= set(retention)
        assert 0.0 <= retention["kept"] <= 1.0 and len(retention["ci95"]) == 2
    session = data["sessions"][0]
    assert session["source"].endswith("session.json") and session["calls"] == 2
    assert {"format", "raw", "policy", "masking"} <= set(session)
    assert data["total"]["raw"]["reference_retention"]["facts"] == 2  # module_199.py and 1199


def test_anthropic_provider_and_model_option(tmp_path: Path) -> None:
    file = _request_log(tmp_path / "session.json")
    args = [str(file), "--provider", "anthropic", "--model", "claude-haiku-3.5", "--json"]
    result = CliRunner().invoke(replay_command, args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["sessions"][0]["model"] == "claude-haiku-3.5"


def test_table_output(tmp_path: Path) -> None:
    result = CliRunner().invoke(replay_command, [str(_request_log(tmp_path / "session.json"))])
    assert result.exit_code == 0, result.output
    assert "masking" in result.stdout and "cost per session" in result.stdout


def test_unknown_model_is_a_clean_error(tmp_path: Path) -> None:
    file = _request_log(tmp_path / "session.json")
    result = CliRunner().invoke(replay_command, [str(file), "--model", "no-such-model", "--json"])
    assert result.exit_code == 2
    assert "no price for model" in result.stderr


def _unreadable(path: Path) -> Path:
    path.write_text('{"not": "a trace"}\n{"cut mid-li', encoding="utf-8")
    return path


def test_unreadable_files_are_skipped_and_reported(tmp_path: Path) -> None:
    good = _request_log(tmp_path / "session.json")
    bad = _unreadable(tmp_path / "broken.jsonl")
    result = CliRunner().invoke(replay_command, [str(bad), str(good), "--json"])
    assert result.exit_code == 3, result.output
    data = json.loads(result.stdout)
    assert len(data["sessions"]) == 1
    assert [entry["path"] for entry in data["skipped"]] == [str(bad)]
    assert "broken.jsonl" in result.stderr


def test_strict_stops_at_the_first_unreadable_file(tmp_path: Path) -> None:
    good = _request_log(tmp_path / "session.json")
    bad = _unreadable(tmp_path / "broken.jsonl")
    result = CliRunner().invoke(replay_command, [str(bad), str(good), "--json", "--strict"])
    assert result.exit_code not in (0, 3)
    assert not result.stdout.strip().startswith("{")


def _claude_code_with_a_bad_line(path: Path) -> Path:
    lines = [json.dumps(r) for r in CLAUDE_CODE[:2]] + ['{"type": "user", "message": {']
    path.write_text("\n".join([*lines, json.dumps(CLAUDE_CODE[3])]) + "\n", encoding="utf-8")
    return path


def test_malformed_lines_are_counted_per_file_and_listed_in_json(tmp_path: Path) -> None:
    good = _request_log(tmp_path / "session.json")
    broken = _claude_code_with_a_bad_line(tmp_path / "broken.jsonl")
    result = CliRunner().invoke(replay_command, [str(broken), str(good), "--json"])
    assert result.exit_code == 0, result.output
    files = {entry["path"]: entry for entry in json.loads(result.stdout)["files"]}
    assert files[str(good)] == {"path": str(good), "sessions": 1, "warnings": []}
    [warning] = files[str(broken)]["warnings"]
    assert warning.startswith(f"{broken}:3: invalid JSON") and files[str(broken)]["sessions"] == 1
    said = " ".join(result.stderr.split())
    assert f"{broken}: 1 warning" in said and str(good) not in said


def test_the_table_run_prints_the_warning_count(tmp_path: Path) -> None:
    broken = _claude_code_with_a_bad_line(tmp_path / "broken.jsonl")
    result = CliRunner().invoke(replay_command, [str(broken)])
    assert result.exit_code == 0, result.output
    said = " ".join(result.stderr.split())
    assert f"{broken}: 1 warning (malformed lines skipped)" in said and f"{broken}:3: invalid JSON" in said
