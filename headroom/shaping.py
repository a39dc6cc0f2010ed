"""Output shaping: a verbosity note and effort routing, applied to a provider request body.

Both act on the request, not on the conversation's content, and both are pure: the input
request is never mutated; untouched parts of the returned request are the same objects.

**Verbosity note.** Providers cache prompts by prefix (OpenAI automatically, Anthropic up to
``cache_control`` breakpoints), so the note goes where it changes the fewest cached bytes and
stays byte-identical from turn to turn:

- Anthropic: ``system`` as a list of blocks gets one new text block *after* every existing
  block (a breakpoint on the last original block still covers the same bytes); a string
  ``system`` gets the note appended to its end (its bytes stay a prefix).
- OpenAI Chat: the note is appended to the last message of the leading run of
  ``system``/``developer`` messages (a new text part when the content is a list).
- OpenAI Responses: appended to ``instructions`` when it is set, else to the leading
  system/developer input item.

With no system prompt at all, one holding only the note is added. The note is the same on
every turn of a policy, so from the second turn on every prefix hits again; it is never
appended twice (any known note, of any level or style, counts as present).

**Effort routing.** A turn that only continues after a routine tool result (the request ends
with tool results, none an error or holding critical words, all answering a tool call newer
than the latest user text) rarely needs deep reasoning. On such turns an explicit OpenAI
``reasoning_effort`` / Responses ``reasoning.effort`` / Anthropic ``output_config.effort`` is
lowered by ``effort_steps`` levels and an Anthropic ``thinking.budget_tokens`` is halved per
step (not below ``min_thinking_budget``). An effort the request does not state is left
unset (the model's default is unknown here), and nothing is ever raised. Caveat, measured
by the shaping study rather than assumed away: some providers key their cache on the
thinking/effort settings (Anthropic documents that a changed thinking budget invalidates
message-level cache breakpoints), so routing trades cached input for output tokens.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from headroom.critical import is_critical
from headroom.messages import MessageFormat, adapter_for
from headroom.policy import Policy, ShapingPolicy

VERBOSITY_NOTES: Mapping[str, Mapping[str, str]] = {
    "concise": {
        "plain": (
            "Be concise: answer directly, skip preamble and recaps, and do not narrate tool calls "
            "or restate the question."
        ),
        "bullets": (
            "Keep replies short: lead with the answer, then at most a few brief bullet points; "
            "no preamble, no recap."
        ),
        "budget": "Keep each reply under about 150 words unless the task truly needs more; no preamble.",
    },
    "terse": {
        "plain": "Be terse: reply with the answer only, in as few words as possible.",
        "bullets": "Reply with the answer only, as fragments or a few bullets; explain nothing unless asked.",
        "budget": "Keep each reply under about 40 words: the answer only.",
    },
}
"""The note text per verbosity level and style (``ShapingPolicy.note_style``)."""

OPENAI_EFFORTS = ("minimal", "low", "medium", "high", "xhigh")
"""OpenAI reasoning efforts, lowest first (``none`` is left alone: it is already off)."""
ANTHROPIC_EFFORTS = ("low", "medium", "high", "xhigh", "max")
"""Anthropic ``output_config.effort`` levels, lowest first."""

_SYSTEM_ROLES = frozenset({"system", "developer"})
_SEPARATOR = "\n\n"

EventKind = Literal["user_text", "assistant_text", "tool_call", "tool_result"]


@dataclass(frozen=True)
class _Event:
    kind: EventKind
    text: str = ""
    is_error: bool = False


@dataclass(frozen=True)
class ShapedRequest:
    """The shaped request and what was done to it (empty ``notes``: returned unchanged)."""

    request: dict[str, Any]
    notes: tuple[str, ...] = ()


def shape_request(request: dict[str, Any], fmt: MessageFormat, policy: Policy) -> ShapedRequest:
    """Apply the verbosity note and effort routing of ``policy.shaping`` to a request body."""
    shaping = policy.shaping
    if not shaping.enabled:
        return ShapedRequest(request)
    out, notes = request, []
    if shaping.verbosity != "off":
        out, note = add_verbosity_note(out, fmt, note_text(shaping))
        notes.extend([note] if note else [])
    if shaping.effort_routing and is_routine_continuation(out, fmt):
        out, lowered = lower_effort(out, shaping)
        notes.extend(lowered)
    return ShapedRequest(out, tuple(notes))


def note_text(shaping: ShapingPolicy) -> str:
    """The note a policy asks for ('' when verbosity is off)."""
    if shaping.verbosity == "off":
        return ""
    return VERBOSITY_NOTES[shaping.verbosity][shaping.note_style]


def has_verbosity_note(text: str) -> bool:
    """Whether ``text`` already holds any known verbosity note."""
    return any(note in text for styles in VERBOSITY_NOTES.values() for note in styles.values())


# --- verbosity note -----------------------------------------------------------------------


def add_verbosity_note(request: dict[str, Any], fmt: MessageFormat, note: str) -> tuple[dict[str, Any], str]:
    """``(request, what was done)``: the note appended to the end of the system prompt once."""
    if not note:
        return request, ""
    if has_verbosity_note(_system_text(request, fmt)):
        return request, ""
    writer = {
        MessageFormat.OPENAI_CHAT: _note_chat,
        MessageFormat.OPENAI_RESPONSES: _note_responses,
        MessageFormat.ANTHROPIC: _note_anthropic,
    }[fmt]
    return writer(request, note)


def _system_text(request: Mapping[str, Any], fmt: MessageFormat) -> str:
    parts: list[str] = [_content_text(request.get("system")), _content_text(request.get("instructions"))]
    items = request.get(adapter_for(fmt).messages_keys[0])
    if isinstance(items, list):
        parts.extend(_content_text(m.get("content")) for m in items[: _leading_system(items)])
    return "\n".join(parts)


def _leading_system(items: list[Any]) -> int:
    """How many items at the start are system/developer messages."""
    count = 0
    for item in items:
        if not (isinstance(item, dict) and item.get("role") in _SYSTEM_ROLES):
            break
        count += 1
    return count


def _content_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        texts = (p.get("text") for p in content if isinstance(p, dict))
        return "\n".join(t for t in texts if isinstance(t, str))
    return ""


def _appended(content: Any, note: str, part_type: str) -> Any:
    """``content`` with the note at its end, keeping its shape (string or list of parts)."""
    if isinstance(content, str) and content:
        return content + _SEPARATOR + note
    if isinstance(content, list):
        return [*content, {"type": part_type, "text": note}]
    return note


def _note_in_messages(
    request: dict[str, Any], key: str, note: str, part_type: str
) -> tuple[dict[str, Any], str]:
    items = request.get(key)
    items = items if isinstance(items, list) else []
    leading = _leading_system(items)
    out = dict(request)
    if leading == 0:
        out[key] = [{"role": "system", "content": note}, *items]
        return out, "verbosity: system message holding the note added"
    target = dict(items[leading - 1])
    target["content"] = _appended(target.get("content"), note, part_type)
    out[key] = [*items[: leading - 1], target, *items[leading:]]
    return out, f"verbosity: note appended to {target['role']} message {leading - 1}"


def _note_chat(request: dict[str, Any], note: str) -> tuple[dict[str, Any], str]:
    return _note_in_messages(request, "messages", note, "text")


def _note_responses(request: dict[str, Any], note: str) -> tuple[dict[str, Any], str]:
    instructions = request.get("instructions")
    items = request.get("input")
    has_leading = isinstance(items, list) and _leading_system(items) > 0
    if (isinstance(instructions, str) and instructions) or not has_leading:
        out = dict(request)
        out["instructions"] = _appended(instructions if isinstance(instructions, str) else None, note, "")
        return out, "verbosity: note appended to instructions"
    return _note_in_messages(request, "input", note, "input_text")


def _note_anthropic(request: dict[str, Any], note: str) -> tuple[dict[str, Any], str]:
    out = dict(request)
    out["system"] = _appended(request.get("system"), note, "text")
    return out, "verbosity: note appended to system"


# --- routine continuations ----------------------------------------------------------------


def is_routine_continuation(request: Mapping[str, Any], fmt: MessageFormat) -> bool:
    """Whether the request only continues after routine tool results.

    True when it ends with one or more tool results (nothing after them, not even assistant
    text), none flagged as an error or holding critical words, and a tool call is newer than
    the latest user text.
    """
    events = list(_events(request, fmt))
    trailing = 0
    while trailing < len(events) and events[-1 - trailing].kind == "tool_result":
        trailing += 1
    if trailing == 0:
        return False
    if any(e.is_error or is_critical(e.text) for e in events[len(events) - trailing :]):
        return False
    last_user = max((i for i, e in enumerate(events) if e.kind == "user_text"), default=-1)
    last_call = max((i for i, e in enumerate(events) if e.kind == "tool_call"), default=-1)
    return last_call > last_user


def _events(request: Mapping[str, Any], fmt: MessageFormat) -> Iterator[_Event]:
    if fmt is MessageFormat.OPENAI_RESPONSES:
        items = request.get("input")
        if isinstance(items, str):
            yield _Event("user_text", items)
            return
        yield from _responses_events(items if isinstance(items, list) else [])
        return
    messages = request.get("messages")
    messages = messages if isinstance(messages, list) else []
    reader = _anthropic_events if fmt is MessageFormat.ANTHROPIC else _chat_events
    for message in messages:
        if isinstance(message, dict):
            yield from reader(message)


def _chat_events(message: Mapping[str, Any]) -> Iterator[_Event]:
    role = message.get("role")
    content = message.get("content")
    if role in {"tool", "function"}:
        yield _Event("tool_result", _content_text(content), bool(message.get("is_error")))
    elif role == "user" and _content_text(content).strip():
        yield _Event("user_text", _content_text(content))
    elif role == "assistant":
        yield _Event("tool_call" if message.get("tool_calls") else "assistant_text")


def _responses_events(items: list[Any]) -> Iterator[_Event]:
    for item in items:
        if not isinstance(item, dict):
            continue
        kind = item.get("type", "message")
        if kind in {"function_call", "custom_tool_call"}:
            yield _Event("tool_call")
        elif kind in {"function_call_output", "custom_tool_call_output"}:
            yield _Event("tool_result", _content_text(item.get("output")))
        elif kind == "message" and item.get("role") == "assistant":
            yield _Event("assistant_text")
        elif kind == "message" and item.get("role") == "user" and _content_text(item.get("content")).strip():
            yield _Event("user_text", _content_text(item.get("content")))


def _anthropic_events(message: Mapping[str, Any]) -> Iterator[_Event]:
    content = message.get("content")
    role = message.get("role")
    if not isinstance(content, list):
        if role in {"user", "assistant"} and _content_text(content).strip():
            yield _Event("user_text" if role == "user" else "assistant_text", _content_text(content))
        return
    for part in content:
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind == "tool_use":
            yield _Event("tool_call")
        elif kind == "tool_result":
            inner = part.get("content")
            yield _Event("tool_result", _content_text(inner), bool(part.get("is_error")))
        elif kind == "text" and str(part.get("text", "")).strip():
            yield _Event("user_text" if role == "user" else "assistant_text", str(part["text"]))


# --- effort -------------------------------------------------------------------------------


def lower_effort(request: dict[str, Any], shaping: ShapingPolicy) -> tuple[dict[str, Any], list[str]]:
    """``(request, notes)`` with every explicit effort setting lowered; never raised."""
    out, notes = dict(request), []
    steps = shaping.effort_steps
    floor = OPENAI_EFFORTS.index(shaping.min_reasoning_effort)
    value = request.get("reasoning_effort")
    lowered = _lower_level(value, OPENAI_EFFORTS, steps, floor)
    if lowered is not None:
        out["reasoning_effort"] = lowered
        notes.append(f"effort: reasoning_effort {value} -> {lowered}")
    for key, ladder, lowest in (
        ("reasoning", OPENAI_EFFORTS, floor),
        ("output_config", ANTHROPIC_EFFORTS, 0),
    ):
        section = request.get(key)
        if isinstance(section, dict):
            lowered = _lower_level(section.get("effort"), ladder, steps, lowest)
            if lowered is not None:
                out[key] = {**section, "effort": lowered}
                notes.append(f"effort: {key}.effort {section.get('effort')} -> {lowered}")
    notes.extend(_lower_thinking(out, request.get("thinking"), shaping))
    return (out, notes) if notes else (request, [])


def _lower_level(value: Any, ladder: tuple[str, ...], steps: int, floor: int) -> str | None:
    """The lowered level, or None when ``value`` is unknown or already at/below the floor."""
    if value not in ladder:
        return None
    index = ladder.index(value)
    target = max(index - steps, floor)
    return ladder[target] if target < index else None


def _lower_thinking(out: dict[str, Any], thinking: Any, shaping: ShapingPolicy) -> list[str]:
    if not isinstance(thinking, dict) or thinking.get("type") != "enabled":
        return []
    budget = thinking.get("budget_tokens")
    if not isinstance(budget, int) or isinstance(budget, bool):
        return []
    lowered = max(budget >> shaping.effort_steps, shaping.min_thinking_budget)
    if lowered >= budget:
        return []
    out["thinking"] = {**thinking, "budget_tokens": lowered}
    return [f"effort: thinking.budget_tokens {budget} -> {lowered}"]


__all__ = [
    "ANTHROPIC_EFFORTS",
    "OPENAI_EFFORTS",
    "VERBOSITY_NOTES",
    "ShapedRequest",
    "add_verbosity_note",
    "has_verbosity_note",
    "is_routine_continuation",
    "lower_effort",
    "note_text",
    "shape_request",
]
