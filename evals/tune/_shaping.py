"""The output-shaping study: fewer output tokens at no more than a bounded loss of quality.

A case is a recorded request (OpenAI Chat shaped, with vendor options such as
``reasoning_effort`` or ``thinking`` in ``extra``) and the answers a good reply matches: a
probe's gold answers, or the reply the agent actually recorded. A trial's
:class:`~headroom.policy.ShapingPolicy` shapes every case's request with
:func:`headroom.shaping.shape_request`, a provider (real, replayed from cassettes, or fake)
answers, and the trial scores

- mean output tokens per request (provider-reported usage, else counted): minimise;
- mean token F1 against the references (exact match is recorded too): maximise;

subject to the constraint ``baseline_quality - quality <= delta`` (recorded as a trial user
attribute for a ``constraints_func`` and as optuna's native trial constraint; feasible when
the value is <= 0).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

import optuna

from evals.metrics._text import exact_match, mean, token_f1
from evals.probes import Probe, probe_messages
from evals.providers._base import Provider, Request, Response
from evals.traces._model import Trace
from evals.tune._base import Outcome
from evals.tune._space import ParamSpec, spec_of
from headroom.messages import MessageFormat
from headroom.policy import Policy, ShapingPolicy, search_space
from headroom.shaping import shape_request
from headroom.tokens import count_tokens

SHAPING_PREFIX = "shaping."
SHAPING_DIRECTIONS: tuple[Literal["minimize", "maximize"], ...] = ("minimize", "maximize")
"""Study directions for the objective's values: (output tokens, quality)."""
CONSTRAINT_ATTR = "constraint"
"""Trial user attribute (and optuna constraint key) holding ``baseline_quality - quality - delta``."""


@dataclass(frozen=True)
class ShapingCase:
    """One recorded request and the answers a good reply matches."""

    name: str
    request: Request
    references: tuple[str, ...]


@dataclass(frozen=True)
class ShapingScore:
    """What one shaping policy scored over a set of cases (means per case)."""

    output_tokens: float
    quality: float
    """Mean token F1 against the references."""
    exact_match: float
    lowered: int
    """Cases whose effort setting was lowered (each one may cost a cache re-prefill)."""
    noted: int
    """Cases that got the verbosity note."""


def shaping_space() -> dict[str, dict[str, Any]]:
    """The study's search space: every tunable of ``ShapingPolicy``, keyed ``shaping.<field>``."""
    return search_space(ShapingPolicy, prefix=SHAPING_PREFIX)


def shaping_specs() -> list[ParamSpec]:
    """The search space as parameter specs, in ``ShapingPolicy`` field order (the suggestion order)."""
    return [spec_of(key, raw) for key, raw in shaping_space().items()]


def suggest_shaping(trial: optuna.trial.BaseTrial, base: ShapingPolicy | None = None) -> ShapingPolicy:
    """A ``ShapingPolicy`` with every tunable suggested by ``trial`` (the rest from ``base``)."""
    values = (base or ShapingPolicy()).model_dump()
    for spec in shaping_specs():
        values[spec.name.removeprefix(SHAPING_PREFIX)] = spec.suggest(trial)
    return ShapingPolicy.model_validate(values)


def shape_case(case: ShapingCase, shaping: ShapingPolicy) -> tuple[Request, tuple[str, ...]]:
    """The case's request after shaping, and what shaping did to it."""
    body = {**case.request.extra, "messages": case.request.messages}
    shaped = shape_request(body, MessageFormat.OPENAI_CHAT, Policy(shaping=shaping))
    extra = {k: v for k, v in shaped.request.items() if k != "messages"}
    return replace(case.request, messages=shaped.request["messages"], extra=extra), shaped.notes


async def score_shaping(
    cases: Sequence[ShapingCase], provider: Provider, shaping: ShapingPolicy, *, concurrency: int = 4
) -> ShapingScore:
    """Send every case shaped by ``shaping`` and score the replies."""
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(case: ShapingCase) -> tuple[Response, tuple[str, ...]]:
        request, notes = shape_case(case, shaping)
        async with gate:
            return await provider.generate(request), notes

    outcomes = await asyncio.gather(*(one(c) for c in cases))
    return _score(cases, outcomes)


def _score(
    cases: Sequence[ShapingCase], outcomes: Sequence[tuple[Response, tuple[str, ...]]]
) -> ShapingScore:
    replies = [response for response, _ in outcomes]
    return ShapingScore(
        output_tokens=mean(_output_tokens(r) for r in replies),
        quality=mean(token_f1(r.text, c.references) for r, c in zip(replies, cases, strict=True)),
        exact_match=mean(exact_match(r.text, c.references) for r, c in zip(replies, cases, strict=True)),
        lowered=sum(any(n.startswith("effort:") for n in notes) for _, notes in outcomes),
        noted=sum(any(n.startswith("verbosity:") for n in notes) for _, notes in outcomes),
    )


def _output_tokens(response: Response) -> int:
    reported = response.usage.output_tokens
    return reported if reported is not None else count_tokens(response.text)


def shaping_baseline(cases: Sequence[ShapingCase], provider: Provider) -> ShapingScore:
    """The score with shaping off: the quality the constraint is measured against."""
    return asyncio.run(score_shaping(cases, provider, ShapingPolicy()))


def shaping_outcome(
    cases: Sequence[ShapingCase],
    provider: Provider,
    shaping: ShapingPolicy,
    baseline_quality: float,
    delta: float,
) -> Outcome:
    """Score ``shaping`` on every case: ``(mean output tokens, mean quality)`` and the constraint."""
    score = asyncio.run(score_shaping(cases, provider, shaping))
    return Outcome(
        values=(score.output_tokens, score.quality),
        metrics={
            "output_tokens": score.output_tokens,
            "quality": score.quality,
            "exact_match": score.exact_match,
        },
        constraint=baseline_quality - score.quality - delta,
        attrs={"lowered": score.lowered, "noted": score.noted},
    )


def shaping_objective(
    trial: optuna.trial.BaseTrial,
    requests: Sequence[ShapingCase],
    provider: Provider,
    baseline_quality: float,
    delta: float,
) -> tuple[float, float]:
    """``(mean output tokens, mean quality)`` of the trial's shaping policy, for a bare optuna study.

    Records the constraint value and the score's details as trial user attributes (the study
    runner records the same for :class:`~evals.tune._shaping_study.ShapingStudy`).
    """
    outcome = shaping_outcome(requests, provider, suggest_shaping(trial), baseline_quality, delta)
    # Both forms: the user attribute for a ``constraints_func``, and optuna 5's native constraint.
    trial.set_user_attr(CONSTRAINT_ATTR, outcome.constraint)
    trial.set_constraint(CONSTRAINT_ATTR, outcome.constraint)
    for key, value in {**outcome.metrics, **outcome.attrs}.items():
        trial.set_user_attr(key, value)
    tokens, quality = outcome.values
    return tokens, quality


def shaping_constraints(trial: optuna.trial.FrozenTrial) -> tuple[float, ...]:
    """optuna ``constraints_func``: a trial without a recorded value counts as infeasible."""
    value = trial.user_attrs.get(CONSTRAINT_ATTR)
    return (float(value),) if value is not None else (math.inf,)


def best_feasible(study: optuna.Study) -> optuna.trial.FrozenTrial | None:
    """The feasible trial with the fewest output tokens (ties: higher quality), if any."""
    done = [t for t in study.trials if t.values is not None and max(shaping_constraints(t)) <= 0]
    return min(done, key=lambda t: (t.values[0], -t.values[1]), default=None)


def cases_from_probes(probes: Sequence[Probe], model: str, *, max_tokens: int = 512) -> list[ShapingCase]:
    """One case per probe: the probe's conversation, scored against its gold answers."""
    return [
        ShapingCase(p.id, Request(probe_messages(p), model, max_tokens=max_tokens), p.answers) for p in probes
    ]


def cases_from_trace(trace: Trace, model: str | None = None, *, max_cases: int = 20) -> list[ShapingCase]:
    """One case per recorded assistant text reply: the messages before it, scored against it."""
    messages = trace.to_openai_messages()
    cases: list[ShapingCase] = []
    for index, message in enumerate(messages):
        text = message.get("content")
        if message["role"] != "assistant" or message.get("tool_calls") or not isinstance(text, str):
            continue
        if index == 0 or not text.strip():
            continue
        request = Request(messages[:index], model or trace.model or "recorded")
        cases.append(ShapingCase(f"{trace.source}@{index}", request, (text,)))
        if len(cases) >= max_cases:
            break
    return cases
