"""Session ids: from the agents' headers, else a fingerprint; per-session counts and retrieval tool changes."""

from __future__ import annotations

import copy
import json
from typing import Any

import anthropic
import httpx

from headroom.messages import MessageFormat
from headroom.proxy._session import Sessions, fingerprint, header_session
from headroom.testing.upstream import BackgroundServer, FakeUpstream
from tests.proxy.conftest import LOG, json_reply

REPLY = {
    "id": "msg_1",
    "type": "message",
    "role": "assistant",
    "model": "m",
    "content": [{"type": "text", "text": "ok"}],
    "stop_reason": "end_turn",
    "stop_sequence": None,
    "usage": {"input_tokens": 1, "output_tokens": 1},
}


def test_the_header_chain_decides_in_order() -> None:
    assert header_session([("X-Headroom-Session-Id", "mine"), ("session_id", "codex-1")]) == "codex-1"
    assert (
        header_session([("conversation_id", "c"), ("X-Claude-Code-Session-Id", "cc-9"), ("session_id", "s")])
        == "cc-9"
    )
    assert header_session([("x-headroom-session-id", "mine")]) == "mine"
    assert header_session([("x-headroom-session-id", "  "), ("user-agent", "x")]) is None


def _turn(n: int) -> dict[str, Any]:
    """Turn ``n`` of one Claude Code-like conversation: the cache mark sits on the newest message."""
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": [{"type": "text", "text": "Fix the build."}]},
    ]
    for i in range(n):
        messages += [
            {"role": "assistant", "content": [{"type": "text", "text": f"step {i}"}]},
            {"role": "user", "content": [{"type": "text", "text": f"result {i}"}]},
        ]
    messages[-1]["content"][-1]["cache_control"] = {"type": "ephemeral"}
    return {
        "model": "claude-x",
        "system": [{"type": "text", "text": "You are a coder."}],
        "messages": messages,
    }


def test_the_fingerprint_is_the_same_on_every_turn_of_a_conversation() -> None:
    first = fingerprint(_turn(0), MessageFormat.ANTHROPIC)
    assert first == fingerprint(_turn(3), MessageFormat.ANTHROPIC) and first.startswith("h")
    other = copy.deepcopy(_turn(3))
    other["messages"][0]["content"][0]["text"] = "Write the docs."
    assert fingerprint(other, MessageFormat.ANTHROPIC) != first
    chat = {"model": "g", "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "q"}]}
    longer = {**chat, "messages": [*chat["messages"], {"role": "assistant", "content": "a"}]}
    assert fingerprint(chat, MessageFormat.OPENAI_CHAT) == fingerprint(longer, MessageFormat.OPENAI_CHAT)
    responses = {"model": "g", "instructions": "i", "input": "q"}
    assert fingerprint(responses, MessageFormat.OPENAI_RESPONSES) != fingerprint(
        {**responses, "instructions": "j"}, MessageFormat.OPENAI_RESPONSES
    )


def test_sessions_count_the_tool_coming_and_going_and_stay_bounded() -> None:
    sessions = Sessions(limit=2)
    assert sessions.record("a", 100, 40, False) is None
    assert sessions.record("a", 100, 40, True) == "added"
    assert sessions.record("a", 100, 40, True) is None
    assert sessions.record("a", 100, 90, None) is None  # a fail-open request says nothing about the tool
    assert sessions.record("a", 100, 90, False) == "removed"
    sessions.record("b", 1, 1, None)
    sessions.record("c", 1, 1, None)
    summary = sessions.summary()
    assert summary["tracked"] == 2 and [s["id"] for s in summary["recent"]] == ["c", "b"]


def _tool_changes(proxy: BackgroundServer) -> dict[str, float]:
    found = {}
    for line in httpx.get(f"{proxy.url}/metrics").text.splitlines():
        if line.startswith("headroom_retrieval_tool_changes_total{"):
            found[line.split('"')[1]] = float(line.split()[-1])
    return found


def test_the_proxy_labels_each_response_and_watches_the_tool_per_session(
    fake: FakeUpstream, proxy: BackgroundServer
) -> None:
    fake.script("/v1/messages", json_reply(REPLY))
    before = _tool_changes(proxy)
    session = {"x-claude-code-session-id": "cc-session-42"}
    client = anthropic.Anthropic(base_url=proxy.url, api_key="k", max_retries=0, default_headers=session)
    conversation: list[Any] = [
        {"role": "user", "content": "Why did the build fail?"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "bash", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t1", "content": LOG}]},
    ]
    raw = client.messages.with_raw_response.create(model="m", max_tokens=5, messages=conversation)
    assert raw.headers["x-headroom-session-id"] == "cc-session-42"
    assert raw.headers["x-headroom-request-id"].startswith("hr-")
    assert any(t["name"] == "headroom_retrieve" for t in json.loads(fake.requests[-1].body)["tools"])
    # tool_choice none: the model cannot call the tool, so this turn is compressed without markers.
    client.messages.create(
        model="m", max_tokens=5, messages=conversation, tools=[], tool_choice={"type": "none"}
    )
    after = _tool_changes(proxy)
    assert after.get("added", 0) - before.get("added", 0) == 1
    assert after.get("removed", 0) - before.get("removed", 0) == 1
    health = httpx.get(f"{proxy.url}/health").json()
    mine = next(s for s in health["sessions"]["recent"] if s["id"] == "cc-session-42")
    assert mine["requests"] == 2 and mine["tool_removals"] == 1 and mine["tokens_in"] > mine["tokens_out"]

    anonymous = anthropic.Anthropic(base_url=proxy.url, api_key="k", max_retries=0)
    one = anonymous.messages.with_raw_response.create(
        model="m", max_tokens=5, messages=[{"role": "user", "content": "hi"}]
    )
    two = anonymous.messages.with_raw_response.create(
        model="m",
        max_tokens=5,
        messages=[
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": "hello"},
            {"role": "user", "content": "more"},
        ],
    )
    assert one.headers["x-headroom-session-id"] == two.headers["x-headroom-session-id"]
    assert one.headers["x-headroom-session-id"].startswith("h")
    assert "x-headroom-session-id" not in {k for k, _ in fake.requests[-1].headers}
