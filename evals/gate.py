"""The regression gate: a candidate policy against a baseline on the same suite.

The candidate passes when it is non-inferior on every accuracy metric: the lower bound of
the paired bootstrap interval of (candidate − baseline) is above −margin. Savings are
reported with their paired interval but never fail the gate. Exit codes: 0 pass, 100
regression, 1 harness error (raised before any verdict exists).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from evals._run import PolicyRun, run_policy, summarize
from evals.probes import ProbeResult
from evals.providers._base import Provider
from evals.stats import Bootstrap, Interval, Verdict, non_inferiority, savings_delta_ci
from evals.suite import Suite
from headroom.errors import ConfigError
from headroom.policy import Policy

EXIT_PASS = 0
EXIT_REGRESSION = 100
EXIT_HARNESS_ERROR = 1
ACCURACY_METRICS = ("exact_match", "token_f1")


@dataclass(frozen=True)
class GateResult:
    """The verdicts of one gate run."""

    baseline: PolicyRun
    candidate: PolicyRun
    verdicts: tuple[Verdict, ...]
    savings_delta: Interval
    """Candidate savings minus baseline savings on the probe contexts."""

    @property
    def passed(self) -> bool:
        """True when the candidate is non-inferior on every accuracy metric."""
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
            "savings_delta": self.savings_delta.as_list(),
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
    """Verdicts from two runs over the same probes (paired by probe id)."""
    base, cand = _paired(baseline.probes, candidate.probes)
    verdicts = tuple(
        non_inferiority(
            metric,
            [getattr(r, metric) for r in base],
            [getattr(r, metric) for r in cand],
            margin,
            settings,
        )
        for metric in ACCURACY_METRICS
    )
    savings = savings_delta_ci(
        [r.context_tokens_in for r in base],
        [r.context_tokens_out for r in base],
        [r.context_tokens_out for r in cand],
        settings,
    )
    return GateResult(baseline, candidate, verdicts, savings)


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
    if not probes:
        raise ConfigError(f"suite {suite.name} has no probes to gate on")
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
