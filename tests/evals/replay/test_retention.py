"""Reference retention: fact extraction, first use, and kept / retrievable / lost."""

from __future__ import annotations

import json
from typing import Any

import pytest

from evals.replay import FactUse, RetentionJudge, fact_uses, quoted_facts, token_facts
from evals.replay._session import call_starts
from evals.traces import ToolCall, Trace, Turn
from headroom.ccr import MemoryStore, format_marker


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the quick brown fox jumps over the lazy dog", set()),
        ("Error: Something Failed BADLY", set()),  # plain words never count, whatever their case
        ("see ./src/app/main.py:42 for details.", {"src/app/main.py"}),
        ("call getUserName() with user_id=12345", {"getUserName", "user_id", "12345"}),
        ("commit a3f9c2d1 on v2 of sha256", {"a3f9c2d1", "sha256"}),
        ("took 99 ms, 1,024 rows, version 3.11.4", {"1,024", "3.11.4"}),
        ("raised ValueError in os.path.join", {"ValueError", "os.path.join"}),
    ],
)
def test_token_facts(text: str, expected: set[str]) -> None:
    assert set(token_facts(text)) == expected


def test_quoted_facts_need_several_words() -> None:
    text = "it said `connection reset by peer` and 'single' but don't split it's words"
    assert quoted_facts(text) == {"connection reset by peer"}


def _call(call_id: str, **arguments: str) -> Turn:
    return Turn("assistant", "", tool_calls=(ToolCall(call_id, "bash", json.dumps(arguments)),))


def _trace(*turns: Turn) -> Trace:
    return Trace("fixture", "test", turns)


def test_fact_uses_count_tool_facts_at_their_first_use() -> None:
    trace = _trace(
        Turn("system", "You are a coding agent."),
        Turn("user", "Fix the crash in parse_header please"),
        _call("c1", command="pytest -x"),
        Turn(
            "tool",
            "FAILED tests/test_io.py::test_read - KeyError in parse_header at io/reader.py:88\n"
            "E   raise KeyError('missing field name')",
            tool_call_id="c1",
        ),
        _call("c2", command="sed -n 80,95p io/reader.py"),
        Turn("tool", "def parse_header(raw):\n    return raw['field_name']", tool_call_id="c2"),
        Turn(
            "assistant",
            "The KeyError comes from io/reader.py; field_name is read before 'missing field name'.",
        ),
    )
    uses = fact_uses(trace, call_starts(trace))
    found = {(u.fact, u.first_tool_turn, u.call_turn) for u in uses}
    # parse_header first appeared in the user's text, so it is not a tool fact
    assert found == {
        ("io/reader.py", 3, 4),
        ("KeyError", 3, 6),
        ("field_name", 5, 6),
        ("missing field name", 3, 6),
    }
    assert [u.quoted for u in uses if u.fact == "missing field name"] == [True]


def _messages(tool_text: str) -> list[dict[str, Any]]:
    return [
        {"role": "user", "content": "go"},
        {"role": "assistant", "content": None, "tool_calls": []},
        {"role": "tool", "tool_call_id": "c1", "content": tool_text},
    ]


def test_judge_kept_retrievable_lost() -> None:
    original = "row 1 ok\nrow 2 ok\nrow 3 failed with code_77x\n"
    trace = _trace(Turn("user", "go"), _call("c1", command="cat"), Turn("tool", original, tool_call_id="c1"))
    store = MemoryStore()
    key = store.put(original)
    judge = RetentionJudge(trace, store)
    use = FactUse("code_77x", False, first_tool_turn=2, call_turn=3)
    assert judge.judge(use, _messages(original)) == "kept"
    assert judge.judge(use, _messages(f"row 1 ok\n{format_marker(2, 'lines', key)}\n")) == "retrievable"
    assert judge.judge(use, _messages("row 1 ok\n")) == "lost"
    other = MemoryStore().put("unrelated")
    assert judge.judge(use, _messages(f"{format_marker(2, 'lines', other)}")) == "lost"
    assert RetentionJudge(trace, None).judge(use, _messages(format_marker(2, "lines", key))) == "lost"


def test_judge_accepts_any_earlier_output_that_held_the_fact() -> None:
    trace = _trace(
        Turn("user", "go"),
        _call("c1", command="a"),
        Turn("tool", "first sight of code_77x", tool_call_id="c1"),
        _call("c2", command="b"),
        Turn("tool", "again code_77x", tool_call_id="c2"),
    )
    messages = [
        *_messages("masked away"),
        {"role": "assistant", "content": "x"},
        trace.to_openai_messages()[4],
    ]
    use = FactUse("code_77x", False, first_tool_turn=2, call_turn=5)
    assert RetentionJudge(trace, MemoryStore()).judge(use, messages) == "kept"
