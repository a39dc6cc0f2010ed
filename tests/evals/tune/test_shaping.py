"""The output-shaping study on a fake provider whose replies respond to the note and the effort."""

from __future__ import annotations

import asyncio
from typing import Any

import optuna
import pytest

from evals.probes import Probe
from evals.providers._base import Request, Response
from evals.traces._model import ToolCall, Trace, Turn, Usage
from evals.tune._shaping import (
    CONSTRAINT_ATTR,
    SHAPING_DIRECTIONS,
    ShapingCase,
    best_feasible,
    cases_from_probes,
    cases_from_trace,
    score_shaping,
    shaping_baseline,
    shaping_constraints,
    shaping_objective,
    shaping_space,
)
from headroom.messages import MessageFormat
from headroom.policy import Policy, ShapingPolicy, search_space
from headroom.shaping import VERBOSITY_NOTES, is_routine_continuation

GOLD = {
    "Which port refused the connection?": "port 5432 on db-primary",
    "Which file holds the retry limit?": "config/retry settings yaml",
    "Who owns the billing service?": "payments platform team",
    "What version is deployed?": "release 4 2 1 build 77",
}
REASONING = {"xhigh": 96, "high": 64, "medium": 32, "low": 16, "minimal": 4}
DELTA = 0.05


class ShapingFake:
    """Replies longer without a note, exactly at concise, clipped (worse) at terse.

    Reasoning tokens follow the effort; an effort lowered on a turn that is not a routine
    continuation (the case was recorded at ``high``) loses the answer.
    """

    name = "shaping-fake"

    def __init__(self) -> None:
        self.requests: list[Request] = []

    async def generate(self, request: Request) -> Response:
        self.requests.append(request)
        system = "\n".join(str(m.get("content") or "") for m in request.messages if m["role"] == "system")
        question = next(m["content"] for m in request.messages if m["role"] == "user")
        effort = request.extra.get("reasoning_effort", "high")
        body = {"messages": request.messages}
        if effort != "high" and not is_routine_continuation(body, MessageFormat.OPENAI_CHAT):
            text = "unknown"
        else:
            text = self._reply(GOLD[question], self._level(system))
        usage = Usage(input_tokens=100, output_tokens=len(text.split()) + REASONING[effort])
        return Response(text=text, usage=usage)

    @staticmethod
    def _level(system: str) -> str:
        return next(
            (lvl for lvl, notes in VERBOSITY_NOTES.items() if any(n in system for n in notes.values())), "off"
        )

    @staticmethod
    def _reply(gold: str, level: str) -> str:
        if level == "terse":
            return gold.split()[0]
        if level == "concise":
            return gold
        return f"Having looked through the output, the answer is {gold}, as requested."


def probes() -> list[Probe]:
    return [
        Probe(f"p{i}", f"line one\n{answer}\nline three", question, (answer,))
        for i, (question, answer) in enumerate(GOLD.items())
    ]


def new_question_cases() -> list[ShapingCase]:
    """Turns that end with user text: routing must leave their effort alone."""
    cases = []
    for i, (question, answer) in enumerate(GOLD.items()):
        messages = [{"role": "system", "content": "Answer."}, {"role": "user", "content": question}]
        request = Request(messages, "fake", extra={"reasoning_effort": "high"})
        cases.append(ShapingCase(f"q{i}", request, (answer,)))
    return cases


def routine_cases() -> list[ShapingCase]:
    cases = cases_from_probes(probes(), "fake")
    return [
        ShapingCase(
            c.name, Request(c.request.messages, "fake", extra={"reasoning_effort": "high"}), c.references
        )
        for c in cases
    ]


def all_cases() -> list[ShapingCase]:
    return routine_cases() + new_question_cases()


def params(**chosen: Any) -> dict[str, Any]:
    values = {key: spec["default"] for key, spec in shaping_space().items()}
    values.update({f"shaping.{k}": v for k, v in chosen.items()})
    return values


def test_space_is_the_policy_schema_shaping_section() -> None:
    whole = {k: v for k, v in search_space(Policy).items() if k.startswith("shaping.")}
    assert shaping_space() == whole
    assert {"shaping.verbosity", "shaping.effort_routing", "shaping.effort_steps"} <= set(whole)


@pytest.mark.parametrize(("verbosity", "feasible"), [("off", True), ("concise", True), ("terse", False)])
def test_objective_records_the_quality_constraint(verbosity: str, feasible: bool) -> None:
    provider, cases = ShapingFake(), all_cases()
    baseline = shaping_baseline(cases, provider)
    trial = optuna.trial.FixedTrial(params(verbosity=verbosity))
    tokens, quality = shaping_objective(trial, cases, provider, baseline.quality, DELTA)
    violation = trial.user_attrs[CONSTRAINT_ATTR]
    assert (violation <= 0) == feasible
    assert quality == pytest.approx(baseline.quality - DELTA - violation)
    assert tokens <= baseline.output_tokens


def test_study_prefers_concise_over_terse_when_the_constraint_binds() -> None:
    provider, cases = ShapingFake(), all_cases()
    baseline = shaping_baseline(cases, provider)
    grid = {key: [spec["default"]] for key, spec in shaping_space().items()}
    grid["shaping.verbosity"] = ["off", "concise", "terse"]
    grid["shaping.effort_routing"] = [False, True]
    study = optuna.create_study(
        directions=list(SHAPING_DIRECTIONS), sampler=optuna.samplers.GridSampler(grid)
    )
    study.optimize(lambda t: shaping_objective(t, cases, provider, baseline.quality, DELTA), n_trials=6)
    terse = [t for t in study.trials if t.params["shaping.verbosity"] == "terse"]
    assert min(t.values[0] for t in terse) < min(t.values[0] for t in study.trials if t not in terse)
    best = best_feasible(study)
    assert best is not None
    assert best.params["shaping.verbosity"] == "concise" and best.params["shaping.effort_routing"] is True
    assert best.values[1] >= baseline.quality - DELTA


def test_constrained_sampler_runs_on_the_objective() -> None:
    provider, cases = ShapingFake(), all_cases()
    baseline = shaping_baseline(cases, provider)
    sampler = optuna.samplers.NSGAIISampler(seed=3)
    study = optuna.create_study(directions=list(SHAPING_DIRECTIONS), sampler=sampler)
    study.optimize(lambda t: shaping_objective(t, cases, provider, baseline.quality, DELTA), n_trials=12)
    best = best_feasible(study)
    assert best is not None and best.params["shaping.verbosity"] != "terse"


def test_effort_routing_saves_output_tokens_only_on_routine_turns() -> None:
    provider, cases = ShapingFake(), all_cases()
    plain = asyncio.run(score_shaping(cases, provider, ShapingPolicy()))
    routed = asyncio.run(score_shaping(cases, provider, ShapingPolicy(effort_routing=True, effort_steps=2)))
    assert routed.lowered == len(routine_cases())
    assert routed.quality == plain.quality
    assert routed.output_tokens < plain.output_tokens
    lowered = [r for r in provider.requests[len(cases) :] if r.extra["reasoning_effort"] != "high"]
    assert all(is_routine_continuation({"messages": r.messages}, MessageFormat.OPENAI_CHAT) for r in lowered)


def test_the_fake_punishes_effort_lowered_on_a_new_question() -> None:
    case = new_question_cases()[0]
    lowered = Request(case.request.messages, "fake", extra={"reasoning_effort": "low"})
    reply = asyncio.run(ShapingFake().generate(lowered))
    assert reply.text == "unknown"


def test_constraints_of_an_unscored_trial_are_infeasible() -> None:
    study = optuna.create_study()
    trial = study.ask()
    study.tell(trial, 1.0)
    assert shaping_constraints(study.trials[0]) == (float("inf"),)


def test_cases_from_a_trace_use_recorded_replies() -> None:
    trace = Trace(
        source="session.jsonl",
        format="fake",
        turns=(
            Turn("system", "You are an agent."),
            Turn("user", "What version is deployed?"),
            Turn("assistant", "", tool_calls=(ToolCall("c1", "cat", "{}"),)),
            Turn("tool", "version: 4.2.1", tool_call_id="c1"),
            Turn("assistant", "Release 4.2.1 is deployed."),
            Turn("user", "thanks"),
            Turn("assistant", "   "),
        ),
        model="m1",
    )
    (case,) = cases_from_trace(trace)
    assert case.references == ("Release 4.2.1 is deployed.",)
    assert case.request.messages[-1]["role"] == "tool" and case.request.model == "m1"
    assert case.name == "session.jsonl@4"
