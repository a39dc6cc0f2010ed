"""Output shaping: the verbosity note (cache-safe, once) and effort routing (only on routine turns)."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from headroom.errors import ConfigError
from headroom.messages import MessageFormat
from headroom.policy import Policy, ShapingPolicy, policy_from_mapping, search_space
from headroom.shaping import (
    VERBOSITY_NOTES,
    has_verbosity_note,
    is_routine_continuation,
    note_text,
    shape_request,
)

CHAT, RESPONSES, ANTHROPIC = (
    MessageFormat.OPENAI_CHAT,
    MessageFormat.OPENAI_RESPONSES,
    MessageFormat.ANTHROPIC,
)
SYSTEM = "You are a coding agent. Use the tools."
CALL = {"id": "c1", "type": "function", "function": {"name": "ls", "arguments": "{}"}}


def policy(**shaping: Any) -> Policy:
    return Policy(shaping=ShapingPolicy(**shaping))


CONCISE = policy(verbosity="concise")
ROUTING = policy(effort_routing=True)


def chat(*tail: dict[str, Any], effort: str | None = "high", system: Any = SYSTEM) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [{"role": "system", "content": system}] if system is not None else []
    messages += [{"role": "user", "content": "list the files"}, *tail]
    body: dict[str, Any] = {"model": "gpt-5", "messages": messages}
    if effort is not None:
        body["reasoning_effort"] = effort
    return body


def tool(text: str = "a.py\nb.py", **extra: Any) -> dict[str, Any]:
    return {"role": "tool", "tool_call_id": "c1", "content": text, **extra}


CALLED = {"role": "assistant", "content": None, "tool_calls": [CALL]}


def anthropic(*parts: dict[str, Any], system: Any = SYSTEM, **extra: Any) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": "list the files"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "ls", "input": {}}]},
    ]
    if parts:
        messages.append({"role": "user", "content": list(parts)})
    return {"model": "claude", "system": system, "messages": messages, **extra}


def result(text: Any = "a.py\nb.py", **extra: Any) -> dict[str, Any]:
    return {"type": "tool_result", "tool_use_id": "t1", "content": text, **extra}


def responses(*items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "model": "gpt-5",
        "input": [
            {"role": "user", "content": [{"type": "input_text", "text": "list the files"}]},
            {"type": "function_call", "call_id": "c1", "name": "ls", "arguments": "{}"},
            *items,
        ],
    }
    return {**body, **extra}


OUTPUT = {"type": "function_call_output", "call_id": "c1", "output": "a.py\nb.py"}


# --- verbosity note ---------------------------------------------------------------------------

NOTE_CASES = [
    ("chat string", chat(CALLED, tool()), CHAT),
    ("chat parts", chat(CALLED, tool(), system=[{"type": "text", "text": SYSTEM}]), CHAT),
    ("responses instructions", responses(OUTPUT, instructions=SYSTEM), RESPONSES),
    ("anthropic string", anthropic(result()), ANTHROPIC),
    (
        "anthropic blocks with breakpoint",
        anthropic(
            result(), system=[{"type": "text", "text": SYSTEM, "cache_control": {"type": "ephemeral"}}]
        ),
        ANTHROPIC,
    ),
]


def system_of(body: dict[str, Any], fmt: MessageFormat) -> Any:
    if fmt is ANTHROPIC:
        return body["system"]
    if fmt is RESPONSES:
        return body["instructions"]
    return body["messages"][0]["content"]


def ends_with_note(system: Any, note: str) -> bool:
    """The note is the last thing: the string's tail, or a last block carrying no breakpoint."""
    if isinstance(system, str):
        return system.endswith("\n\n" + note)
    return bool(system[-1]["text"] == note and "cache_control" not in system[-1])


def prefix_bytes(value: Any) -> str:
    """Serialised system prompt without its closing bracket/quote, to compare as a byte prefix."""
    return json.dumps(value)[:-1]


@pytest.mark.parametrize(("name", "body", "fmt"), NOTE_CASES, ids=[c[0] for c in NOTE_CASES])
def test_note_appended_once_at_the_end_keeping_prefix_bytes(
    name: str, body: dict[str, Any], fmt: MessageFormat
) -> None:
    shaped = shape_request(body, fmt, CONCISE)
    before, after = system_of(body, fmt), system_of(shaped.request, fmt)
    assert prefix_bytes(after).startswith(prefix_bytes(before))
    assert ends_with_note(after, note_text(CONCISE.shaping))
    assert shaped.notes and shaped.notes[0].startswith("verbosity:")
    again = shape_request(shaped.request, fmt, CONCISE)
    assert again.request == shaped.request and again.notes == ()


@pytest.mark.parametrize(("name", "body", "fmt"), NOTE_CASES, ids=[c[0] for c in NOTE_CASES])
def test_shaping_never_mutates_the_input(name: str, body: dict[str, Any], fmt: MessageFormat) -> None:
    frozen = copy.deepcopy(body)
    shape_request(body, fmt, policy(verbosity="terse", effort_routing=True))
    assert body == frozen


def test_other_messages_stay_the_same_objects() -> None:
    body = chat(CALLED, tool())
    shaped = shape_request(body, CHAT, CONCISE).request
    assert shaped["messages"][1:] == body["messages"][1:]
    assert all(a is b for a, b in zip(shaped["messages"][1:], body["messages"][1:], strict=True))


def test_a_note_of_another_level_counts_as_present() -> None:
    terse = shape_request(chat(), CHAT, policy(verbosity="terse")).request
    assert shape_request(terse, CHAT, CONCISE).notes == ()


@pytest.mark.parametrize(
    ("body", "fmt", "where"),
    [
        (chat(system=None), CHAT, lambda b: b["messages"][0]),
        (responses(OUTPUT), RESPONSES, lambda b: {"content": b["instructions"]}),
        (anthropic(result(), system=None), ANTHROPIC, lambda b: {"content": b["system"]}),
    ],
)
def test_without_a_system_prompt_one_holding_the_note_is_added(body: Any, fmt: Any, where: Any) -> None:
    shaped = shape_request(body, fmt, CONCISE).request
    assert where(shaped)["content"] == note_text(CONCISE.shaping)


def test_responses_leading_developer_item_gets_the_note() -> None:
    developer = {"role": "developer", "content": [{"type": "input_text", "text": SYSTEM}]}
    body = responses(OUTPUT)
    body["input"] = [developer, *body["input"]]
    shaped = shape_request(body, RESPONSES, CONCISE).request
    assert shaped["input"][0]["content"][0] == developer["content"][0]
    assert shaped["input"][0]["content"][-1]["type"] == "input_text"
    assert has_verbosity_note(shaped["input"][0]["content"][-1]["text"])


def test_off_and_disabled_change_nothing() -> None:
    body = chat(CALLED, tool())
    for chosen in (Policy(), policy(enabled=False, verbosity="terse", effort_routing=True)):
        shaped = shape_request(body, CHAT, chosen)
        assert shaped.request is body and shaped.notes == ()


def test_every_level_and_style_has_a_note() -> None:
    space = search_space(ShapingPolicy)
    for level in space["verbosity"]["choices"]:
        for style in space["note_style"]["choices"]:
            shaping = ShapingPolicy(verbosity=level, note_style=style)
            assert (note_text(shaping) == "") == (level == "off")
    assert set(VERBOSITY_NOTES) == {"concise", "terse"}


# --- effort routing ----------------------------------------------------------------------------

CRITICAL = "FAILED tests/test_a.py::test_x - AssertionError"
EFFORT_CASES: list[tuple[str, dict[str, Any], MessageFormat, Policy, Any]] = [
    ("routine tool result", chat(CALLED, tool()), CHAT, ROUTING, "medium"),
    ("two steps", chat(CALLED, tool()), CHAT, policy(effort_routing=True, effort_steps=2), "low"),
    ("floor stops at low", chat(CALLED, tool(), effort="low"), CHAT, ROUTING, "low"),
    (
        "minimal floor allowed",
        chat(CALLED, tool(), effort="low"),
        CHAT,
        policy(effort_routing=True, min_reasoning_effort="minimal"),
        "minimal",
    ),
    (
        "already minimal",
        chat(CALLED, tool(), effort="minimal"),
        CHAT,
        policy(effort_routing=True, min_reasoning_effort="minimal"),
        "minimal",
    ),
    ("none stays none", chat(CALLED, tool(), effort="none"), CHAT, ROUTING, "none"),
    ("no effort is never set", chat(CALLED, tool(), effort=None), CHAT, ROUTING, None),
    ("new user question", chat(CALLED, tool(), {"role": "user", "content": "why?"}), CHAT, ROUTING, "high"),
    ("first user turn", chat(), CHAT, ROUTING, "high"),
    ("error flag", chat(CALLED, tool(is_error=True)), CHAT, ROUTING, "high"),
    ("critical words", chat(CALLED, tool(CRITICAL)), CHAT, ROUTING, "high"),
    ("routing off", chat(CALLED, tool()), CHAT, Policy(), "high"),
    ("result without a newer call", chat(tool()), CHAT, ROUTING, "high"),
    (
        "assistant text after the result",
        chat(CALLED, tool(), {"role": "assistant", "content": "Here"}),
        CHAT,
        ROUTING,
        "high",
    ),
]


def effort_of(body: dict[str, Any]) -> Any:
    return body.get("reasoning_effort")


@pytest.mark.parametrize(
    ("name", "body", "fmt", "chosen", "expected"), EFFORT_CASES, ids=[c[0] for c in EFFORT_CASES]
)
def test_effort_lowered_only_on_routine_continuations(
    name: str, body: dict[str, Any], fmt: MessageFormat, chosen: Policy, expected: Any
) -> None:
    shaped = shape_request(body, fmt, chosen)
    assert effort_of(shaped.request) == expected
    assert bool(shaped.notes) == (expected != effort_of(body))


ANTHROPIC_CASES: list[tuple[str, dict[str, Any], Any, Any]] = [
    ("thinking halved", anthropic(result(), thinking={"type": "enabled", "budget_tokens": 8000}), 4000, None),
    (
        "thinking floor",
        anthropic(result(), thinking={"type": "enabled", "budget_tokens": 1500}),
        1024,
        None,
    ),
    (
        "thinking at floor",
        anthropic(result(), thinking={"type": "enabled", "budget_tokens": 1024}),
        1024,
        None,
    ),
    ("effort lowered", anthropic(result(), output_config={"effort": "max"}), None, "xhigh"),
    ("effort at lowest", anthropic(result(), output_config={"effort": "low"}), None, "low"),
    (
        "error result",
        anthropic(result(is_error=True), thinking={"type": "enabled", "budget_tokens": 8000}),
        8000,
        None,
    ),
    (
        "tool result plus new question",
        anthropic(result(), {"type": "text", "text": "and now?"}, output_config={"effort": "high"}),
        None,
        "high",
    ),
    (
        "critical list content",
        anthropic(result([{"type": "text", "text": CRITICAL}]), output_config={"effort": "high"}),
        None,
        "high",
    ),
]


@pytest.mark.parametrize(
    ("name", "body", "budget", "effort"), ANTHROPIC_CASES, ids=[c[0] for c in ANTHROPIC_CASES]
)
def test_anthropic_thinking_and_effort(name: str, body: dict[str, Any], budget: Any, effort: Any) -> None:
    shaped = shape_request(body, ANTHROPIC, ROUTING).request
    assert shaped.get("thinking", {}).get("budget_tokens") == budget
    assert shaped.get("output_config", {}).get("effort") == effort


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        ([OUTPUT], "medium"),
        ([{**OUTPUT, "output": CRITICAL}], "high"),
        ([OUTPUT, {"role": "user", "content": "next?"}], "high"),
    ],
)
def test_responses_reasoning_effort(items: list[dict[str, Any]], expected: str) -> None:
    body = responses(*items, reasoning={"effort": "high", "summary": "auto"})
    shaped = shape_request(body, RESPONSES, ROUTING).request
    assert shaped["reasoning"] == {"effort": expected, "summary": "auto"}


@pytest.mark.parametrize("level", ["minimal", "low", "medium", "high", "xhigh"])
def test_effort_is_never_raised(level: str) -> None:
    order = ["minimal", "low", "medium", "high", "xhigh"]
    for steps in (1, 2):
        for floor in ("minimal", "low", "medium"):
            chosen = policy(effort_routing=True, effort_steps=steps, min_reasoning_effort=floor)
            lowered = shape_request(chat(CALLED, tool(), effort=level), CHAT, chosen).request
            assert order.index(lowered["reasoning_effort"]) <= order.index(level)


def test_routine_detection_reads_every_format() -> None:
    assert is_routine_continuation(chat(CALLED, tool(), tool()), CHAT)
    assert not is_routine_continuation(chat(CALLED, tool(), tool(CRITICAL)), CHAT)
    assert is_routine_continuation(anthropic(result()), ANTHROPIC)
    assert not is_routine_continuation(anthropic(), ANTHROPIC)
    assert is_routine_continuation(responses(OUTPUT), RESPONSES)
    assert not is_routine_continuation({"input": "hello"}, RESPONSES)


def test_policy_section_validates_ranges() -> None:
    assert (
        policy_from_mapping({"shaping": {"verbosity": "concise", "effort_steps": 2}}).shaping.effort_steps
        == 2
    )
    with pytest.raises(ConfigError):
        policy_from_mapping({"shaping": {"effort_steps": 3}})
    with pytest.raises(ConfigError):
        policy_from_mapping({"shaping": {"verbosity": "chatty"}})
    with pytest.raises(ConfigError):
        policy_from_mapping({"shaping": {"min_thinking_budget": 100}})
