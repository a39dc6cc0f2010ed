"""Replay one trace call by call under each arm: tokens, cache reads/writes, cost, retention."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from evals.replay._arms import ARMS, Arm, ArmRunner, Sent, Tokenized, Tokenizer, message_positions, runners
from evals.replay._cache_model import RULES, CallTokens, bill_call, common_prefix
from evals.replay._facts import FactUse, fact_uses
from evals.replay._pricing import ModelPrice, Pricing, ProviderName, cost_usd
from evals.replay._retention import JudgeCache, Outcome, RetentionJudge
from evals.traces import Trace, Turn
from headroom import ReadConversation, read_conversation
from headroom.activity import classify_call
from headroom.errors import ConfigError
from headroom.policy import Policy


@dataclass(frozen=True)
class ArmResult:
    """One arm's figures for one session."""

    input_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    output_tokens: int
    cost_usd: float
    input_cost_usd: float
    """The cost of the prompt alone (cache reads and writes included, output excluded)."""
    outcomes: tuple[Outcome, ...]
    """Retention outcome per fact use, in the same order for every arm of the session."""
    elided_blocks: int
    """Tool outputs carrying a marker in the session's last request."""
    misses: tuple[Miss, ...] = ()
    """Every fact use this arm did not keep verbatim, with the block and compressor responsible."""


@dataclass(frozen=True)
class Miss:
    """A later-used fact an arm did not keep verbatim: what, when, from which block, changed by what."""

    fact: str
    outcome: Outcome
    call: int
    """The model call (0-based) that used the fact."""
    tool_turn: int | None
    """The trace turn of the newest tool output that held the fact."""
    tool: str | None
    """That tool output's tool name, when the trace records it."""
    changed_by: str | None
    """The compressor (and content type) that changed that block in this arm's request."""
    activity: str | None = None
    """What the call that produced that tool output was doing (``read src/app.py``, ``test``...)."""


@dataclass(frozen=True)
class SessionResult:
    """Every arm's figures for one replayed trace."""

    source: str
    format: str
    model: str
    """The price-table model the session was priced with."""
    calls: int
    facts: tuple[str, ...]
    arms: dict[Arm, ArmResult]


@dataclass(frozen=True)
class ReplaySettings:
    """What a replay is run with."""

    policy: Policy
    pricing: Pricing
    provider: ProviderName = "openai"
    """Whose prompt-caching rules apply."""
    model: str | None = None
    """Price every session as this model (default: the trace's model, else the provider's default)."""


def call_starts(trace: Trace) -> list[int]:
    """Index of the first turn of each model call (a run of consecutive assistant turns)."""
    turns = trace.turns
    return [
        i for i, t in enumerate(turns) if t.role == "assistant" and i > 0 and turns[i - 1].role != "assistant"
    ]


def price_for(trace: Trace, settings: ReplaySettings) -> tuple[str, ModelPrice]:
    """The model a session is priced as, and its prices."""
    pricing = settings.pricing
    if settings.model is not None:
        name = pricing.lookup(settings.model)
        if name is None:
            known = ", ".join(sorted(pricing.models))
            raise ConfigError(f"no price for model {settings.model!r}; known models: {known}")
    else:
        recorded = trace.model or next((t.model for t in trace.turns if t.model), None)
        name = pricing.resolve(recorded, settings.provider)
    return name, pricing.models[name]


class _ArmLedger:
    """Running totals of one arm through a session."""

    def __init__(self, runner: ArmRunner, trace: Trace, positions: list[int], cache: JudgeCache) -> None:
        self.runner = runner
        store = runner.store if runner.policy is not None else None
        self.judge = RetentionJudge(trace, store, positions, cache)
        self.previous: Tokenized | None = None
        self.billed: list[CallTokens] = []
        self.outcomes: list[Outcome] = []
        self.misses: list[Miss] = []
        self.elided = 0
        self.turns = trace.turns
        self.calls = {c.id: c for t in trace.turns for c in t.tool_calls}


@dataclass(frozen=True)
class PreparedSession:
    """What every arm's replay of one trace shares: calls, fact uses, messages, prices, expiry."""

    trace: Trace
    model: str
    price: ModelPrice
    starts: tuple[int, ...]
    uses: tuple[FactUse, ...]
    by_call: dict[int, tuple[FactUse, ...]]
    messages: list[dict[str, Any]]
    positions: list[int]
    expired: tuple[bool, ...]
    """Per call: whether the trace's clock shows a gap past the provider's cache TTL before it."""
    output_tokens: int
    conversation: ReadConversation
    """``messages`` validated and read once; each call sends a head of it."""
    judging: JudgeCache = field(default_factory=JudgeCache, compare=False)
    """Fact sources and fact tokens every arm's judge of this session shares (filled as judged)."""


def prepare_session(trace: Trace, settings: ReplaySettings, tokenizer: Tokenizer) -> PreparedSession:
    """Everything about ``trace`` that does not depend on the arm or the policy."""
    name, price = price_for(trace, settings)
    starts = call_starts(trace)
    uses = fact_uses(trace, starts)
    by_call: dict[int, list[FactUse]] = defaultdict(list)
    for use in uses:
        by_call[use.call_turn].append(use)
    messages = trace.to_openai_messages()
    ttl = RULES[settings.provider].ttl_seconds
    return PreparedSession(
        trace=trace,
        model=name,
        price=price,
        starts=tuple(starts),
        uses=tuple(uses),
        by_call={call: tuple(group) for call, group in by_call.items()},
        messages=messages,
        positions=message_positions(trace.turns, messages),
        expired=tuple(_expired(trace.turns, starts, i, ttl) for i in range(len(starts))),
        output_tokens=sum(_output_tokens(trace.turns, start, tokenizer) for start in starts),
        conversation=read_conversation(messages, "openai_chat"),
    )


def replay_arm(
    session: PreparedSession, runner: ArmRunner, tokenizer: Tokenizer, provider: ProviderName
) -> ArmResult:
    """One arm's replay of a prepared session, call by call."""
    ledger = _ArmLedger(runner, session.trace, session.positions, session.judging)
    for index, start in enumerate(session.starts):
        request = session.conversation.head(session.positions[start])
        uses = list(session.by_call.get(start, ()))
        _step(ledger, request, uses, tokenizer, provider, session.expired[index], index)
    return _result(ledger, session.output_tokens, session.price)


def replay_session(trace: Trace, settings: ReplaySettings) -> SessionResult:
    """Replay ``trace`` under the raw, policy and masking arms."""
    tokenizer = Tokenizer()
    session = prepare_session(trace, settings, tokenizer)
    arms = {
        arm: replay_arm(session, runner, tokenizer, settings.provider)
        for arm, runner in runners(settings.policy).items()
    }
    return session_result(session, {arm: arms[arm] for arm in ARMS})


def session_result(session: PreparedSession, arms: dict[Arm, ArmResult]) -> SessionResult:
    """The figures of a prepared session's arms."""
    trace = session.trace
    facts = tuple(use.fact for use in session.uses)
    return SessionResult(trace.source, trace.format, session.model, len(session.starts), facts, arms)


def _step(
    ledger: _ArmLedger,
    request: ReadConversation,
    uses: list[FactUse],
    tokenizer: Tokenizer,
    provider: ProviderName,
    expired: bool,
    call: int,
) -> None:
    sent = ledger.runner.send(request)
    previous = ledger.previous
    tokenized = tokenizer.request(sent, previous)
    shared = common_prefix(previous.request if previous is not None else None, tokenized)
    ledger.billed.append(bill_call(RULES[provider], tokenized.tokens, shared, expired))
    ledger.previous = Tokenized(sent, tokenized)
    for use in uses:
        outcome, source = ledger.judge.judge_with_source(use, sent.messages)
        ledger.outcomes.append(outcome)
        if outcome != "kept":
            ledger.misses.append(_miss(ledger, sent, use, outcome, source, call))
    ledger.elided = sent.elided_blocks


def _miss(
    ledger: _ArmLedger, sent: Sent, use: FactUse, outcome: Outcome, source: int | None, call: int
) -> Miss:
    if source is None:
        return Miss(use.fact, outcome, call, None, None, None)
    turn = ledger.turns[source]
    changed = sent.changed_by.get(ledger.judge.position(source))
    made_by = ledger.calls.get(turn.tool_call_id or "")
    activity = None
    if made_by is not None:
        found = classify_call(made_by.name, made_by.arguments)
        activity = " ".join([found.kind, *found.paths[:1]])
    return Miss(use.fact, outcome, call, source, turn.tool_name, changed, activity)


def _result(ledger: _ArmLedger, outputs: int, price: ModelPrice) -> ArmResult:
    inputs = sum(b.input_tokens for b in ledger.billed)
    reads = sum(b.cache_read_tokens for b in ledger.billed)
    writes = sum(b.cache_write_tokens for b in ledger.billed)
    return ArmResult(
        input_tokens=inputs,
        cache_read_tokens=reads,
        cache_write_tokens=writes,
        output_tokens=outputs,
        cost_usd=cost_usd(price, inputs, reads, writes, outputs),
        input_cost_usd=cost_usd(price, inputs, reads, writes, 0),
        outcomes=tuple(ledger.outcomes),
        elided_blocks=ledger.elided,
        misses=tuple(ledger.misses),
    )


def _output_tokens(turns: tuple[Turn, ...], start: int, tokenizer: Tokenizer) -> int:
    total = 0
    for turn in turns[start:]:
        if turn.role != "assistant":
            break
        total += tokenizer.count(turn.text)
        total += sum(tokenizer.count(call.name + call.arguments) for call in turn.tool_calls)
    return total


def _expired(turns: tuple[Turn, ...], starts: list[int], index: int, ttl: float) -> bool:
    """Whether the trace's clock shows a gap longer than the cache TTL since the last call."""
    if index == 0:
        return False
    before = _when(turns[starts[index - 1]].timestamp)
    now = _when(turns[starts[index]].timestamp)
    if before is None or now is None:
        return False
    return (now - before).total_seconds() > ttl


def _when(stamp: str | None) -> datetime | None:
    if not stamp:
        return None
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def replay_traces(
    traces: Sequence[Trace], settings: ReplaySettings, on_done: Callable[[SessionResult], None] | None = None
) -> list[SessionResult]:
    """Replay every trace in order; ``on_done`` is called after each (for progress bars)."""
    results = []
    for trace in traces:
        result = replay_session(trace, settings)
        results.append(result)
        if on_done is not None:
            on_done(result)
    return results
