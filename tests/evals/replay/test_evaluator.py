"""Scoring many policies on fixed sessions gives exactly what a full replay gives."""

from __future__ import annotations

from evals.replay import ReplaySettings, load_pricing, replay_session
from evals.replay._evaluator import SessionEvaluator
from headroom.policy import Policy
from tests.evals.replay.test_session import POLICY, _trace

SETTINGS = ReplaySettings(policy=POLICY, pricing=load_pricing())


def test_the_policy_arm_and_the_yardsticks_match_a_full_replay() -> None:
    traces = [_trace(), _trace(rounds=4)]
    full = [replay_session(t, SETTINGS) for t in traces]
    with SessionEvaluator(traces, SETTINGS) as evaluator:
        score = evaluator.score(POLICY)
        assert score.sessions == tuple(r.arms["policy"] for r in full)
        assert evaluator.raw.sessions == tuple(r.arms["raw"] for r in full)
        assert evaluator.masking.sessions == tuple(r.arms["masking"] for r in full)
        assert score.cost_usd == sum(r.arms["policy"].cost_usd for r in full)
        assert evaluator.score(Policy.model_validate(POLICY.model_dump())) is score  # same hash: remembered


def test_a_harsher_policy_keeps_fewer_facts_and_costs_less() -> None:
    harsh = Policy.model_validate(
        {
            "history": {"enabled": True, "keep_last_observations": 1, "min_tokens": 0},
            "log": {"enabled": False},
            "activity": {"enabled": False},
        }
    )
    with SessionEvaluator([_trace()], SETTINGS) as evaluator:
        gentle, severe = evaluator.score(POLICY), evaluator.score(harsh)
    assert severe.kept < gentle.kept == 1.0
    assert severe.retrievable > 0


def test_worker_processes_give_the_same_scores() -> None:
    traces = [_trace(), _trace(rounds=3), _trace(rounds=5)]
    with SessionEvaluator(traces, SETTINGS) as here, SessionEvaluator(traces, SETTINGS, workers=2) as pooled:
        assert pooled.score(POLICY).sessions == here.score(POLICY).sessions
