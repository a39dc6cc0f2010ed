"""``headroom eval``: replay traces, run suites, gate a candidate policy against a baseline."""

from __future__ import annotations

import click

from headroom.cli._eval_replay import replay_command
from headroom.cli._eval_run import eval_gate_command, eval_run_command


@click.group("eval")
def eval_group() -> None:
    """Measure what a policy saves and what it costs in accuracy, on recorded traffic."""


eval_group.add_command(replay_command)
eval_group.add_command(eval_run_command)
eval_group.add_command(eval_gate_command)
