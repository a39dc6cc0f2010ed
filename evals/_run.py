"""Running a suite under one policy: probes through a provider, traces through session replay."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from evals.probes import Probe, ProbeResult, run_probes
from evals.providers._base import Provider
from evals.stats import Bootstrap, mean_ci, savings_ci
from evals.suite import Suite
from headroom.policy import Policy


@dataclass(frozen=True)
class PolicyRun:
    """Everything measured for one policy on one suite."""

    policy: Policy
    probes: tuple[ProbeResult, ...]
    sessions: tuple[dict[str, Any], ...] = ()
    """Per-session replay figures (raw / policy / masking), when traces were replayed."""
    replay_total: dict[str, Any] = field(default_factory=dict)
    """Totals over the replayed sessions, as the replay package reports them."""


async def run_policy(
    suite: Suite,
    policy: Policy,
    provider: Provider,
    probes: Sequence[Probe],
    on_done: Callable[[ProbeResult], None] | None = None,
) -> PolicyRun:
    """Run the suite's probes (and replay its traces when the replay package is present)."""
    results = await run_probes(
        probes, policy, provider, suite.model, concurrency=suite.concurrency, on_done=on_done
    )
    sessions, total = replay_traces(suite, policy)
    return PolicyRun(policy=policy, probes=tuple(results), sessions=sessions, replay_total=total)


def replay_traces(suite: Suite, policy: Policy) -> tuple[tuple[dict[str, Any], ...], dict[str, Any]]:
    """Per-session and total replay figures (raw, policy, masking) for the suite's traces."""
    if not suite.traces:
        return (), {}
    from evals import replay
    from evals.traces import load_traces

    traces = [trace for file in suite.trace_files() for trace in load_traces(file)]
    settings = replay.ReplaySettings(policy=policy, pricing=replay.load_pricing())
    data = replay.summarize(replay.replay_traces(traces, settings), settings)
    return tuple(data["sessions"]), dict(data["total"])


def summarize(run: PolicyRun, settings: Bootstrap) -> dict[str, Any]:
    """Numbers for one policy: accuracy and savings with intervals, overall and per content type."""
    summary: dict[str, Any] = {
        "policy": run.policy.name,
        "policy_hash": run.policy.policy_hash,
        "probes": len(run.probes),
        "errors": sum(r.error is not None for r in run.probes),
    }
    if run.probes:
        summary.update(_probe_figures(run.probes, settings))
        summary["by_content_type"] = {
            kind: {"n": len(group), **_probe_figures(group, settings)}
            for kind, group in sorted(_by_content_type(run.probes).items())
        }
    if run.replay_total:
        summary["replay"] = run.replay_total
    return summary


def _probe_figures(results: Sequence[ProbeResult], settings: Bootstrap) -> dict[str, Any]:
    tokens_in = [r.context_tokens_in for r in results]
    tokens_out = [r.context_tokens_out for r in results]
    return {
        "exact_match": mean_ci([r.exact_match for r in results], settings).as_list(),
        "token_f1": mean_ci([r.token_f1 for r in results], settings).as_list(),
        "savings": savings_ci(tokens_in, tokens_out, settings).as_list(),
        "context_tokens_in": sum(tokens_in),
        "context_tokens_out": sum(tokens_out),
        "input_tokens": sum(r.input_tokens for r in results),
        "output_tokens": sum(r.output_tokens for r in results),
    }


def _by_content_type(results: Sequence[ProbeResult]) -> dict[str, list[ProbeResult]]:
    groups: dict[str, list[ProbeResult]] = defaultdict(list)
    for result in results:
        groups[result.label or result.content_type].append(result)
    return groups
