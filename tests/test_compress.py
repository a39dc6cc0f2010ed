from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from headroom import compress, compress_text
from headroom.ccr import MemoryStore, parse_markers, to_text
from headroom.errors import MessageFormatError
from headroom.messages import MessageFormat
from headroom.policy import policy_from_mapping
from tests.conftest import make_log

QUESTION = "Why does the database connection fail?"


def openai_chat(log: str) -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": "You are a careful agent. " + make_log(60)},
        {"role": "user", "content": QUESTION},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c1", "type": "function", "function": {"name": "read_logs", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "c1", "content": log},
    ]


def anthropic(log: str) -> dict[str, Any]:
    return {
        "system": [{"type": "text", "text": "Be careful.", "cache_control": {"type": "ephemeral"}}],
        "messages": [
            {"role": "user", "content": QUESTION},
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "t1", "name": "read_logs", "input": {}}],
            },
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "t1", "content": [{"type": "text", "text": log}]}
                ],
            },
        ],
        "tools": [{"name": "read_logs", "description": "Read logs", "input_schema": {"type": "object"}}],
    }


def responses(log: str) -> dict[str, Any]:
    return {
        "model": "gpt-x",
        "input": [
            {"role": "user", "content": [{"type": "input_text", "text": QUESTION}]},
            {"type": "function_call", "call_id": "f1", "name": "read_logs", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "f1", "output": log},
        ],
    }


def _tool_text(result: Any, fmt: MessageFormat) -> str:
    if fmt is MessageFormat.OPENAI_CHAT:
        return str(result.messages[-1]["content"])
    if fmt is MessageFormat.ANTHROPIC:
        return str(result.messages["messages"][-1]["content"][0]["content"][0]["text"])
    return str(result.messages["input"][-1]["output"])


@pytest.mark.parametrize(
    ("build", "fmt"),
    [
        (openai_chat, MessageFormat.OPENAI_CHAT),
        (anthropic, MessageFormat.ANTHROPIC),
        (responses, MessageFormat.OPENAI_RESPONSES),
    ],
)
def test_every_format_compresses_tool_results(build: Any, fmt: MessageFormat, big_log: str) -> None:
    store = MemoryStore()
    request = build(big_log)
    before = copy.deepcopy(request)
    result = compress(request, store=store)
    assert result.format is fmt
    assert request == before, "the caller's messages must not be mutated"
    text = _tool_text(result, fmt)
    assert result.tokens_out < result.tokens_in
    assert "ERROR database connection refused: host db-1 port 5432" in text
    markers = parse_markers(text)
    assert markers and all(to_text(store.get(m.key)) == big_log for m in markers)
    assert len(result.tools_added) == 1
    assert result.blocks[0].kind == "tool_result"


@pytest.mark.parametrize("build", [openai_chat, anthropic, responses])
def test_without_markers_a_block_that_needs_one_is_forwarded_whole(build: Any, big_log: str) -> None:
    request = build(big_log)
    result = compress(request, store=MemoryStore(), markers=False)
    assert result.tools_added == () and "retrieve: hr" not in json.dumps(result.messages)
    assert result.tokens_out == result.tokens_in and result.blocks[0].reason.startswith("no retrieval path")  # type: ignore[union-attr]


def test_without_markers_lossless_re_encodings_stay(store: MemoryStore) -> None:
    rows = json.dumps(
        [{"id": i, "name": f"user{i}", "active": True, "team": "core"} for i in range(12)], indent=2
    )
    result = compress(openai_chat(rows), store=store, markers=False)
    block = result.blocks[0]
    assert block.lossless and not block.elisions and block.tokens_out < block.tokens_in / 2
    assert result.tools_added == () and "retrieve: hr" not in json.dumps(result.messages)


def test_frozen_prefix_is_byte_identical(big_log: str, store: MemoryStore) -> None:
    messages = openai_chat(big_log)
    result = compress(messages, store=store)
    assert json.dumps(result.messages[:3]) == json.dumps(messages[:3])
    assert result.messages[0] is messages[0]


def test_frozen_messages_policy_protects_leading_messages(big_log: str, store: MemoryStore) -> None:
    policy = policy_from_mapping({"live_zone": {"frozen_messages": 4}})
    result = compress(openai_chat(big_log), policy, store=store)
    assert result.blocks == () and result.tools_added == ()


def test_compression_is_deterministic_across_turns(big_log: str, store: MemoryStore) -> None:
    first = compress(openai_chat(big_log), store=store)
    longer = [*openai_chat(big_log), {"role": "user", "content": "Now check the cache hit ratio please."}]
    second = compress(longer, store=store)
    assert json.dumps(second.messages[:4]) == json.dumps(first.messages[:4]), (
        "old blocks must keep their bytes"
    )


def test_no_marker_means_no_retrieval_tool(store: MemoryStore) -> None:
    messages = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    result = compress(messages, store=store)
    assert result.tools_added == () and result.messages == messages


def test_small_tool_results_pass_through(store: MemoryStore) -> None:
    messages = [*openai_chat("ok\n")]
    result = compress(messages, store=store)
    assert result.blocks[0].reason and "min_block_tokens" in result.blocks[0].reason
    assert result.messages[-1]["content"] == "ok\n"


def test_large_pasted_user_text_is_live(store: MemoryStore) -> None:
    paste = make_log(600)
    result = compress([{"role": "user", "content": paste}], store=store)
    assert result.blocks and result.blocks[0].tokens_out < result.blocks[0].tokens_in


def test_explicit_query_steers_the_latest_turn(store: MemoryStore) -> None:
    log = make_log(400).replace("request 123 served", "request 123 checkout-zebra served")
    result = compress(openai_chat(log), query="checkout-zebra", store=store)
    assert "checkout-zebra" in result.messages[-1]["content"]


def test_history_masking_replaces_old_tool_outputs(store: MemoryStore, big_log: str) -> None:
    messages = openai_chat(big_log)
    for step in range(3):
        call = {"id": f"s{step}", "type": "function", "function": {"name": "ls", "arguments": "{}"}}
        messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        messages.append({"role": "tool", "tool_call_id": f"s{step}", "content": f"file_{step}.py"})
    policy = policy_from_mapping({"history": {"enabled": True, "keep_last_observations": 2}})
    result = compress(messages, policy, store=store)
    stub = result.messages[3]["content"]
    assert result.blocks[0].compressor == "history"
    (marker,) = parse_markers(stub)
    assert marker.count == big_log.count("\n") and to_text(store.get(marker.key)) == big_log
    recent = compress(
        messages,
        policy_from_mapping({"history": {"enabled": True, "keep_last_observations": 4}}),
        store=store,
    )
    assert recent.blocks[0].compressor != "history", "the last N observations are never masked"


@pytest.mark.parametrize(
    ("messages", "message"),
    [
        ("not a list", "must be a list"),
        ([1, 2], "message 0 must be an object"),
        ([{"content": "x"}], "message 0 has no string 'role'"),
        ([{"role": "user", "content": 42}], "'content' must be a string or a list"),
        ([{"role": "user", "content": ["x"]}], "content part 0 must be an object"),
        ({"model": "x"}, "must hold 'messages'"),
    ],
)
def test_malformed_structure_is_a_clear_error(messages: Any, message: str, store: MemoryStore) -> None:
    with pytest.raises(MessageFormatError, match=message):
        compress(messages, store=store)


@pytest.mark.parametrize(
    "text",
    [
        "\x00\x01\x02 binary blob " * 500,
        '{"broken": [1, 2, ' * 300,
        "x" * 300_000,
        "[" * 5000 + "]" * 5000,
        json.dumps({"a": [[[[[[{"deep": list(range(50))}]]]]]] * 40}),
        "🎉 ünïcödé 日本語 " * 800,
    ],
)
def test_odd_content_never_raises_or_loses_data(text: str, store: MemoryStore) -> None:
    out = compress_text(text, store=store)
    assert out.tokens_out <= out.tokens_in
    if out.text == text:
        return
    assert out.elisions, "changed text must carry markers"
    assert any(to_text(store.get(e.key)) == text for e in out.elisions)


def test_savings_that_do_not_pay_for_the_retrieval_tool_are_reverted(store: MemoryStore) -> None:
    log = (
        "\n".join(f"2026-01-01 10:00:{i:02d} INFO request {i} served in {i * 3} ms" for i in range(30)) + "\n"
    )
    eager = policy_from_mapping({"live_zone": {"min_block_tokens": 0}})
    messages = [{"role": "user", "content": "q"}, {"role": "tool", "tool_call_id": "a", "content": log}]
    result = compress(messages, eager, store=store)
    (block,) = result.blocks
    assert block.reason is not None and "retrieval tool" in block.reason
    assert result.tools_added == () and result.messages == messages and block.tokens_out == block.tokens_in


def test_whole_requests_get_output_shaping(store: MemoryStore, big_log: str) -> None:
    policy = policy_from_mapping({"shaping": {"enabled": True, "verbosity": "concise"}})
    request = {"model": "m", "messages": openai_chat(big_log)}
    result = compress(request, policy, store=store)
    system = result.messages["messages"][0]["content"]
    assert system.startswith(request["messages"][0]["content"]) and len(system) > len(
        request["messages"][0]["content"]
    )
    assert result.shaping and request["messages"][0]["content"] == openai_chat(big_log)[0]["content"]
    assert compress(openai_chat(big_log), policy, store=store).shaping == (), (
        "bare message lists are not shaped"
    )
