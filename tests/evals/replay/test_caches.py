"""What a study caches across trials never changes a score: every trial equals a cache-free replay.

A session study scores hundreds of policies on the same sessions, so it keeps things from one
trial to the next: each session's store and block memo, the judges' fact tokens and fact sources,
the policy's hash, each call's tokenized request (the previous call's messages are not
serialized again), and the session's conversation validated and read once (each call sends a
head of it, with block digests and user-text token counts kept beside it). A cache-free replay
starts from nothing for every policy and sends each call as a plain message list. The policies below
change the activity rules, masking and content sections, and come back to earlier ones, so
the memo serves blocks compressed under another trial's policy.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

import headroom
from evals.replay import ReplaySettings, load_pricing
from evals.replay._arms import ArmRunner, Sent, Tokenized, Tokenizer
from evals.replay._evaluator import SessionEvaluator
from evals.replay._session import ArmResult, prepare_session, replay_arm
from evals.traces import ToolCall, Trace, Turn
from headroom._compress import ReadConversation, read_conversation
from headroom.ccr import MemoryStore
from headroom.policy import Policy
from tests.evals.replay.test_session import _log

_SOURCE = "\n".join(
    [
        f"def handler_{i}(request):\n    total_{i} = request.count * {i}\n    return total_{i}\n"
        for i in range(40)
    ]
)
_ROWS = json.dumps([{"id": i, "sku": f"SKU-{1000 + i}", "bin": f"B{i % 9}"} for i in range(80)])


def _coding_trace(rounds: int) -> Trace:
    """Reads, searches, a JSON dump, test runs and an edit of a file read earlier; facts used later."""
    turns: list[Turn] = [Turn("system", "You are a coding agent."), Turn("user", "Fix the handler totals.")]

    def call(n: int, name: str, args: dict[str, str], output: str) -> None:
        tool_call = ToolCall(f"k{n}", name, json.dumps(args))
        turns.append(Turn("assistant", f"Step {n}.", tool_calls=(tool_call,)))
        turns.append(Turn("tool", output, tool_call_id=f"k{n}", tool_name=name))

    for r in range(rounds):
        call(4 * r, "read_file", {"path": f"src/app_{r}.py"}, _SOURCE.replace("handler_7", f"handler_7r{r}"))
        call(4 * r + 1, "grep", {"pattern": "SKU"}, _ROWS)
        call(4 * r + 2, "bash", {"command": "pytest -q"}, _log(r))
        turns.append(Turn("user", f"Now round {r}: which handler and checkpoint?"))
        edit = {"path": f"src/app_{r}.py", "old": f"handler_7r{r}", "new": "fixed"}
        call(4 * r + 3, "str_replace", edit, "edited")
        turns.append(Turn("assistant", f"Used handler_7r{r}, SKU-1041 and /var/data/ckpt_r{r}_150.bin."))
    turns.append(Turn("user", "Done?"))
    turns.append(Turn("assistant", "Yes: total_12 and SKU-1077 are fine."))
    return Trace("built-in", "test", tuple(turns), model="gpt-4o")


_OFF = {"read_verbatim_last": 0, "search_verbatim_last": 0, "test_verbatim_last": 0}


def _policy(activity: dict[str, object] | None = None, **sections: object) -> Policy:
    """The activity rules named (the others off), with any other sections."""
    return Policy.model_validate({"activity": {**_OFF, **(activity or {})}, **sections})


_POLICIES = [
    _policy(),
    _policy({"read_verbatim_last": 2, "edited_read_verbatim": True}),
    _policy(history={"enabled": True, "keep_last_observations": 3, "min_tokens": 0}),
    Policy(),
    _policy(json={"max_items": 5}, code={"enabled": False}),
    _policy({"test_verbatim_last": 1}, json={"max_items": 5}),
    _policy({"read_verbatim_last": 2, "edited_read_verbatim": True}),
    _policy(),
]


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_every_trial_scores_what_a_cache_free_replay_scores(provider: str) -> None:
    traces = [_coding_trace(3), _coding_trace(2)]
    base = ReplaySettings(policy=Policy(), pricing=load_pricing(), provider=provider)  # type: ignore[arg-type]
    with SessionEvaluator(traces, base) as evaluator:
        for policy in _POLICIES:
            fresh = ReplaySettings(policy=policy, pricing=base.pricing, provider=base.provider)
            cache_free = tuple(_cache_free(t, fresh) for t in traces)
            assert evaluator.score(policy).sessions == cache_free


class _PlainListRunner(ArmRunner):
    """Sends each call as a plain message list, so the runtime reads the whole request every time."""

    def send(self, messages: list[dict[str, Any]] | ReadConversation) -> Sent:
        return super().send(list(messages.items) if isinstance(messages, ReadConversation) else messages)


def _cache_free(trace: Trace, settings: ReplaySettings) -> ArmResult:
    """The policy arm replayed from nothing: fresh preparation, tokenizer, store and judge."""
    tokenizer = Tokenizer()
    session = prepare_session(trace, settings, tokenizer)
    return replay_arm(session, _PlainListRunner("policy", settings.policy), tokenizer, settings.provider)


def test_every_head_of_a_conversation_read_once_compresses_as_a_fresh_read() -> None:
    messages = _coding_trace(3).to_openai_messages()
    read = read_conversation(messages, "openai_chat")
    for policy in _POLICIES:
        once, fresh = MemoryStore(), MemoryStore()
        for count in range(len(messages) + 1):
            head = headroom.compress(read.head(count), policy, store=once, format="openai_chat")
            whole = headroom.compress(messages[:count], policy, store=fresh, format="openai_chat")
            assert head.messages == whole.messages
            assert [replace(b, seconds=0.0) for b in head.blocks] == [
                replace(b, seconds=0.0) for b in whole.blocks
            ]
            assert (head.tools_added, head.policy_hash) == (whole.tools_added, whole.policy_hash)
    assert read.digests and read.counts  # the caches were used, so the comparison could fail


def test_the_policies_differ_so_the_comparison_can_fail() -> None:
    base = ReplaySettings(policy=Policy(), pricing=load_pricing())
    with SessionEvaluator([_coding_trace(3)], base) as evaluator:
        scores = {(s.cost_usd, s.kept) for s in map(evaluator.score, _POLICIES)}
    assert len(scores) >= 4


def test_a_request_tokenized_from_the_previous_call_equals_one_tokenized_whole() -> None:
    tokenizer = Tokenizer()
    first = [{"role": "user", "content": "read app.py"}, {"role": "tool", "content": _SOURCE}]
    grown = [*first, {"role": "assistant", "content": "done"}]
    changed = [first[0], {"role": "tool", "content": "[masked]"}, grown[2]]
    tool = ({"type": "function", "function": {"name": "headroom_retrieve"}},)
    for before_sent, sent in [
        (Sent(first, (), 0), Sent(grown, (), 0)),
        (Sent(first, (), 0), Sent(changed, (), 0)),
        (Sent(first, (), 0), Sent(grown, tool, 1)),
        (Sent(first, tool, 1), Sent([dict(m) for m in grown], (), 0)),  # equal, not identical, messages
        (Sent(grown, (), 0), Sent(first, (), 0)),  # shorter than before
    ]:
        before = Tokenized(before_sent, tokenizer.request(before_sent))
        assert tokenizer.request(sent, before) == Tokenizer().request(sent)
