"""What the newer importers read beyond the contract: runs, branches, usage arithmetic, layouts.

Fixtures come from ``_trace_cases`` (synthetic, in each format's real shape) or are written here.
"""

from __future__ import annotations

import json
from pathlib import Path

from evals.traces import detect_format, load_traces
from tests.evals.traces import _trace_cases as cases
from tests.evals.traces import _trace_cases_more as more
from tests.evals.traces._trace_cases_shared import jsonl


def test_gemini_joins_streamed_deltas_and_reads_session_totals(tmp_path: Path) -> None:
    (trace,) = load_traces(cases.gemini(tmp_path))
    assert [t.role for t in trace.turns] == ["user", "user", "assistant", "tool", "assistant", "tool"]
    assert trace.turns[2].text == "Reading the file." and len(trace.turns[2].tool_calls) == 1
    assert trace.turns[5].is_error and trace.turns[5].text == "gone"
    assert trace.usage is not None and (trace.usage.input_tokens, trace.usage.cache_read_tokens) == (30, 20)
    assert trace.session_id == "g1" and trace.model == "gemini-x"


def test_gemini_file_with_two_runs_gives_two_traces(tmp_path: Path) -> None:
    path = cases.gemini(tmp_path)
    second = {"type": "init", "session_id": "g2", "model": "gemini-y"}
    with path.open("a", encoding="utf-8") as handle:
        handle.write(
            json.dumps(second)
            + "\n"
            + json.dumps({"type": "message", "role": "user", "content": "again"})
            + "\n"
        )
    first, again = load_traces(path)
    assert (first.session_id, again.session_id) == ("g1", "g2") and again.source.endswith("#1")
    assert [t.text for t in again.turns] == ["again"]


def test_managed_agents_usage_per_model_call_and_for_the_session(tmp_path: Path) -> None:
    (trace,) = load_traces(cases.managed_agents(tmp_path))
    assistant = trace.turns[1]
    assert assistant.text == "Looking." and assistant.tool_calls[0].name == "bash"
    assert assistant.usage is not None and assistant.usage.input_tokens == 15
    assert trace.turns[2].tool_call_id == assistant.tool_calls[0].id and trace.turns[2].tool_name == "bash"
    assert trace.usage is not None and trace.usage.input_tokens == 12 and trace.usage.output_tokens == 4


def test_managed_agents_bare_events_import_too(tmp_path: Path) -> None:
    wrapped = cases.managed_agents(tmp_path)
    bare = [json.loads(line)["raw"] for line in wrapped.read_text().splitlines()]
    path = jsonl(tmp_path / "bare.jsonl", bare)
    assert detect_format(path).name == "claude-managed-agents"
    (trace,) = load_traces(path)
    assert trace.tool_calls == 1


def test_pi_adds_the_cache_to_input_and_follows_the_active_branch(tmp_path: Path) -> None:
    path = cases.pi(tmp_path)
    (trace,) = load_traces(path)
    usage = trace.turns[1].usage
    assert usage is not None and (usage.input_tokens, usage.cache_read_tokens) == (12, 5)
    assert trace.session_id == "p1" and trace.metadata["cwd"] == "/repo"
    # A branch from e2: the user retried; the abandoned reply (e3, e4) is not the conversation.
    retry = {
        "type": "message",
        "id": "e6",
        "parentId": "e2",
        "message": {"role": "assistant", "content": [{"type": "text", "text": "Retried."}]},
    }
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(retry) + "\n")
    (branched,) = load_traces(path)
    assert [t.text for t in branched.turns] == ["why?", "Retried."]


def test_opencode_steps_usage_and_errors(tmp_path: Path) -> None:
    (trace,) = load_traces(cases.opencode(tmp_path))
    assert [t.role for t in trace.turns] == ["user", "assistant", "tool", "tool"]
    usage = trace.turns[1].usage
    assert usage is not None and (usage.input_tokens, usage.cache_read_tokens, usage.cache_write_tokens) == (
        11,
        6,
        1,
    )
    assert trace.turns[3].is_error and trace.turns[3].text == "no such"
    assert trace.usage is not None and trace.session_id == "ses_1" and trace.metadata["title"] == "t"


def test_cline_usage_from_api_requests_and_command_output(tmp_path: Path) -> None:
    (trace,) = load_traces(cases.cline(tmp_path))
    assert [t.role for t in trace.turns] == ["user", "assistant", "tool", "assistant", "tool", "assistant"]
    listing, command = trace.turns[1], trace.turns[3]
    assert listing.text == "Listing first." and listing.tool_calls[0].name == "listFilesTopLevel"
    assert listing.usage is not None and listing.usage.input_tokens == 8
    assert json.loads(command.tool_calls[0].arguments) == {"command": "npm test"}
    assert trace.turns[4].text == "1 passed" and trace.turns[-1].text == "Done."


def test_cursor_older_layout_tools(tmp_path: Path) -> None:
    (trace,) = load_traces(more.cursor_old(tmp_path))
    names = [c.name for t in trace.turns for c in t.tool_calls]
    assert names == ["list_dir", "read_file", "run_terminal_cmd", "edit_file"]
    results = [t for t in trace.turns if t.role == "tool"]
    assert results[0].text.startswith("| Name |") and results[1].text == "1 fail"
    assert trace.metadata["title"].startswith("Fix the loader")


def test_cursor_newer_layout_keeps_separators_inside_output_and_drops_thinking(tmp_path: Path) -> None:
    (trace,) = load_traces(more.cursor_new(tmp_path))
    assistant = trace.turns[1]
    assert assistant.text == "Checking the repo." and assistant.model == "gpt-x"
    assert json.loads(assistant.tool_calls[0].arguments)["command"] == "git status"
    assert "---" in trace.turns[2].text and "fatal: not a git repository" in trace.turns[2].text
    assert trace.session_id == "3069ab07-aaaa"


def test_mini_swe_agent_v2_exit_message_is_metadata(tmp_path: Path) -> None:
    (trace,) = load_traces(more.mini_swe_agent_v2(tmp_path))
    assert [t.role for t in trace.turns] == ["system", "user", "assistant", "tool"]
    assert trace.metadata["info"]["exit"]["exit_status"] == "Submitted"


def test_older_swe_agent_observations_and_run_totals(tmp_path: Path) -> None:
    (trace,) = load_traces(more.swe_agent_old(tmp_path))
    assert [t.role for t in trace.turns] == ["system", "user", "assistant", "tool", "assistant", "tool"]
    assert trace.turns[3].tool_call_id == trace.turns[2].tool_calls[0].id
    assert trace.usage is not None and (trace.usage.input_tokens, trace.usage.output_tokens) == (90, 12)


def test_openhands_resolver_record(tmp_path: Path) -> None:
    (trace,) = load_traces(more.openhands_resolver(tmp_path))
    assert [t.role for t in trace.turns] == ["user", "assistant", "tool", "assistant", "tool"]
    assert trace.turns[1].text == "Look first." and json.loads(trace.turns[1].tool_calls[0].arguments) == {
        "command": "ls"
    }
    assert trace.session_id == "o/r#5" and trace.model == "gpt-x" and trace.metadata["success"] is True
    assert trace.usage is not None and trace.usage.cache_read_tokens == 30


def test_mini_swe_agent_2_with_tool_calls_is_told_by_its_info(tmp_path: Path) -> None:
    call = {
        "id": "call_1",
        "type": "function",
        "function": {"name": "bash", "arguments": '{"command": "ls"}'},
    }
    messages = [
        {"role": "system", "content": "You run commands."},
        {"role": "user", "content": "Fix it."},
        {"role": "assistant", "content": "", "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "call_1", "content": "a.py"},
        {"role": "exit", "content": "", "extra": {"exit_status": "Submitted"}},
    ]
    info = {"mini_version": "2.2.4", "config": {"agent_type": "minisweagent.agents.default.DefaultAgent"}}
    path = tmp_path / "tools.traj.json"
    path.write_text(json.dumps({"info": info, "messages": messages}))
    assert detect_format(path).name == "mini-swe-agent"
    (trace,) = load_traces(path)
    assert [t.role for t in trace.turns] == ["system", "user", "assistant", "tool"]
    assert trace.turns[3].tool_call_id == "call_1"
