"""Importers for eval logs and request logs (Inspect AI, tau-bench, OpenAI/Anthropic/Responses), and detection.

Every fixture is small, synthetic and written here in the format's real shape.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from evals.traces import IMPORTERS, detect_format, importer_names, load_traces
from headroom.errors import TraceFormatError


def write_json(path: Path, data: Any) -> Path:
    path.write_text(json.dumps(data, indent=2))
    return path


def _inspect_sample(sample_id: int) -> dict[str, Any]:
    return {
        "id": sample_id,
        "epoch": 1,
        "messages": [
            {"role": "system", "content": "attachment://abc"},
            {"role": "user", "content": [{"type": "text", "text": "open the page"}], "source": "input"},
            {
                "role": "assistant",
                "content": [{"type": "reasoning", "reasoning": "hmm"}, {"type": "text", "text": "Opening."}],
                "tool_calls": [
                    {"id": "call_1", "function": "web_go", "arguments": {"url": "https://example.org"}}
                ],
                "model": "gpt-4o-mini",
            },
            {
                "role": "tool",
                "content": "",
                "tool_call_id": "call_1",
                "function": "web_go",
                "error": {"type": "timeout", "message": "timed out"},
            },
            {"role": "assistant", "content": "It timed out.", "model": "gpt-4o-mini"},
        ],
        "output": {
            "usage": {
                "input_tokens": 600,
                "output_tokens": 20,
                "total_tokens": 620,
                "input_tokens_cache_read": 512,
            }
        },
        "attachments": {"abc": "You are a browsing agent."},
        "model_usage": {},
    }


def test_inspect_log_one_trace_per_sample(tmp_path: Path) -> None:
    log = {
        "version": 2,
        "status": "success",
        "eval": {"task": "browse", "model": "openai/gpt-4o-mini"},
        "samples": [_inspect_sample(1), _inspect_sample(2)],
    }
    path = write_json(tmp_path / "log.json", log)
    assert detect_format(path).name == "inspect-ai"
    first, second = load_traces(path)
    assert first.turns[0].text == "You are a browsing agent."
    assert first.turns[2].text == "Opening." and json.loads(first.turns[2].tool_calls[0].arguments) == {
        "url": "https://example.org"
    }
    tool = first.turns[3]
    assert tool.is_error and tool.text == "timed out" and tool.tool_name == "web_go"
    usage = first.turns[4].usage
    assert usage is not None and (usage.input_tokens, usage.cache_read_tokens) == (600, 512)
    assert second.session_id == "browse/2/1" and first.model == "openai/gpt-4o-mini"


def test_inspect_anthropic_usage_adds_cache_back() -> None:
    from evals.traces._registry import usage_from

    usage = usage_from(
        {
            "input_tokens": 10,
            "input_tokens_cache_read": 90,
            "input_tokens_cache_write": 5,
            "output_tokens": 3,
            "total_tokens": 108,
        }
    )
    assert usage is not None and usage.input_tokens == 105


def _tau(task_id: int) -> dict[str, Any]:
    call = {
        "id": "call_7",
        "type": "function",
        "function": {"name": "get_user_details", "arguments": '{"user_id": "u1"}'},
    }
    return {
        "task_id": task_id,
        "reward": 1.0,
        "info": {"task": {"user_id": "u1"}},
        "traj": [
            {"role": "system", "content": "# Policy"},
            {"role": "user", "content": "Change my flight."},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {
                "role": "tool",
                "tool_call_id": "call_7",
                "name": "get_user_details",
                "content": '{"name": "Ann"}',
            },
            {"role": "assistant", "content": "Done."},
        ],
        "trial": 0,
    }


@pytest.mark.parametrize("as_array", [False, True])
def test_tau_bench(tmp_path: Path, as_array: bool) -> None:
    path = write_json(tmp_path / "tau.json", [_tau(3), _tau(4)] if as_array else _tau(3))
    assert detect_format(path).name == "tau-bench"
    traces = load_traces(path)
    assert len(traces) == (2 if as_array else 1)
    trace = traces[0]
    assert trace.tool_calls == 1 and trace.turns[3].tool_name == "get_user_details"
    assert trace.metadata["reward"] == 1.0 and trace.session_id == "task-3/trial-0"


def test_openai_chat_request_log_jsonl_with_response(tmp_path: Path) -> None:
    record = {
        "model": "gpt-4o",
        "messages": [
            {"role": "developer", "content": "Be brief."},
            {"role": "user", "content": [{"type": "text", "text": "weather?"}]},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "wx", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "sunny"},
        ],
        "response": {
            "model": "gpt-4o-2024",
            "choices": [{"message": {"role": "assistant", "content": "Sunny."}}],
            "usage": {
                "prompt_tokens": 50,
                "completion_tokens": 2,
                "prompt_tokens_details": {"cached_tokens": 32},
            },
        },
    }
    path = tmp_path / "requests.jsonl"
    path.write_text(json.dumps(record) + "\n" + json.dumps({"request": record}) + "\n")
    assert detect_format(path).name == "openai-chat"
    first, second = load_traces(path)
    assert [t.role for t in first.turns] == ["system", "user", "assistant", "tool", "assistant"]
    assert first.turns[3].tool_name == "wx"
    usage = first.turns[4].usage
    assert usage is not None and (usage.input_tokens, usage.cache_read_tokens, usage.output_tokens) == (
        50,
        32,
        2,
    )
    assert len(second.turns) == 4


def test_anthropic_messages_request_log(tmp_path: Path) -> None:
    body = {
        "model": "claude-x",
        "max_tokens": 100,
        "system": [{"type": "text", "text": "Be brief."}],
        "messages": [
            {"role": "user", "content": "read a.txt"},
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "tu1", "name": "read", "input": {"path": "a.txt"}}],
            },
            {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "tu1",
                        "content": [{"type": "text", "text": "hello"}],
                    },
                    {"type": "text", "text": "and?"},
                ],
            },
        ],
        "response": {
            "content": [{"type": "text", "text": "It says hello."}],
            "usage": {"input_tokens": 4, "cache_read_input_tokens": 60, "output_tokens": 5},
        },
    }
    path = write_json(tmp_path / "anthropic.json", body)
    assert detect_format(path).name == "anthropic-messages"
    (trace,) = load_traces(path)
    assert [t.role for t in trace.turns] == ["system", "user", "assistant", "tool", "user", "assistant"]
    assert trace.turns[3].text == "hello" and trace.turns[3].tool_name == "read"
    assert trace.turns[5].usage is not None and trace.turns[5].usage.input_tokens == 64


def test_openai_responses_request_log(tmp_path: Path) -> None:
    body = {
        "model": "gpt-5",
        "instructions": "Be brief.",
        "input": [
            {"role": "user", "content": "grep TODO"},
            {"type": "function_call", "call_id": "fc1", "name": "grep", "arguments": '{"q": "TODO"}'},
            {"type": "function_call_output", "call_id": "fc1", "output": "a.py:3: TODO"},
        ],
        "response": {
            "output": [
                {
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": "One TODO."}],
                }
            ],
            "usage": {"input_tokens": 70, "input_tokens_details": {"cached_tokens": 64}, "output_tokens": 3},
        },
    }
    path = write_json(tmp_path / "responses.json", [body])
    assert detect_format(path).name == "openai-responses"
    (trace,) = load_traces(path)
    assert [t.role for t in trace.turns] == ["system", "user", "assistant", "tool", "assistant"]
    assert trace.turns[3].tool_name == "grep"
    assert trace.turns[4].usage is not None and trace.turns[4].usage.cache_read_tokens == 64


def test_malformed_json_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "tau.json"
    path.write_text('{\n  "task_id": 1,\n  "traj": [\n    {"role": "user", "content": "hi"},,\n  ]\n}\n')
    with pytest.raises(TraceFormatError) as error:
        load_traces(path)
    assert error.value.line == 4 and f"{path}:4" in str(error.value)


def test_malformed_structure_is_a_format_error(tmp_path: Path) -> None:
    path = write_json(
        tmp_path / "tau.json", {"task_id": 1, "reward": 0, "traj": [{"role": "robot", "content": "x"}]}
    )
    with pytest.raises(TraceFormatError, match="unknown message role"):
        load_traces(path)


def test_unrecognised_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("just some notes\n")
    with pytest.raises(TraceFormatError, match="not a recognised agent trace") as error:
        load_traces(path)
    assert str(path) in str(error.value)
    with pytest.raises(TraceFormatError, match="no such file"):
        load_traces(tmp_path / "missing.json")


def test_explicit_format_and_registry_order(tmp_path: Path) -> None:
    path = write_json(tmp_path / "chat.json", [{"role": "user", "content": "hi"}])
    assert load_traces(path, format="openai-chat")[0].turns[0].text == "hi"
    assert importer_names()[0] == "claude-code" and importer_names()[-1] == "aider"
    assert len(set(importer_names())) == len(IMPORTERS)
    with pytest.raises(TraceFormatError, match="unknown trace format"):
        load_traces(path, format="nope")
