"""One small synthetic fixture per trace format (and per layout variant), for the contract suite.

Every fixture is written here in the format's real shape with invented content. A case says
what the importer must find: tool calls, tool results, the model, whether usage is recorded.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.evals.traces._trace_cases_more import MORE_CASES
from tests.evals.traces._trace_cases_shared import Case, jsonl, write


def _cc(kind: str, uuid: str, message: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": kind,
        "uuid": uuid,
        "sessionId": "s1",
        "timestamp": "2025-01-01T00:00:00Z",
        "message": message,
    }


def claude_code(path: Path) -> Path:
    usage = {"input_tokens": 4, "cache_read_input_tokens": 50, "output_tokens": 9}
    call = {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"command": "ls"}}
    records = [
        {"type": "permission-mode", "permissionMode": "default", "sessionId": "s1"},
        _cc("user", "u1", {"role": "user", "content": "list the files"}),
        _cc(
            "assistant",
            "a1",
            {"id": "m1", "role": "assistant", "model": "claude-x", "content": [call], "usage": usage},
        ),
        _cc(
            "user",
            "u2",
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "toolu_1", "content": "a.py"}],
            },
        ),
        _cc(
            "assistant", "a2", {"id": "m2", "role": "assistant", "model": "claude-x", "content": "One file."}
        ),
    ]
    return jsonl(path / "session.jsonl", records)


def _codex(kind: str, payload: dict[str, Any]) -> dict[str, Any]:
    return {"timestamp": "2025-10-01T00:00:00Z", "type": kind, "payload": payload}


def codex(path: Path) -> Path:
    records = [
        _codex("session_meta", {"id": "sess-1", "cwd": "/repo"}),
        _codex("turn_context", {"model": "gpt-x"}),
        _codex(
            "response_item",
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "go"}]},
        ),
        _codex(
            "response_item", {"type": "function_call", "name": "shell", "arguments": "{}", "call_id": "c1"}
        ),
        _codex("response_item", {"type": "function_call_output", "call_id": "c1", "output": "ok"}),
        _codex(
            "event_msg",
            {"type": "token_count", "info": {"last_token_usage": {"input_tokens": 9, "output_tokens": 2}}},
        ),
    ]
    return jsonl(path / "rollout-2025-10-01.jsonl", records)


def gemini(path: Path) -> Path:
    def use(i: int) -> dict[str, Any]:
        return {
            "type": "tool_use",
            "tool_name": "read_file",
            "tool_id": f"t{i}",
            "parameters": {"file_path": "a"},
        }

    records = [
        {"type": "message", "role": "user", "content": "a prompt the harness logged"},
        {"type": "init", "timestamp": "2026-01-01T00:00:00Z", "session_id": "g1", "model": "gemini-x"},
        {"type": "message", "role": "user", "content": "build it"},
        {"type": "message", "role": "assistant", "content": "Reading ", "delta": True},
        {"type": "message", "role": "assistant", "content": "the file.", "delta": True},
        use(1),
        {"type": "tool_result", "tool_id": "t1", "status": "success", "output": "text"},
        use(2),
        {
            "type": "tool_result",
            "tool_id": "t2",
            "status": "error",
            "error": {"type": "x", "message": "gone"},
        },
        {
            "type": "result",
            "status": "success",
            "stats": {"input_tokens": 30, "cached": 20, "output_tokens": 5},
        },
    ]
    return jsonl(path / "transcript.jsonl", records)


def _event(kind: str, **fields: Any) -> dict[str, Any]:
    raw = {"id": f"sevt_{kind}", "processed_at": "2026-01-01T00:00:00Z", "type": kind, **fields}
    return {
        "role": kind.split(".")[0],
        "kind": kind.split(".")[1],
        "time": "2026-01-01T00:00:00Z",
        "raw": raw,
    }


def managed_agents(path: Path) -> Path:
    usage = {
        "input_tokens": 2,
        "cache_read_input_tokens": 10,
        "cache_creation_input_tokens": 3,
        "output_tokens": 4,
    }
    records = [
        _event("session.status_running"),
        _event("user.message", content=[{"type": "text", "text": "audit the paper"}]),
        _event("span.model_request_start"),
        _event("agent.message", content=[{"type": "text", "text": "Looking."}]),
        {**_event("agent.tool_use", name="bash", input={"command": "ls"}), "tool": "bash"},
        _event("span.model_request_end", model_usage=usage),
        _event(
            "agent.tool_result", tool_use_id="sevt_agent.tool_use", content=[{"type": "text", "text": "a"}]
        ),
        _event("session.usage", usage={"input_tokens": 2, "output_tokens": 4, "cache_read_input_tokens": 10}),
    ]
    return jsonl(path / "transcript.jsonl", records)


def pi(path: Path) -> Path:
    usage = {"input": 7, "output": 3, "cacheRead": 5, "cacheWrite": 0, "totalTokens": 15}
    call = {"type": "toolCall", "id": "call_1", "name": "bash", "arguments": {"command": "ls"}}
    records = [
        {"type": "session", "version": 3, "id": "p1", "timestamp": "2026-01-01T00:00:00Z", "cwd": "/repo"},
        {"type": "model_change", "id": "e1", "parentId": None, "provider": "x", "modelId": "kimi-x"},
        {
            "type": "message",
            "id": "e2",
            "parentId": "e1",
            "message": {"role": "user", "content": [{"type": "text", "text": "why?"}]},
        },
        {
            "type": "message",
            "id": "e3",
            "parentId": "e2",
            "message": {
                "role": "assistant",
                "model": "kimi-x",
                "usage": usage,
                "content": [{"type": "thinking", "thinking": "hm"}, call],
            },
        },
        {
            "type": "message",
            "id": "e4",
            "parentId": "e3",
            "message": {
                "role": "toolResult",
                "toolCallId": "call_1",
                "toolName": "bash",
                "content": [{"type": "text", "text": "a"}],
            },
        },
        {"type": "custom", "customType": "agent_end", "id": "e5", "parentId": "e4", "data": {}},
    ]
    return jsonl(path / "session.jsonl", records)


def opencode(path: Path) -> Path:
    tokens = {"input": 4, "output": 2, "reasoning": 0, "cache": {"read": 6, "write": 1}}
    ids = {"sessionID": "ses_1", "messageID": "msg_2"}
    tool = {"type": "tool", "tool": "bash", "callID": "call_1", **ids}
    parts = [
        {"type": "step-start", **ids},
        {"type": "text", "text": "Running it.", **ids},
        {**tool, "state": {"status": "completed", "input": {"command": "ls"}, "output": "a.py"}},
        {
            **tool,
            "callID": "call_2",
            "state": {"status": "error", "input": {"command": "x"}, "error": "no such"},
        },
        {"type": "step-finish", "tokens": tokens, **ids},
    ]
    data = {
        "info": {
            "id": "ses_1",
            "title": "t",
            "model": {"id": "claude-x", "providerID": "p"},
            "tokens": tokens,
        },
        "messages": [
            {
                "info": {"role": "user", "id": "msg_1", "sessionID": "ses_1"},
                "parts": [{"type": "text", "text": "go", **ids}],
            },
            {"info": {"role": "assistant", "modelID": "claude-x", "tokens": tokens, **ids}, "parts": parts},
        ],
    }
    return write(path / "opencode-session.json", data)


def cline(path: Path) -> Path:
    def say(kind: str, text: str, **extra: Any) -> dict[str, Any]:
        return {"ts": 1, "type": "say", "say": kind, "text": text, **extra}

    request = json.dumps(
        {"request": "<task>", "tokensIn": 3, "tokensOut": 2, "cacheWrites": 1, "cacheReads": 4}
    )
    messages = [
        say("text", "make a server", images=[], files=[]),
        say("api_req_started", request),
        say("checkpoint_created", ""),
        say("text", "Listing first."),
        say("tool", json.dumps({"tool": "listFilesTopLevel", "path": ".", "content": "a.ts"})),
        say("api_req_started", request),
        {"ts": 2, "type": "ask", "ask": "command", "text": "npm test"},
        {"ts": 3, "type": "ask", "ask": "command_output", "text": "1 passed"},
        say("completion_result", "Done."),
    ]
    return write(path / "ui_messages.json", messages)


CASES: tuple[Case, ...] = (
    Case("claude-code", "claude-code", claude_code, calls=1, results=1, model="claude-x", jsonl=True),
    Case("codex", "codex", codex, calls=1, results=1, model="gpt-x", jsonl=True),
    Case("gemini-cli", "gemini-cli", gemini, calls=2, results=2, model="gemini-x", jsonl=True),
    Case("managed-agents", "claude-managed-agents", managed_agents, calls=1, results=1, jsonl=True),
    Case("pi", "pi", pi, calls=1, results=1, model="kimi-x", jsonl=True),
    Case("opencode", "opencode", opencode, calls=2, results=2, model="claude-x"),
    Case("cline", "cline", cline, calls=2, results=2),
    *MORE_CASES,
)
"""Every case; the contract suite checks that each registered importer has at least one."""
