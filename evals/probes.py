"""QA probes: can a model still answer a question after its context was compressed?

A probe is a tool output (the context), a question about it and the gold answers. Running it
under a policy builds the conversation an agent would send (the question as the user turn,
the context as the result of a tool call), compresses it with :func:`headroom.compress` using
the question as the query, asks the provider, and scores the reply against the gold answers.
When the provider calls the retrieval tool, the call is answered from the store, as the
proxy would, for at most ``max_rounds`` calls.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import headroom
from evals.metrics._text import exact_match, token_f1
from evals.providers._base import Provider, Request, Response
from evals.traces._model import ToolCall
from headroom.ccr import RETRIEVE_TOOL_NAME, MemoryStore, Store, retrieve
from headroom.errors import ConfigError, HeadroomError
from headroom.policy import Policy
from headroom.tokens import count_tokens

SYSTEM_PROMPT = (
    "You answer questions about tool output. Reply with the shortest exact span from the "
    "tool output that answers the question, and nothing else."
)
_CALL_ID = "call_probe_0"


@dataclass(frozen=True)
class Probe:
    """One question about one tool output."""

    id: str
    context: str
    question: str
    answers: tuple[str, ...]
    tool: str = "read_output"
    """Name of the tool whose result the context is."""
    label: str | None = None
    """The content type the author meant (e.g. ``log``); the router's decision is recorded separately."""


@dataclass(frozen=True)
class ProbeResult:
    """What one probe scored under one policy."""

    probe_id: str
    policy_name: str
    policy_hash: str
    content_type: str
    label: str | None
    prediction: str
    exact_match: float
    token_f1: float
    context_tokens_in: int
    context_tokens_out: int
    input_tokens: int
    output_tokens: int
    markers: int
    retrievals: int
    seconds: float
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """A flat JSON-ready mapping (one per-sample JSONL row)."""
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass
class _Exchange:
    messages: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    usage_in: int = 0
    usage_out: int = 0
    retrievals: int = 0


def load_probes(path: str | Path) -> list[Probe]:
    """Read probes from JSONL: one ``{"id", "context", "question", "answers", ...}`` per line."""
    file = Path(path)
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"cannot read probes file {file}: {exc}") from exc
    probes = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            probes.append(probe_from_mapping(_json_line(line, file, number), f"{file}:{number}"))
    _check_unique(probes, str(file))
    return probes


def probe_from_mapping(data: Any, source: str = "<probe>") -> Probe:
    """Validate one probe mapping."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a probe must be a mapping")
    missing = [k for k in ("id", "context", "question", "answers") if k not in data]
    unknown = set(data) - {"id", "context", "question", "answers", "tool", "label"}
    if missing or unknown:
        raise ConfigError(
            f"{source}: probe fields missing {missing or '-'}, unknown {sorted(unknown) or '-'}"
        )
    answers = data["answers"]
    if isinstance(answers, str) or not answers or not all(isinstance(a, str) for a in answers):
        raise ConfigError(f"{source}: 'answers' must be a non-empty list of strings")
    return Probe(
        id=str(data["id"]),
        context=str(data["context"]),
        question=str(data["question"]),
        answers=tuple(answers),
        tool=str(data.get("tool", "read_output")),
        label=data.get("label"),
    )


def probe_messages(probe: Probe) -> list[dict[str, Any]]:
    """The uncompressed conversation: system, question, the tool call and its result."""
    call = {"id": _CALL_ID, "type": "function", "function": {"name": probe.tool, "arguments": "{}"}}
    return [
        {"role": "system", "content": SYSTEM_PROMPT},
        {"role": "user", "content": probe.question},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": _CALL_ID, "content": probe.context},
    ]


async def run_probe(
    probe: Probe,
    policy: Policy,
    provider: Provider,
    model: str,
    *,
    store: Store | None = None,
    max_rounds: int = 2,
) -> ProbeResult:
    """Compress, ask and score one probe; harness failures raise, provider failures are recorded."""
    started = time.perf_counter()
    box = store if store is not None else MemoryStore()
    result = headroom.compress(probe_messages(probe), policy, probe.question, store=box)
    block = next((b for b in result.blocks if b.kind == "tool_result"), None)
    exchange = _Exchange(list(result.messages), list(result.tools_added))
    try:
        text = await _converse(exchange, provider, model, result.policy_hash, box, max_rounds)
        error = None
    except HeadroomError as exc:
        text, error = "", f"{type(exc).__name__}: {exc}"
    tokens_in = count_tokens(probe.context, policy.encoding)
    return ProbeResult(
        probe_id=probe.id,
        policy_name=policy.name,
        policy_hash=result.policy_hash,
        content_type=block.content_type if block else "unchanged",
        label=probe.label,
        prediction=text,
        exact_match=exact_match(text, probe.answers),
        token_f1=token_f1(text, probe.answers),
        context_tokens_in=tokens_in,
        context_tokens_out=block.tokens_out if block else tokens_in,
        input_tokens=exchange.usage_in,
        output_tokens=exchange.usage_out,
        markers=len(block.elisions) if block else 0,
        retrievals=exchange.retrievals,
        seconds=time.perf_counter() - started,
        error=error,
    )


async def run_probes(
    probes: Sequence[Probe],
    policy: Policy,
    provider: Provider,
    model: str,
    *,
    concurrency: int = 8,
    on_done: Callable[[ProbeResult], None] | None = None,
) -> list[ProbeResult]:
    """Run every probe under ``policy`` (at most ``concurrency`` at once), in probe order."""
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(probe: Probe) -> ProbeResult:
        async with gate:
            outcome = await run_probe(probe, policy, provider, model)
        if on_done is not None:
            on_done(outcome)
        return outcome

    return list(await asyncio.gather(*(one(p) for p in probes)))


async def _converse(
    exchange: _Exchange, provider: Provider, model: str, policy_hash: str, store: Store, max_rounds: int
) -> str:
    for round_number in range(max_rounds + 1):
        request = Request(
            messages=exchange.messages, model=model, tools=exchange.tools, policy_hash=policy_hash
        )
        response = await provider.generate(request)
        _add_usage(exchange, response)
        calls = [c for c in response.tool_calls if c.name == RETRIEVE_TOOL_NAME]
        if not calls or round_number == max_rounds:
            return response.text
        exchange.messages = [*exchange.messages, *_retrieval_turn(response, calls, store)]
        exchange.retrievals += len(calls)
    return ""


def _retrieval_turn(response: Response, calls: list[ToolCall], store: Store) -> list[dict[str, Any]]:
    assistant = {
        "role": "assistant",
        "content": response.text or None,
        "tool_calls": [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in calls
        ],
    }
    return [
        assistant,
        *({"role": "tool", "tool_call_id": c.id, "content": _retrieved(c, store)} for c in calls),
    ]


def _retrieved(call: ToolCall, store: Store) -> str:
    try:
        args = json.loads(call.arguments or "{}")
        return retrieve(store, str(args["key"]), args.get("query")).text
    except (ValueError, KeyError, TypeError, HeadroomError) as exc:
        return f"retrieval failed: {type(exc).__name__}: {exc}"


def _add_usage(exchange: _Exchange, response: Response) -> None:
    usage = response.usage
    exchange.usage_in += usage.input_tokens or 0
    exchange.usage_out += usage.output_tokens or 0


def _json_line(line: str, file: Path, number: int) -> Any:
    try:
        return json.loads(line)
    except ValueError as exc:
        raise ConfigError(f"{file}:{number}: not valid JSON: {exc}") from exc


def _check_unique(probes: Sequence[Probe], source: str) -> None:
    seen: set[str] = set()
    for probe in probes:
        if probe.id in seen:
            raise ConfigError(f"{source}: duplicate probe id {probe.id!r}")
        seen.add(probe.id)
