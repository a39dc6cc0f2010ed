"""What the ``headroom eval run|gate`` commands do, kept out of the CLI so tests can call it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from evals._run import PolicyRun, run_policy, summarize
from evals.gate import run_gate
from evals.probes import ProbeResult
from evals.providers import Provider, build_provider
from evals.report import log_mlflow, write_report
from evals.suite import Suite, load_suite, suite_hash
from headroom.policy import Policy

__all__ = ["gate_suite", "run_suite"]


def run_suite(
    suite_path: Path,
    policies: Sequence[str],
    out_dir: Path | None,
    use_mlflow: bool,
    *,
    progress: bool = False,
    provider: Provider | None = None,
) -> dict[str, Any]:
    """Run every chosen policy, write the reports (and mlflow runs); returns the summary."""
    suite = load_suite(suite_path)
    chosen = [suite.policy(name) for name in (policies or list(suite.policies))]
    answerer = provider if provider is not None else build_provider(suite.provider)
    probes = suite.load_probes()
    runs: list[PolicyRun] = []
    with _progress(progress, len(probes) * len(chosen)) as tick:
        for policy in chosen:
            runs.append(asyncio.run(run_policy(suite, policy, answerer, probes, tick)))
    folder = out_dir or Path("eval-reports") / suite.name
    summary = _summary(suite, runs)
    files = write_report(folder, f"Headroom eval · {suite.name}", runs, summary)
    summary["report"] = str(files.html)
    if use_mlflow:
        summary["mlflow_runs"] = {run.policy.name: log_mlflow(folder, run, summary, files) for run in runs}
    return summary


def gate_suite(
    suite_path: Path,
    baseline: str,
    candidate: str,
    margin: float | None,
    out_dir: Path | None,
    *,
    provider: Provider | None = None,
) -> dict[str, Any]:
    """Gate ``candidate`` against ``baseline`` on the suite; the JSON-ready result with ``exit_code``."""
    suite = load_suite(suite_path)
    base, cand = _distinct(suite.policy(baseline), suite.policy(candidate))
    answerer = provider if provider is not None else build_provider(suite.provider)
    result = asyncio.run(run_gate(suite, base, cand, answerer, margin=margin))
    settings = suite.bootstrap.settings()
    data = result.as_dict(settings)
    if out_dir is not None:
        summary = _summary(suite, [result.baseline, result.candidate])
        summary["gate"] = data
        data["report"] = str(
            write_report(
                out_dir, f"Headroom gate · {suite.name}", [result.baseline, result.candidate], summary
            ).html
        )
    return data


def _summary(suite: Suite, runs: Sequence[PolicyRun]) -> dict[str, Any]:
    settings = suite.bootstrap.settings()
    return {
        "suite": suite.name,
        "suite_hash": suite_hash(suite),
        "provider": suite.provider,
        "model": suite.model,
        "margin": suite.margin,
        "policies": [summarize(run, settings) for run in runs],
    }


def _distinct(baseline: Policy, candidate: Policy) -> tuple[Policy, Policy]:
    """Rename a candidate that shares the baseline's name, so reports tell them apart."""
    if baseline.name != candidate.name:
        return baseline, candidate
    return baseline.model_copy(update={"name": f"{baseline.name} (baseline)"}), candidate.model_copy(
        update={"name": f"{candidate.name} (candidate)"}
    )


@contextmanager
def _progress(enabled: bool, total: int) -> Iterator[Callable[[ProbeResult], None] | None]:
    if not enabled or total == 0:
        yield None
        return
    from rich.progress import Progress

    with Progress(transient=True) as bar:
        task = bar.add_task("probes", total=total)
        yield lambda _result: bar.advance(task)
