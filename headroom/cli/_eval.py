"""``headroom eval``: replay traces, run suites, gate a candidate policy against a baseline.

``headroom eval --baseline B --candidate C --suite S`` is the promotion check: a shorthand for
``headroom eval gate`` with the same exit codes (0 non-inferior, 100 regression, 1 harness error).
"""

from __future__ import annotations

from pathlib import Path

import click

from headroom.cli._eval_memory import memory_eval_command
from headroom.cli._eval_replay import replay_command
from headroom.cli._eval_run import eval_gate_command, eval_run_command

_GATE_OPTIONS = ("baseline", "candidate", "suite_path", "margin", "out_dir")


@click.group("eval", invoke_without_command=True)
@click.option(
    "--baseline", default=None, help="Promotion check: the baseline policy (name, YAML or 'default')."
)
@click.option("--candidate", default=None, help="Promotion check: the candidate policy to promote.")
@click.option(
    "--suite",
    "suite_path",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    default=None,
    help="Promotion check: the suite to decide on.",
)
@click.option("--margin", type=float, default=None, help="Non-inferiority margin (default: the suite's).")
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=None, help="Report dir."
)
@click.option("--json", "as_json", is_flag=True, help="Print the promotion verdicts as JSON.")
@click.pass_context
def eval_group(
    ctx: click.Context,
    baseline: str | None,
    candidate: str | None,
    suite_path: Path | None,
    margin: float | None,
    out_dir: Path | None,
    as_json: bool,
) -> None:
    """Measure what a policy saves and what it costs in accuracy, on recorded traffic.

    With --baseline, --candidate and --suite (and no subcommand) it is the promotion check,
    the same as 'headroom eval gate': exit 0 to promote, 100 on a regression, 1 on error.
    """
    given = {k: v for k, v in ctx.params.items() if k in _GATE_OPTIONS and v is not None}
    if ctx.invoked_subcommand is not None:
        if given or as_json:
            raise click.UsageError(
                "--baseline/--candidate/--suite go without a subcommand (or use 'eval gate')"
            )
        return
    if not given and not as_json:
        click.echo(ctx.get_help())
        ctx.exit(0)
    if baseline is None or candidate is None or suite_path is None:
        raise click.UsageError("the promotion check needs --baseline, --candidate and --suite")
    ctx.invoke(
        eval_gate_command,
        suite_path=suite_path,
        baseline=_from_cwd(baseline),
        candidate=_from_cwd(candidate),
        margin=margin,
        out_dir=out_dir,
        as_json=as_json,
    )


def _from_cwd(policy: str) -> str:
    """A policy file named relative to the working directory, made absolute.

    The suite resolves relative paths against its own directory; on the command line a path the
    user can see from where they stand is what they mean. Names ('default', suite names) pass through.
    """
    path = Path(policy)
    return str(path.resolve()) if path.is_file() else policy


eval_group.add_command(replay_command)
eval_group.add_command(eval_run_command)
eval_group.add_command(eval_gate_command)
eval_group.add_command(memory_eval_command)
