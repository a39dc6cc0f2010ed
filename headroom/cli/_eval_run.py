"""``headroom eval run`` and ``headroom eval gate``: suites, reports and the regression gate.

The evals package (and mlflow) are imported inside the command bodies, so ``import headroom``
and ``headroom --help`` stay light.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from headroom.cli._common import friendly_errors, path_option, stderr
from headroom.extras import needs_extra

EXIT_HARNESS_ERROR = 1
_SUITE = click.option(
    "--suite", "suite_path", required=True, type=click.Path(path_type=Path, dir_okay=False, exists=True)
)


@click.command("run")
@_SUITE
@click.option(
    "--policy", "policies", multiple=True, help="Policy name from the suite, or a policy YAML (repeatable)."
)
@path_option("--out", "out_dir", "Report directory (default: eval-reports/<suite>).", folder=True)
@click.option("--mlflow/--no-mlflow", "use_mlflow", default=True, help="Log an mlflow run per policy.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def eval_run_command(
    suite_path: Path, policies: tuple[str, ...], out_dir: Path | None, use_mlflow: bool, as_json: bool
) -> None:
    """Run a suite's probes (and replay its traces) under each policy; write the reports."""
    with friendly_errors(), needs_extra("evals"):
        from evals.cli import run_suite

        summary = run_suite(suite_path, policies, out_dir, use_mlflow, progress=not as_json)
        if as_json:
            click.echo(json.dumps(summary, ensure_ascii=False))
        else:
            _print_summary(summary)


@click.command("gate")
@_SUITE
@click.option("--baseline", required=True, help="Baseline policy: suite name, YAML path or 'default'.")
@click.option("--candidate", required=True, help="Candidate policy: suite name, YAML path or 'default'.")
@click.option("--margin", type=float, default=None, help="Non-inferiority margin (default: the suite's).")
@path_option("--out", "out_dir", "Also write the reports here.", folder=True)
@click.option("--json", "as_json", is_flag=True, help="Print the verdicts as JSON.")
def eval_gate_command(
    suite_path: Path, baseline: str, candidate: str, margin: float | None, out_dir: Path | None, as_json: bool
) -> None:
    """Exit 0 when the candidate is non-inferior to the baseline, 100 on a regression, 1 on error."""
    try:
        with needs_extra("evals"):
            from evals.cli import gate_suite

        result = gate_suite(suite_path, baseline, candidate, margin, out_dir)
    except Exception as exc:  # any harness failure must exit 1, never look like a verdict
        stderr.print(f"[red]harness error:[/red] {type(exc).__name__}: {escape(str(exc))}")
        sys.exit(EXIT_HARNESS_ERROR)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
    else:
        _print_gate(result)
    sys.exit(int(result["exit_code"]))


def _ci(values: list[float]) -> str:
    return f"{values[0]:.3f} [{values[1]:.3f}, {values[2]:.3f}]"


def _print_summary(summary: dict[str, Any]) -> None:
    click.echo(f"suite {summary['suite']} ({summary['suite_hash']}) · provider {summary['provider']}")
    for p in summary["policies"]:
        line = f"  {p['policy']:<12} probes {p['probes']:>3}"
        for name in ("exact_match", "token_f1", "savings"):
            if name in p:
                line += f"  {name} {_ci(p[name])}"
        click.echo(line)
        replay = p.get("replay", {})
        if replay:
            arms = "  ".join(f"{arm} ${replay[arm]['cost_usd']:.4f}" for arm in ("raw", "policy", "masking"))
            click.echo(f"  {'':<12} sessions {replay['raw'].get('sessions', 0)}  cost {arms}")
    click.echo(f"report: {summary['report']}")


def _print_gate(result: dict[str, Any]) -> None:
    for v in result["verdicts"]:
        state = "ok" if v["non_inferior"] else "REGRESSION"
        click.echo(f"{v['metric']:<20} delta {_ci(v['delta'])}  margin {v['margin']:.3f}  {state}")
    if result["savings_delta"] is not None:
        click.echo(f"savings delta {_ci(result['savings_delta'])}")
    click.echo("PASS" if result["passed"] else "FAIL: candidate regresses against baseline")
