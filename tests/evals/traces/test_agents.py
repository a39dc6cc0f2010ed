"""Importers for agent session files: Claude Code, Codex CLI, OpenHands, SWE-agent, mini-swe-agent, Aider.

Every fixture is small, synthetic and written here in the format's real shape.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evals.traces import detect_format, load_traces
from headroom.errors import TraceFormatError


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    return path


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, indent=2))
    return path


def _cc(kind: str, message: dict[str, Any], uuid: str, **extra: Any) -> dict[str, Any]:
    entry = {"type": kind, "uuid": uuid, "sessionId": "s1", "timestamp": f"2025-01-01T00:00:0{uuid[-1]}Z"}
    return {**entry, "message": message, **extra}


CLAUDE_CODE = [
    _cc("user", {"role": "user", "content": "list the files"}, "u1"),
    _cc(
        "assistant",
        {
            "id": "msg_1",
            "role": "assistant",
            "model": "claude-sonnet-4",
            "content": [{"type": "text", "text": "Listing."}],
            "usage": {
                "input_tokens": 5,
                "cache_read_input_tokens": 100,
                "cache_creation_input_tokens": 20,
                "output_tokens": 7,
            },
        },
        "a1",
    ),
    _cc(
        "assistant",
        {
            "id": "msg_1",
            "role": "assistant",
            "model": "claude-sonnet-4",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls"}}],
            "usage": {
                "input_tokens": 5,
                "cache_read_input_tokens": 100,
                "cache_creation_input_tokens": 20,
                "output_tokens": 9,
            },
        },
        "a2",
    ),
    _cc(
        "user",
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "a.py\nb.py", "is_error": False}
            ],
        },
        "u2",
        toolUseResult={"stdout": "a.py\nb.py"},
    ),
    {"type": "summary", "summary": "Listed files", "leafUuid": "u2"},
]


def test_claude_code_merges_streamed_blocks_and_maps_usage(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "session.jsonl", CLAUDE_CODE)
    assert detect_format(path).name == "claude-code"
    (trace,) = load_traces(path)
    assert [t.role for t in trace.turns] == ["user", "assistant", "tool"]
    assistant, tool = trace.turns[1], trace.turns[2]
    assert assistant.text == "Listing." and assistant.tool_calls[0].name == "Bash"
    assert json.loads(assistant.tool_calls[0].arguments) == {"command": "ls"}
    assert assistant.usage is not None and assistant.usage.input_tokens == 125
    assert (
        assistant.usage.cache_read_tokens,
        assistant.usage.cache_write_tokens,
        assistant.usage.output_tokens,
    ) == (100, 20, 9)
    assert tool.tool_call_id == "toolu_1" and tool.tool_name == "Bash" and tool.text == "a.py\nb.py"
    assert trace.model == "claude-sonnet-4" and trace.session_id == "s1"
    assert trace.turns[0].timestamp == "2025-01-01T00:00:01Z"
    assert trace.metadata["summaries"] == ["Listed files"]


_BOOKKEEPING = [
    {"type": "last-prompt", "leafUuid": "u2", "sessionId": "s1"},
    {"type": "permission-mode", "permissionMode": "default", "sessionId": "s1"},
    {"type": "queue-operation", "operation": "enqueue", "sessionId": "s1"},
    {
        "parentUuid": None,
        "type": "attachment",
        "uuid": "h1",
        "sessionId": "s1",
        "attachment": {"type": "hook_success"},
    },
    {"type": "file-history-snapshot", "messageId": "m0", "snapshot": {"trackedFileBackups": {}}},
    {"type": "ai-title", "title": "Listing files", "sessionId": "s1"},
]


def test_claude_code_sessions_that_open_with_bookkeeping_records_import(tmp_path: Path) -> None:
    # Real sessions (Claude Code 2.1.x) open with these before the first message.
    path = write_jsonl(tmp_path / "session.jsonl", [*_BOOKKEEPING, *CLAUDE_CODE])
    assert detect_format(path).name == "claude-code"
    (trace,) = load_traces(path)
    assert [t.role for t in trace.turns] == ["user", "assistant", "tool"]


def test_claude_code_malformed_line_is_a_warning_naming_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    lines = [json.dumps(r) for r in CLAUDE_CODE[:2]] + ['{"type": "user", "message": {']
    path.write_text("\n".join([*lines, json.dumps(CLAUDE_CODE[3])]) + "\n")
    (trace,) = load_traces(path)
    assert [t.role for t in trace.turns] == ["user", "assistant", "tool"]
    assert len(trace.warnings) == 1 and trace.warnings[0].startswith(f"{path}:3: invalid JSON")


def test_claude_code_with_no_readable_line_is_an_error_naming_the_line(tmp_path: Path) -> None:
    path = tmp_path / "broken.jsonl"
    path.write_text(
        json.dumps({"type": "summary", "summary": "x", "leafUuid": "u"})
        + "\n"
        + '{"type": "user", "message": {\n'
    )
    with pytest.raises(TraceFormatError) as error:
        load_traces(path, format="claude-code")
    assert str(path) in str(error.value) and ":2:" in str(error.value)


def _codex(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"timestamp": "2025-10-01T00:00:00Z", "type": kind, "payload": payload}


CODEX = [
    _codex("session_meta", {"id": "sess-1", "cwd": "/repo", "cli_version": "0.46.0", "instructions": None}),
    _codex("turn_context", {"cwd": "/repo", "model": "gpt-5-codex"}),
    _codex(
        "response_item",
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "run tests"}]},
    ),
    _codex("event_msg", {"type": "user_message", "message": "run tests"}),
    _codex("response_item", {"type": "reasoning", "summary": [], "encrypted_content": "xyz"}),
    _codex(
        "response_item",
        {
            "type": "function_call",
            "name": "shell",
            "arguments": '{"command":["pytest"]}',
            "call_id": "call_1",
        },
    ),
    _codex("response_item", {"type": "function_call_output", "call_id": "call_1", "output": "1 failed"}),
    _codex(
        "event_msg",
        {
            "type": "token_count",
            "info": {
                "last_token_usage": {"input_tokens": 900, "cached_input_tokens": 800, "output_tokens": 30}
            },
        },
    ),
    _codex(
        "response_item",
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "One test fails."}],
        },
    ),
]


def test_codex_rollout(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "rollout-2025-10-01.jsonl", CODEX)
    assert detect_format(path).name == "codex"
    (trace,) = load_traces(path)
    assert [t.role for t in trace.turns] == ["user", "assistant", "tool", "assistant"]
    call = trace.turns[1].tool_calls[0]
    assert (call.id, call.name, call.arguments) == ("call_1", "shell", '{"command":["pytest"]}')
    assert trace.turns[1].usage is not None and trace.turns[1].usage.cache_read_tokens == 800
    assert trace.turns[1].usage.input_tokens == 900
    assert trace.turns[2].tool_name == "shell" and trace.turns[2].text == "1 failed"
    assert trace.session_id == "sess-1" and trace.turns[3].model == "gpt-5-codex"


def test_codex_legacy_bare_items(tmp_path: Path) -> None:
    records: list[dict[str, Any]] = [
        {"id": "old-1", "timestamp": "2025-05-01T00:00:00Z", "instructions": "Be brief."},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]},
        {"record_type": "state"},
        {"type": "function_call", "name": "shell", "arguments": "{}", "call_id": "c1"},
        {"type": "function_call_output", "call_id": "c1", "output": "ok"},
    ]
    path = write_jsonl(tmp_path / "rollout-old.jsonl", records)
    assert detect_format(path).name == "codex"
    (trace,) = load_traces(path)
    assert [t.role for t in trace.turns] == ["system", "user", "assistant", "tool"]
    assert trace.session_id == "old-1"


def _oh_metadata(call_id: str, name: str, arguments: str, text: str) -> dict[str, Any]:
    message = {
        "content": text,
        "role": "assistant",
        "tool_calls": [
            {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}
        ],
    }
    usage = {
        "prompt_tokens": 300,
        "completion_tokens": 40,
        "cache_read_input_tokens": 200,
        "cache_creation_input_tokens": 50,
    }
    response = {
        "id": "resp-" + call_id,
        "model": "claude-x",
        "choices": [{"message": message}],
        "usage": usage,
    }
    return {
        "function_name": name,
        "tool_call_id": call_id,
        "model_response": response,
        "total_calls_in_response": 1,
    }


OPENHANDS = [
    {"id": 0, "source": "environment", "observation": "agent_state_changed", "content": "", "extras": {}},
    {
        "id": 1,
        "timestamp": "t1",
        "source": "user",
        "message": "make dir",
        "action": "message",
        "args": {"content": "make dir"},
    },
    {
        "id": 2,
        "source": "agent",
        "message": "Running command: mkdir x",
        "action": "run",
        "tool_call_metadata": _oh_metadata(
            "toolu_9", "execute_bash", '{"command": "mkdir x"}', "Creating it."
        ),
        "args": {"command": "mkdir x", "thought": "Creating it."},
    },
    {
        "id": 3,
        "source": "agent",
        "cause": 2,
        "observation": "run",
        "content": "mkdir: cannot create directory",
        "tool_call_metadata": _oh_metadata(
            "toolu_9", "execute_bash", '{"command": "mkdir x"}', "Creating it."
        ),
        "extras": {"metadata": {"exit_code": 1}},
        "success": False,
    },
    {"id": 4, "source": "agent", "message": "Done.", "action": "message", "args": {"content": "Done."}},
]


def test_openhands_trajectory(tmp_path: Path) -> None:
    path = write_json(tmp_path / "traj.json", OPENHANDS)
    assert detect_format(path).name == "openhands"
    (trace,) = load_traces(path)
    assert [t.role for t in trace.turns] == ["user", "assistant", "tool", "assistant"]
    action, result = trace.turns[1], trace.turns[2]
    assert action.text == "Creating it." and action.tool_calls[0].arguments == '{"command": "mkdir x"}'
    assert (
        action.usage is not None
        and action.usage.input_tokens == 300
        and action.usage.cache_write_tokens == 50
    )
    assert result.tool_call_id == "toolu_9" and result.tool_name == "execute_bash" and result.is_error
    assert trace.model == "claude-x"


def test_openhands_output_jsonl_with_history_pairs(tmp_path: Path) -> None:
    pairs = [[OPENHANDS[2], OPENHANDS[3]]]
    records = [
        {
            "instance_id": f"repo__{i}",
            "history": [OPENHANDS[1], *pairs],
            "metadata": {"llm_config": {"model": "m"}},
        }
        for i in range(2)
    ]
    path = write_jsonl(tmp_path / "output.jsonl", records)
    traces = load_traces(path)
    assert [t.session_id for t in traces] == ["repo__0", "repo__1"]
    assert traces[1].source.endswith("#1") and traces[0].tool_calls == 1


def test_swe_agent_traj_history_with_thought_action(tmp_path: Path) -> None:
    data = {
        "environment": "swe_main",
        "trajectory": [
            {
                "action": "ls\n",
                "observation": "setup.py",
                "response": "Look.\n```\nls\n```",
                "thought": "Look.",
            }
        ],
        "history": [
            {
                "role": "system",
                "content": "You are an agent.",
                "agent": "main",
                "message_type": "system_prompt",
            },
            {"role": "user", "content": "Fix the bug.", "agent": "main", "message_type": "observation"},
            {
                "role": "assistant",
                "content": "Look.\n```\nls\n```",
                "thought": "Look.",
                "action": "ls\n",
                "agent": "main",
                "message_type": "action",
            },
            {"role": "user", "content": "setup.py", "agent": "main", "message_type": "observation"},
        ],
        "info": {"exit_status": "submitted", "model_stats": {"tokens_sent": 10}},
    }
    path = write_json(tmp_path / "x.traj", data)
    assert detect_format(path).name == "swe-agent"
    (trace,) = load_traces(path)
    assert [t.role for t in trace.turns] == ["system", "user", "assistant", "tool"]
    assert (
        trace.turns[2].tool_calls[0].name == "ls"
        and trace.turns[3].tool_call_id == trace.turns[2].tool_calls[0].id
    )
    assert trace.metadata["info"]["exit_status"] == "submitted"


def test_swe_agent_function_calling_history(tmp_path: Path) -> None:
    call = {
        "id": "call_a",
        "type": "function",
        "function": {"name": "bash", "arguments": '{"command": "ls"}'},
    }
    data = {
        "trajectory": [],
        "history": [
            {"role": "user", "content": [{"type": "text", "text": "Fix it."}], "message_type": "observation"},
            {"role": "assistant", "content": "", "tool_calls": [call], "message_type": "action"},
            {
                "role": "tool",
                "content": [{"type": "text", "text": "a.py"}],
                "tool_call_ids": ["call_a"],
                "message_type": "observation",
            },
        ],
    }
    (trace,) = load_traces(write_json(tmp_path / "fc.traj", data))
    assert (
        trace.turns[2].tool_call_id == "call_a"
        and trace.turns[2].tool_name == "bash"
        and trace.turns[2].text == "a.py"
    )


MINI = [
    {"role": "system", "content": "You are a helpful assistant."},
    {"role": "user", "content": "Please solve this issue: x"},
    {"role": "assistant", "content": "Check.\n\n```bash\nls -la\n```"},
    {"role": "user", "content": "<returncode>0</returncode>\n<output>\nREADME\n</output>"},
    {"role": "assistant", "content": "Thinking without a command."},
    {"role": "user", "content": "Please always provide EXACTLY ONE action."},
]


@pytest.mark.parametrize("wrapped", [False, True])
def test_mini_swe_agent(tmp_path: Path, wrapped: bool) -> None:
    info = {"exit_status": "Submitted", "config": {"model": {"model_name": "gpt-x"}}}
    data: Any = {"info": info, "messages": MINI, "trajectory_format": "mini-swe-agent-1"} if wrapped else MINI
    path = write_json(tmp_path / "run.traj.json", data)
    assert detect_format(path).name == "mini-swe-agent"
    (trace,) = load_traces(path)
    assert [t.role for t in trace.turns] == ["system", "user", "assistant", "tool", "assistant", "user"]
    assert json.loads(trace.turns[2].tool_calls[0].arguments) == {"command": "ls -la"}
    assert trace.turns[3].tool_name == "bash" and "README" in trace.turns[3].text
    assert trace.model == ("gpt-x" if wrapped else None)
