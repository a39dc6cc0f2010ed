"""Opt-in injection: relevant facts after the frozen prefix, in each provider's shape, within budget."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from headroom.memory import SqliteMemory, inject
from headroom.policy import policy_from_mapping
from headroom.tokens import count_tokens

P = "git:example.com/team/alpha"
FACTS = [
    "Database migrations run with alembic upgrade head; the alembic config is in db/alembic.ini.",
    "The frontend is built with pnpm build and served from web/dist.",
    "Flaky test: tests/test_payments.py::test_refund fails under load; rerun once.",
]


@pytest.fixture
def store(tmp_path: Path) -> SqliteMemory:
    memory = SqliteMemory(tmp_path / "m.sqlite3")
    for fact in FACTS:
        memory.save(P, fact, agent="claude-code")
    return memory


def _dump(messages: list[dict[str, Any]]) -> str:
    return json.dumps(messages, sort_keys=True)


def test_openai_chat_gets_facts_on_the_latest_user_message_and_the_prefix_is_untouched(
    store: SqliteMemory,
) -> None:
    messages = [
        {"role": "system", "content": "You are a coding agent."},
        {"role": "user", "content": "set up the project"},
        {"role": "assistant", "content": "done"},
        {"role": "user", "content": "the alembic migration fails, how do I run it?"},
    ]
    before = copy.deepcopy(messages)
    done = inject(messages, store, P, budget=300)
    assert messages == before, "the input must not change"
    assert _dump(done.messages[:3]) == _dump(before[:3])
    assert done.messages[3]["content"].startswith(before[3]["content"] + "\n\n<memory")
    assert [f.content for f in done.facts][:1] == [FACTS[0]] and FACTS[0] in done.messages[3]["content"]
    added = count_tokens(done.messages[3]["content"]) - count_tokens(before[3]["content"])
    assert 0 < done.tokens <= 300 and abs(done.tokens - added) <= 2


def test_anthropic_tool_results_get_a_text_block_after_them(store: SqliteMemory) -> None:
    result = {
        "type": "tool_result",
        "tool_use_id": "t1",
        "content": "FAILED tests/test_payments.py::test_refund",
    }
    messages = [
        {"role": "user", "content": [{"type": "text", "text": "why does test_refund fail?"}]},
        {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "bash", "input": {}}]},
        {"role": "user", "content": [result]},
    ]
    done = inject(messages, store, P, budget=300)
    assert done.messages[2]["content"][0] == result
    assert (
        done.messages[2]["content"][1]["type"] == "text"
        and FACTS[2] in done.messages[2]["content"][1]["text"]
    )


def test_openai_responses_get_a_new_user_item_after_a_tool_output(store: SqliteMemory) -> None:
    messages: list[dict[str, Any]] = [
        {"role": "user", "content": [{"type": "input_text", "text": "build the frontend with pnpm"}]},
        {"type": "function_call", "call_id": "c1", "name": "shell", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c1", "output": "ok"},
    ]
    done = inject(messages, store, P, budget=300)
    assert done.messages[:3] == messages and len(done.messages) == 4
    added = done.messages[3]
    assert added["role"] == "user" and added["content"][0]["type"] == "input_text"
    assert FACTS[1] in added["content"][0]["text"]


def test_nothing_is_injected_when_it_cannot_be_done_safely(store: SqliteMemory) -> None:
    messages = [{"role": "user", "content": "how do I run the alembic migrations?"}]
    frozen = policy_from_mapping({"live_zone": {"frozen_messages": 5}})
    cases = {
        "the whole conversation is frozen prefix": inject(messages, store, P, policy=frozen),
        "no relevant fact fits the budget": inject(messages, store, P, budget=10),
        "no user text to search the memory with": inject([{"role": "assistant", "content": "hi"}], store, P),
        "no messages": inject([], store, P),
    }
    for reason, done in cases.items():
        assert done.reason == reason and done.tokens == 0 and done.facts == ()
    assert inject(messages, store, "dir:/elsewhere").reason == "no relevant fact fits the budget"


def test_the_budget_bounds_the_block_and_an_explicit_query_wins(store: SqliteMemory) -> None:
    messages = [{"role": "user", "content": "hello"}]
    wide = inject(messages, store, P, budget=1000, query="alembic pnpm flaky test")
    assert len(wide.facts) == 3
    narrow = inject(messages, store, P, budget=wide.tokens - 5, query="alembic pnpm flaky test")
    assert 0 < len(narrow.facts) < 3 and narrow.tokens <= wide.tokens - 5
