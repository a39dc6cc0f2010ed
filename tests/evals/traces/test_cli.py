"""``headroom trace show`` on small synthetic traces (the command is invoked directly, unregistered)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from headroom.cli._trace import trace_group
from headroom.tokens import count_tokens

_CALL = {"id": "c1", "type": "function", "function": {"name": "ls", "arguments": '{"dir": "."}'}}


def _tau(task_id: int) -> dict[str, object]:
    return {
        "task_id": task_id,
        "reward": 1.0,
        "traj": [
            {"role": "user", "content": "list files"},
            {"role": "assistant", "content": None, "tool_calls": [_CALL]},
            {"role": "tool", "tool_call_id": "c1", "name": "ls", "content": "a.py\nb.py\nc.py"},
            {"role": "assistant", "content": "Three files."},
        ],
    }


def _expected_total() -> int:
    texts = ["list files", "", '{"dir": "."}', "a.py\nb.py\nc.py", "Three files."]
    return sum(count_tokens(t, "o200k_base") for t in texts)


def test_show_json_single_session(tmp_path: Path) -> None:
    path = tmp_path / "tau.json"
    path.write_text(json.dumps(_tau(1)))
    result = CliRunner().invoke(trace_group, ["show", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data == {
        "format": "tau-bench",
        "turns": 4,
        "tool_calls": 1,
        "tool_result_tokens": count_tokens("a.py\nb.py\nc.py", "o200k_base"),
        "total_tokens": _expected_total(),
    }


def test_show_json_sums_sessions(tmp_path: Path) -> None:
    path = tmp_path / "tau.json"
    path.write_text(json.dumps([_tau(1), _tau(2), _tau(3)]))
    result = CliRunner().invoke(trace_group, ["show", str(path), "--json"])
    data = json.loads(result.stdout)
    assert data["sessions"] == 3 and data["turns"] == 12 and data["total_tokens"] == 3 * _expected_total()


def test_show_table(tmp_path: Path) -> None:
    path = tmp_path / "tau.json"
    path.write_text(json.dumps([_tau(1), _tau(2)]))
    result = CliRunner().invoke(trace_group, ["show", str(path)])
    assert result.exit_code == 0 and "tau-bench" in result.output and "total" in result.output


def test_show_malformed_line_warns_naming_file_and_line_and_shows_the_rest(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_text(
        '{"type": "user", "sessionId": "s", "message": {"role": "user", "content": "hi"}}\n{oops\n'
    )
    result = CliRunner().invoke(trace_group, ["show", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert f"warning: {path}:2: invalid JSON" in result.stderr
    data = json.loads(result.stdout)
    assert data["turns"] == 1 and len(data["warnings"]) == 1


def test_show_malformed_document_exits_2_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "tau.json"
    path.write_text('{"task_id": 1, "reward": 1.0,\n "traj": [\n')
    result = CliRunner().invoke(trace_group, ["show", str(path), "--json"])
    assert result.exit_code == 2
    assert f"{path}:3" in result.output.replace("\n", "")
