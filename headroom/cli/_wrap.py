"""``headroom wrap <agent>`` and ``headroom unwrap <agent>``: an agent run through the proxy."""

from __future__ import annotations

import os
import sys

import click

from headroom.cli._common import friendly_errors, stderr
from headroom.extras import needs_extra


def _say(line: str) -> None:
    click.echo(f"headroom: {line}", err=True)


@click.command("wrap", context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("agent")
@click.argument("agent_args", nargs=-1, type=click.UNPROCESSED)
@click.option("--port", type=int, default=None, help="Proxy port to reuse or start on (default 8787).")
@click.option("--anthropic-upstream", default=None, help="Where the proxy sends Anthropic calls.")
@click.option("--openai-upstream", default=None, help="Where the proxy sends OpenAI calls.")
@click.option("--print", "--dry-run", "print_only", is_flag=True, help="Print the settings and exit.")
@click.option(
    "--persist", is_flag=True, help="Also write the agent's config for the session (undone at exit)."
)
def wrap_command(
    agent: str,
    agent_args: tuple[str, ...],
    port: int | None,
    anthropic_upstream: str | None,
    openai_upstream: str | None,
    print_only: bool,
    persist: bool,
) -> None:
    """Run AGENT (claude, codex, aider, opencode, goose, openhands; cursor, cline, continue) through
    the proxy; arguments after AGENT (or after --) go to the agent."""
    with friendly_errors(), needs_extra("proxy"):
        from headroom.wrap import WrapOptions, plan, run_session
        from headroom.wrap import agent as find_agent

        profile = find_agent(agent)
        args = agent_args[1:] if agent_args[:1] == ("--",) else agent_args
        options = WrapOptions(port, anthropic_upstream, openai_upstream, persist)
        if print_only:
            click.echo("\n".join(plan(profile, args, options, os.environ)))
            return
        outcome = run_session(profile, args, options, dict(os.environ), _say)
        _say(_summary(outcome, profile.provider))
    sys.exit(outcome.exit_code)


@click.command("unwrap")
@click.argument("agent")
def unwrap_command(agent: str) -> None:
    """Undo what `headroom wrap --persist AGENT` wrote and a killed session left behind."""
    with friendly_errors():
        from headroom.wrap import agent as find_agent
        from headroom.wrap import unwrap

        done = unwrap(find_agent(agent).name)
        for line in done or [f"nothing to undo for {agent}"]:
            stderr.print(line, markup=False)


def _summary(outcome: object, provider: str) -> str:
    from headroom.wrap import Outcome

    assert isinstance(outcome, Outcome)
    s = outcome.savings
    if s is None:
        return "session over; the proxy's /metrics did not answer, so no savings to report"
    if not s.requests:
        return "session over; no requests reached the proxy"
    share = f" ({s.tokens_saved / s.tokens_in:.1%})" if s.tokens_in else ""
    price = _input_price(provider)
    cost = f", ≈${s.tokens_saved * price[1]:.4f} saved at {price[0]} input price" if price else ""
    shared = " (shared proxy: includes other sessions' traffic)" if outcome.shared else ""
    as_sent = f" ({s.passthrough:.0f} forwarded uncompressed)" if s.passthrough else ""
    return (
        f"session: {s.requests:.0f} requests{as_sent}, {s.tokens_in:,.0f} tokens in,"
        f" {s.tokens_saved:,.0f} saved{share}{cost}, {s.retrievals:.0f} retrievals{shared}"
    )


def _input_price(provider: str) -> tuple[str, float] | None:
    """The default model's list input price per token (configs/pricing.yaml), if it can be read."""
    try:
        from evals.replay import load_pricing

        pricing = load_pricing()
        model = pricing.defaults[provider]  # type: ignore[index]
        return model, pricing.models[model].input / 1e6
    except Exception:  # a summary without a price beats a failed exit
        return None
