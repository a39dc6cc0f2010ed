from __future__ import annotations

from evals.traces import ToolCall, Trace, Turn


def test_tool_output_without_a_call_gets_a_synthetic_call() -> None:
    trace = Trace("t.md", "aider", (Turn("user", "run tests"), Turn("tool", "3 passed", tool_name="aider")))
    messages = trace.to_openai_messages()
    assert messages[1]["tool_calls"][0]["id"] == messages[2]["tool_call_id"] == "synthetic_1"
    assert messages[1]["tool_calls"][0]["function"]["name"] == "aider"


def test_announced_tool_results_keep_their_ids() -> None:
    call = ToolCall("c1", "read_file", '{"path": "a.py"}')
    trace = Trace(
        "t.json",
        "openai-chat",
        (Turn("assistant", tool_calls=(call,)), Turn("tool", "x = 1", tool_call_id="c1")),
    )
    messages = trace.to_openai_messages()
    assert [m["role"] for m in messages] == ["assistant", "tool"]
    assert messages[0]["content"] is None and messages[1]["tool_call_id"] == "c1"
    assert trace.tool_calls == 1
