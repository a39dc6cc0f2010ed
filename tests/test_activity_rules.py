"""Tool results kept verbatim by what the agent was doing: the newest reads, reads of files it edits."""

from __future__ import annotations

import json
from typing import Any

from headroom import compress
from headroom._activity_rules import same_file
from headroom.ccr import MemoryStore
from headroom.policy import policy_from_mapping


def _source(name: str) -> str:
    body = "\n".join(f"    total_{i} = compute_{i}(value) + offset_{i}" for i in range(60))
    return "\n\n".join(f"def {name}_{f}(value, offset):\n{body}\n    return total_0" for f in range(6))


def _chat(calls: list[tuple[str, dict[str, Any], str]]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = [{"role": "user", "content": "fix the bug"}]
    for i, (tool, arguments, output) in enumerate(calls):
        call = {
            "id": f"c{i}",
            "type": "function",
            "function": {"name": tool, "arguments": json.dumps(arguments)},
        }
        messages += [
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": f"c{i}", "content": output},
        ]
    return messages


READS = [("Read", {"file_path": f"/repo/src/mod{i}.py"}, _source(f"mod{i}")) for i in range(3)]


_RULES_OFF = {"read_verbatim_last": 0, "search_verbatim_last": 0, "test_verbatim_last": 0}


def _policy(**activity: Any) -> Any:
    """The rules named, every other activity rule off (the default policy turns some on)."""
    return policy_from_mapping({"activity": {**_RULES_OFF, **activity}})


def _verbatim(result: Any) -> list[int]:
    return [b.message_index for b in result.blocks if b.compressor == "activity"]


def test_with_the_rules_off_every_read_is_compressed() -> None:
    result = compress(_chat(READS), _policy(), store=MemoryStore())
    assert not _verbatim(result)
    assert all(b.tokens_out < b.tokens_in for b in result.blocks if b.role == "tool")


def test_the_default_policy_forwards_the_newest_reads_verbatim() -> None:
    messages = _chat(READS)
    result = compress(messages, policy_from_mapping({}), store=MemoryStore())
    assert _verbatim(result) == [2, 4, 6]
    assert [m["content"] for m in result.messages] == [m["content"] for m in messages]


def test_the_newest_reads_go_verbatim_and_older_ones_are_compressed() -> None:
    messages = _chat(READS)
    result = compress(messages, _policy(read_verbatim_last=2), store=MemoryStore())
    assert _verbatim(result) == [4, 6]
    assert result.messages[4]["content"] == messages[4]["content"]
    assert result.messages[2]["content"] != messages[2]["content"]
    reason = next(b.reason for b in result.blocks if b.message_index == 6)
    assert reason is not None and "activity.read_verbatim_last" in reason


def test_a_read_of_a_file_a_later_call_edits_goes_verbatim() -> None:
    edit = (
        "Edit",
        {"file_path": "src/mod0.py", "old_string": "a", "new_string": "b"},
        "The file was updated.",
    )
    result = compress(_chat([*READS, edit]), _policy(edited_read_verbatim=True), store=MemoryStore())
    assert _verbatim(result) == [2]  # mod0 only: mod1 and mod2 were never edited


def test_the_rules_read_anthropic_and_responses_shapes_too() -> None:
    anthropic: list[dict[str, Any]] = [{"role": "user", "content": "fix it"}]
    responses: list[dict[str, Any]] = []
    for i, (tool, arguments, output) in enumerate(READS):
        anthropic += [
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": f"t{i}", "name": tool, "input": arguments}],
            },
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": f"t{i}", "content": output}]},
        ]
        responses += [
            {"type": "function_call", "call_id": f"r{i}", "name": tool, "arguments": json.dumps(arguments)},
            {"type": "function_call_output", "call_id": f"r{i}", "output": output},
        ]
    policy = _policy(read_verbatim_last=1)
    assert _verbatim(compress(anthropic, policy, store=MemoryStore())) == [6]
    assert _verbatim(compress(responses, policy, store=MemoryStore())) == [5]


def test_switched_off_the_rules_do_nothing() -> None:
    result = compress(_chat(READS), _policy(enabled=False, read_verbatim_last=3), store=MemoryStore())
    assert not _verbatim(result)


def test_file_spellings() -> None:
    assert same_file("src/app.py", "/repo/src/app.py")
    assert same_file("./src/app.py", "src/app.py")
    assert not same_file("app.py", "/repo/other/app.py")  # a bare name is too common to match
    assert not same_file("src/app.py", "/repo/lib/src/app.pyc")


def test_a_read_that_names_no_file_is_compressed_under_the_default_policy() -> None:
    logs = [("read_logs", {}, _source("logs"))]
    result = compress(_chat(logs), policy_from_mapping({}), store=MemoryStore())
    assert not _verbatim(result)
    assert result.blocks[0].tokens_out < result.blocks[0].tokens_in
