"""Contract fixtures, continued: evaluation logs, trajectories, request logs and markdown chats."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.evals.traces._trace_cases_shared import Case, jsonl, text, write


def inspect_ai(path: Path) -> Path:
    call = {"id": "c1", "function": "bash", "arguments": {"cmd": "ls"}}
    sample = {
        "id": 1,
        "epoch": 1,
        "messages": [
            {"role": "system", "content": "You are careful."},
            {"role": "user", "content": "list files"},
            {"role": "assistant", "content": "", "tool_calls": [call], "model": "gpt-x"},
            {"role": "tool", "tool_call_id": "c1", "function": "bash", "content": "a.py"},
            {"role": "assistant", "content": [{"type": "text", "text": "One."}]},
        ],
        "output": {"usage": {"input_tokens": 10, "output_tokens": 2, "total_tokens": 12}},
    }
    log = {
        "version": 2,
        "status": "success",
        "eval": {"task": "t", "model": "openai/gpt-x"},
        "samples": [sample],
    }
    return write(path / "log.json", log)


def _oh_meta(call_id: str) -> dict[str, Any]:
    call = {"id": call_id, "type": "function", "function": {"name": "execute_bash", "arguments": "{}"}}
    response = {
        "id": f"resp-{call_id}",
        "model": "claude-x",
        "choices": [{"message": {"role": "assistant", "content": "", "tool_calls": [call]}}],
        "usage": {"prompt_tokens": 30, "completion_tokens": 4},
    }
    return {"function_name": "execute_bash", "tool_call_id": call_id, "model_response": response}


def openhands(path: Path) -> Path:
    events = [
        {"id": 1, "source": "user", "action": "message", "args": {"content": "make dir"}},
        {
            "id": 2,
            "source": "agent",
            "action": "run",
            "tool_call_metadata": _oh_meta("t1"),
            "args": {"command": "mkdir x"},
        },
        {
            "id": 3,
            "source": "agent",
            "observation": "run",
            "content": "ok",
            "tool_call_metadata": _oh_meta("t1"),
        },
        {"id": 4, "source": "agent", "action": "message", "args": {"content": "Done."}},
    ]
    return write(path / "trajectory.json", events)


def openhands_resolver(path: Path) -> Path:
    # The resolver stores events without ``source``, after fields longer than a sniff's prefix.
    history = [
        {"content": "Please fix the issue.", "action": "message", "security_risk": None},
        {"command": "ls", "thought": "Look first.", "action": "run", "is_input": False},
        {"content": "main.go", "command": "ls", "observation": "run", "metadata": {"exit_code": 0}},
        {"path": "a.go", "content": "x", "action": "edit"},
        {"content": "edited", "path": "a.go", "observation": "edit"},
    ]
    usage = {"model": "default", "prompt_tokens": 40, "completion_tokens": 5, "cache_read_tokens": 30}
    record = {
        "issue": {"owner": "o", "repo": "r", "number": 5, "title": "t", "body": "b"},
        "issue_type": "issue",
        "instruction": "Fix it. " * 20000,
        "base_commit": "abc",
        "git_patch": "",
        "history": history,
        "metrics": {"accumulated_token_usage": usage, "costs": [{"model": "gpt-x", "cost": 0.1}]},
        "success": True,
    }
    return jsonl(path / "output.jsonl", [record])


def swe_agent(path: Path) -> Path:
    history = [
        {"role": "system", "content": "You edit code.", "message_type": "system_prompt"},
        {"role": "user", "content": "Fix the bug.", "message_type": "observation"},
        {
            "role": "assistant",
            "content": "Look.",
            "thought": "Look.",
            "action": "ls",
            "message_type": "action",
        },
        {"role": "user", "content": "setup.py", "message_type": "observation"},
    ]
    data = {"trajectory": [{"action": "ls", "observation": "setup.py"}], "history": history, "info": {}}
    return write(path / "run.traj", data)


def swe_agent_old(path: Path) -> Path:
    # Older trajectories: no message_type; the user message after a command is its output.
    history = [
        {"role": "system", "content": "You edit code.", "agent": "primary"},
        {"role": "user", "content": "Fix the bug.", "agent": "primary"},
        {
            "role": "assistant",
            "content": "Open it.",
            "thought": "Open it.",
            "action": "open a.java\n",
            "agent": "primary",
        },
        {"role": "user", "content": "[File: a.java]\n1:", "agent": "primary"},
        {
            "role": "assistant",
            "content": "Done.",
            "thought": "Done.",
            "action": "submit\n",
            "agent": "primary",
        },
        {"role": "user", "content": "diff --git", "agent": "primary"},
    ]
    info = {"exit_status": "submitted", "model_stats": {"tokens_sent": 90, "tokens_received": 12}}
    data = {
        "environment": "swe_main",
        "trajectory": [{"action": "open a.java\n"}],
        "history": history,
        "info": info,
    }
    return write(path / "old.traj", data)


def _mini_messages() -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": "You run bash."},
        {"role": "user", "content": "Fix it."},
        {"role": "assistant", "content": "Look.\n\n```bash\nls\n```"},
        {"role": "user", "content": "<returncode>0</returncode>\n<output>\na.py\n</output>"},
    ]


def mini_swe_agent(path: Path) -> Path:
    info = {"config": {"model": {"model_name": "gpt-x"}}, "model_stats": {"instance_cost": 0.1}}
    return write(
        path / "run.traj.json",
        {"info": info, "messages": _mini_messages(), "trajectory_format": "mini-swe-agent-1"},
    )


def mini_swe_agent_v2(path: Path) -> Path:
    usage = {"prompt_tokens": 20, "completion_tokens": 3}
    messages = _mini_messages()
    messages[2] = {
        "role": "assistant",
        "content": "Look.\n\n```mswea_bash_command\nls\n```",
        "extra": {"response": {"model": "gpt-x", "usage": usage}},
    }
    messages.append({"role": "exit", "content": "", "extra": {"exit_status": "Submitted", "submission": ""}})
    info = {"mini_version": "2.2.4", "config": {"model": {"model_name": "gpt-x"}}, "exit_status": "Submitted"}
    data = {"info": info, "messages": messages, "trajectory_format": "mini-swe-agent-1.1"}
    return write(path / "v2.traj.json", data)


def tau_bench(path: Path) -> Path:
    call = {"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}
    traj = [
        {"role": "user", "content": "book a flight"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "name": "lookup", "content": "AB12"},
    ]
    return write(path / "tau.json", {"task_id": 3, "reward": 1.0, "traj": traj, "trial": 0})


def anthropic_log(path: Path) -> Path:
    messages = [
        {"role": "user", "content": "list"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "u1", "name": "ls", "input": {}}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "u1", "content": "a"}]},
    ]
    response = {
        "model": "claude-x",
        "content": [{"type": "text", "text": "One."}],
        "usage": {"input_tokens": 5, "output_tokens": 1},
    }
    record = {"model": "claude-x", "system": "Be brief.", "messages": messages, "response": response}
    return jsonl(path / "requests.jsonl", [record, record])


def responses_log(path: Path) -> Path:
    items = [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "list"}]},
        {"type": "function_call", "name": "ls", "arguments": "{}", "call_id": "f1"},
        {"type": "function_call_output", "call_id": "f1", "output": "a"},
    ]
    response = {"model": "gpt-x", "output": [], "usage": {"input_tokens": 5, "output_tokens": 1}}
    record = {"model": "gpt-x", "instructions": "Be brief.", "input": items, "response": response}
    return jsonl(path / "responses.jsonl", [record, record])


def chat_log(path: Path) -> Path:
    call = {"id": "c1", "type": "function", "function": {"name": "ls", "arguments": "{}"}}
    messages = [
        {"role": "user", "content": "list"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "c1", "content": "a"},
    ]
    response = {
        "model": "gpt-x",
        "choices": [{"message": {"content": "One."}}],
        "usage": {"prompt_tokens": 5, "completion_tokens": 1},
    }
    record = {"model": "gpt-x", "messages": messages, "response": response}
    return jsonl(path / "chat.jsonl", [record, record])


def cursor_old(path: Path) -> Path:
    body = [
        "<!-- Generated by SpecStory -->",
        "",
        "# Fix the loader (2025-04-30 15:35:43)",
        "",
        "_**User**_",
        "",
        "fix the loader",
        "",
        "---",
        "",
        "_**Assistant**_",
        "",
        "Let me look.",
        "",
        "---",
        "",
        "<details>",
        "            <summary>Listed directory src • **2** results</summary>",
        "",
        "| Name |",
        "|-------|",
        "| `a.ts` |",
        "",
        "</details>",
        "",
        "---",
        "",
        "Read file: src/a.ts",
        "",
        "---",
        "",
        "```bash",
        "bun test",
        "```",
        "",
        "```",
        "1 fail",
        "```",
        "",
        "---",
        "",
        "```diff",
        "- old",
        "+ new",
        "```",
        "",
        "---",
        "",
    ]
    return text(path / "2025-04-30_19-35-fix.md", "\n".join(body))


def cursor_new(path: Path) -> Path:
    body = [
        "<!-- Generated by SpecStory, Markdown v2.1.0 -->",
        "",
        "<!-- cursor Session 3069ab07-aaaa (2026-01-03 12:46Z) -->",
        "",
        "# Build a map (2026-01-03 12:46Z)",
        "",
        "_**User (2026-01-03 12:46Z)**_",
        "",
        "build a map app",
        "",
        "---",
        "",
        "_**Agent (model gpt-x, mode Agent)**_",
        "",
        "<think><details><summary>Thought Process</summary>planning</details></think>",
        "",
        "Checking the repo.",
        "",
        "---",
        "",
        '<tool-use data-tool-type="shell" data-tool-name="run_terminal_cmd">',
        "<details><summary>Tool use: **run_terminal_cmd** • Run command: git status</summary>",
        "",
        "```bash",
        "git status",
        "```",
        "",
        "```",
        "fatal: not a git repository",
        "",
        "---",
        "```",
        "</details>",
        "</tool-use>",
        "",
        "---",
        "",
        '<tool-use data-tool-type="read" data-tool-name="read_file">',
        "<details><summary>Tool use: **read_file** • Read file: app.tsx</summary>",
        "",
        "</details>",
        "</tool-use>",
        "",
        "---",
        "",
        '<tool-use data-tool-type="write" data-tool-name="search_replace">',
        "",
        "<details><summary>Tool use: **search_replace** • Edit file: app.tsx</summary>",
        "",
        "**Chunk 1**",
        "```diff",
        "- a",
        "+ b",
        "```",
        "</details>",
        "</tool-use>",
        "",
        "---",
        "",
    ]
    return text(path / "2026-01-03_12-46Z-map.md", "\n".join(body))


def aider(path: Path) -> Path:
    body = [
        "# aider chat started at 2024-08-06 10:00:00",
        "",
        "> Aider v0.48.1",
        "> Model: gpt-x with diff edit format",
        "",
        "#### add a test",
        "",
        "Here is the test.",
        "",
        "> Tokens: 1.2k sent, 50 received.",
        "> Applied edit to test_a.py",
        "",
        "#### /run pytest",
        "",
        "> 1 passed",
        "",
    ]
    return text(path / ".aider.chat.history.md", "\n".join(body))


MORE_CASES: tuple[Case, ...] = (
    Case("inspect-ai", "inspect-ai", inspect_ai, calls=1, results=1, model="openai/gpt-x"),
    Case("openhands", "openhands", openhands, calls=1, results=1, model="claude-x"),
    Case(
        "openhands-resolver", "openhands", openhands_resolver, calls=2, results=2, model="gpt-x", jsonl=True
    ),
    Case("swe-agent", "swe-agent", swe_agent, calls=1, results=1, usage=False),
    Case("swe-agent-old", "swe-agent", swe_agent_old, calls=2, results=2),
    Case("mini-swe-agent", "mini-swe-agent", mini_swe_agent, calls=1, results=1, model="gpt-x", usage=False),
    Case("mini-swe-agent-v2", "mini-swe-agent", mini_swe_agent_v2, calls=1, results=1, model="gpt-x"),
    Case("tau-bench", "tau-bench", tau_bench, calls=1, results=1, usage=False),
    Case(
        "anthropic-messages",
        "anthropic-messages",
        anthropic_log,
        calls=2,
        results=2,
        model="claude-x",
        jsonl=True,
    ),
    Case(
        "openai-responses", "openai-responses", responses_log, calls=2, results=2, model="gpt-x", jsonl=True
    ),
    Case("openai-chat", "openai-chat", chat_log, calls=2, results=2, model="gpt-x", jsonl=True),
    Case("cursor-specstory-old", "cursor-specstory", cursor_old, calls=4, results=2, usage=False),
    Case(
        "cursor-specstory-new", "cursor-specstory", cursor_new, calls=3, results=1, model="gpt-x", usage=False
    ),
    Case("aider", "aider", aider, calls=0, results=3, model="gpt-x"),
)
