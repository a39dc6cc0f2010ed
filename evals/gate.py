"""The regression gate: a candidate policy against a baseline on the same suite.

The candidate passes when it is non-inferior on every metric the suite can measure: the lower
bound of the paired bootstrap interval of (candidate − baseline) is above −margin. With probes,
the metrics are exact match and token F1 (paired by probe); with traces, they are session
retention (the share of later-used facts the policy arm kept verbatim, pooled over facts,
sessions resampled) and session cost saving (``1 − cost(candidate) / cost(baseline)`` of the
policy arm, sessions resampled: the candidate may cost at most ``margin`` more). Probe savings
are reported with their paired interval but never fail the gate. Exit codes: 0 pass, 100
regression, 1 harness error (raised before any verdict exists).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from evals._run import PolicyRun, run_policy, summarize
from evals.probes import ProbeResult
from evals.providers._base import Provider
from evals.stats import (
    Bootstrap,
    Interval,
    Verdict,
    non_inferiority,
    pooled_delta_ci,
    savings_ci,
    savings_delta_ci,
)
from evals.suite import Suite
from headroom.errors import ConfigError
from headroom.policy import Policy

EXIT_PASS = 0
EXIT_REGRESSION = 100
EXIT_HARNESS_ERROR = 1
ACCURACY_METRICS = ("exact_match", "token_f1")
SESSION_METRICS = ("session_retention", "session_cost_saving")


@dataclass(frozen=True)
class GateResult:
    """The verdicts of one gate run."""

    baseline: PolicyRun
    candidate: PolicyRun
    verdicts: tuple[Verdict, ...]
    savings_delta: Interval | None
    """Candidate savings minus baseline savings on the probe contexts (None without probes)."""

    @property
    def passed(self) -> bool:
        """True when the candidate is non-inferior on every metric measured."""
        return all(v.non_inferior for v in self.verdicts)

    @property
    def exit_code(self) -> int:
        """0 when passed, 100 on a regression."""
        return EXIT_PASS if self.passed else EXIT_REGRESSION

    def as_dict(self, settings: Bootstrap) -> dict[str, Any]:
        """A JSON-ready summary of both policies and every verdict."""
        return {
            "passed": self.passed,
            "exit_code": self.exit_code,
            "verdicts": [verdict_dict(v) for v in self.verdicts],
            "savings_delta": None if self.savings_delta is None else self.savings_delta.as_list(),
            "baseline": summarize(self.baseline, settings),
            "candidate": summarize(self.candidate, settings),
        }


def verdict_dict(verdict: Verdict) -> dict[str, Any]:
    """One verdict as JSON-ready numbers."""
    return {
        "metric": verdict.metric,
        "baseline": verdict.baseline,
        "candidate": verdict.candidate,
        "delta": verdict.delta.as_list(),
        "margin": verdict.margin,
        "non_inferior": verdict.non_inferior,
    }


def compare(baseline: PolicyRun, candidate: PolicyRun, margin: float, settings: Bootstrap) -> GateResult:
    """Verdicts from two runs over the same probes (paired by id) and sessions (paired by order)."""
    if not (baseline.probes or candidate.probes or baseline.sessions or candidate.sessions):
        raise ConfigError("no probe results or replayed sessions to compare")
    verdicts: list[Verdict] = []
    savings = None
    if baseline.probes or candidate.probes:
        base, cand = _paired(baseline.probes, candidate.probes)
        verdicts += [
            non_inferiority(
                metric,
                [getattr(r, metric) for r in base],
                [getattr(r, metric) for r in cand],
                margin,
                settings,
            )
            for metric in ACCURACY_METRICS
        ]
        savings = savings_delta_ci(
            [r.context_tokens_in for r in base],
            [r.context_tokens_out for r in base],
            [r.context_tokens_out for r in cand],
            settings,
        )
    if baseline.sessions or candidate.sessions:
        verdicts += session_verdicts(baseline.sessions, candidate.sessions, margin, settings)
    return GateResult(baseline, candidate, tuple(verdicts), savings)


def session_verdicts(
    baseline: Sequence[Mapping[str, Any]],
    candidate: Sequence[Mapping[str, Any]],
    margin: float,
    settings: Bootstrap,
) -> list[Verdict]:
    """Session retention and session cost of the policy arm, candidate against baseline."""
    if [s["source"] for s in baseline] != [s["source"] for s in candidate]:
        raise ConfigError("baseline and candidate runs did not replay the same sessions")
    if margin < 0:
        raise ConfigError(f"the non-inferiority margin must be >= 0, got {margin}")
    verdicts = []
    with_facts = [(b, c) for b, c in zip(baseline, candidate, strict=True) if b["facts"]]
    if with_facts:
        facts = [int(b["facts"]) for b, _ in with_facts]
        kept_base = [_kept(b) for b, _ in with_facts]
        kept_cand = [_kept(c) for _, c in with_facts]
        total = sum(facts)
        verdicts.append(
            Verdict(
                metric="session_retention",
                baseline=sum(kept_base) / total,
                candidate=sum(kept_cand) / total,
                delta=pooled_delta_ci(kept_base, kept_cand, facts, settings),
                margin=margin,
            )
        )
    cost_base = [float(s["policy"]["cost_usd"]) for s in baseline]
    cost_cand = [float(s["policy"]["cost_usd"]) for s in candidate]
    if sum(cost_base) > 0:
        verdicts.append(
            Verdict(
                metric="session_cost_saving",
                baseline=sum(cost_base),
                candidate=sum(cost_cand),
                delta=savings_ci(cost_base, cost_cand, settings),
                margin=margin,
            )
        )
    return verdicts


def _kept(session: Mapping[str, Any]) -> int:
    """Facts the policy arm kept verbatim in one session (the summary stores the share)."""
    share = session["policy"]["reference_retention"]["kept"] or 0.0
    return round(float(share) * int(session["facts"]))


async def run_gate(
    suite: Suite,
    baseline: Policy,
    candidate: Policy,
    provider: Provider,
    *,
    margin: float | None = None,
    on_done: Callable[[ProbeResult], None] | None = None,
) -> GateResult:
    """Run the suite's probes under both policies with one provider and compare them."""
    probes = suite.load_probes()
    if not probes and not suite.traces:
        raise ConfigError(f"suite {suite.name} has no probes or traces to gate on")
    base_run = await run_policy(suite, baseline, provider, probes, on_done)
    cand_run = await run_policy(suite, candidate, provider, probes, on_done)
    chosen = suite.margin if margin is None else margin
    return compare(base_run, cand_run, chosen, suite.bootstrap.settings())


def _paired(
    baseline: Sequence[ProbeResult], candidate: Sequence[ProbeResult]
) -> tuple[list[ProbeResult], list[ProbeResult]]:
    by_id = {r.probe_id: r for r in candidate}
    if set(by_id) != {r.probe_id for r in baseline}:
        raise ConfigError("baseline and candidate runs did not answer the same probes")
    if not baseline:
        raise ConfigError("no probe results to compare")
    return list(baseline), [by_id[r.probe_id] for r in baseline]
