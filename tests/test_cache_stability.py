"""A conversation that grows by turns re-sends its earlier blocks byte-identical (prompt caches hit)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from headroom import compress
from headroom.ccr import MemoryStore
from tests.conftest import make_log


def _module(names: list[str]) -> str:
    body = "\n".join(f"    total = total + {i} * value\n    value = value - {i}" for i in range(8))
    return "\n\n".join(f"def {name}(value):\n    total = 0\n{body}\n    return total\n" for name in names)


CODE = _module(["load_config", "parse_rows", "render_page", "send_mail"])
TEXTS = [CODE, make_log(80), json.dumps([{"id": i, "name": f"user{i}", "ok": i % 3 == 0} for i in range(40)])]


def _call(step: int, text: str) -> list[dict[str, Any]]:
    call = {"id": f"c{step}", "type": "function", "function": {"name": "cat", "arguments": "{}"}}
    return [
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": f"c{step}", "content": text},
    ]


def test_latest_assistant_text_does_not_change_an_older_tool_result() -> None:
    store = MemoryStore()
    first = [{"role": "user", "content": "Read the module."}, *_call(0, CODE)]
    before = compress(first, store=store)
    grown = [*first, {"role": "assistant", "content": "I will now edit parse_rows and render_page."}]
    after = compress(grown, store=store)
    assert json.dumps(after.messages[:3]) == json.dumps(before.messages[:3])


TURNS = st.one_of(
    st.tuples(st.just("user"), st.sampled_from(["Why?", "Fix parse_rows", "Look at load_config"])),
    st.tuples(
        st.just("assistant"), st.sampled_from(["Editing send_mail now.", "Done.", "render_page is wrong"])
    ),
    st.tuples(st.just("tool"), st.integers(0, len(TEXTS) - 1)),
)


def _messages(turns: list[tuple[str, Any]]) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = [{"role": "user", "content": "Start."}]
    for step, (role, value) in enumerate(turns):
        if role == "tool":
            messages += _call(step, TEXTS[value])
        else:
            messages.append({"role": role, "content": value})
    return messages


@settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(TURNS, max_size=4), st.lists(TURNS, min_size=1, max_size=3))
def test_appending_turns_keeps_every_earlier_block(prefix: list[Any], suffix: list[Any]) -> None:
    store = MemoryStore()
    short = _messages(prefix)
    grown = [*short, *_messages(suffix)[1:]]
    before = compress(short, store=store).messages
    after = compress(grown, store=store).messages[: len(short)]
    assert [json.dumps(m) for m in after] == [json.dumps(m) for m in before]
