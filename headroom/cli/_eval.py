"""``headroom eval``: replay traces, run suites, gate a candidate policy against a baseline."""

from __future__ import annotations

import click

from headroom.cli._eval_replay import replay_command


@click.group("eval")
def eval_group() -> None:
    """Measure what a policy saves and what it costs in accuracy, on recorded traffic."""


eval_group.add_command(replay_command)
