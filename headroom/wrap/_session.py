"""One ``headroom wrap`` session: proxy up, agent pointed at it, agent run, savings read, all undone.

The order matters: everything that can refuse (unknown setup, binary not on PATH, nothing to
persist) is checked before a proxy is started, and the agent is started only once a proxy
answers, so a failure never leaves the agent running unwrapped or a proxy running unused.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

import platformdirs
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from headroom.errors import ConfigError
from headroom.wrap._errors import WrapError
from headroom.wrap._leases import PortLeases
from headroom.wrap._persist import Stamps
from headroom.wrap._profile import AgentProfile, WrapContext
from headroom.wrap._proxy import LOOPBACK, AttachedProxy, ProxyRequest, attach, health, loopback_no_proxy
from headroom.wrap._runner import run, wait_for_signal
from headroom.wrap._savings import Counters, read

Say = Callable[[str], None]


class WrapSettings(BaseSettings):
    """Deployment knobs of ``headroom wrap`` (``HEADROOM_WRAP_*``)."""

    model_config = SettingsConfigDict(env_prefix="HEADROOM_WRAP_", frozen=True, extra="ignore")

    startup_timeout: float = Field(20.0, gt=0, description="Seconds a started proxy has to answer /readyz.")
    state_dir: Path | None = Field(
        None, description="Leases, stamps and proxy logs (default: user state dir)."
    )
    watchdog_s: float = Field(
        30.0, gt=0, description="How often a wrap-started proxy checks it is still used."
    )
    grace_s: float = Field(
        10.0, ge=0, description="Time the agent has to exit after a forwarded SIGTERM/SIGHUP."
    )

    def state(self) -> Path:
        return self.state_dir or Path(platformdirs.user_state_dir("headroom")) / "wrap"


@dataclass(frozen=True)
class WrapOptions:
    """What the command line asked for."""

    port: int | None = None
    """Preferred proxy port (None: ``HEADROOM_PROXY_PORT`` or 8787)."""
    anthropic_upstream: str | None = None
    openai_upstream: str | None = None
    persist: bool = False


@dataclass(frozen=True)
class Outcome:
    """How a session ended."""

    exit_code: int
    proxy: AttachedProxy
    savings: Counters | None
    """Counter changes over the session (None: /metrics did not answer)."""
    shared: bool
    """Another session used the proxy too, so the changes may include its traffic."""


def strip_v1(url: str) -> str:
    """A base URL as the proxy's upstream: the proxy appends request paths, which start with /v1."""
    url = url.strip().rstrip("/")
    return url[: -len("/v1")] if url.endswith("/v1") else url


def _is_headroom(url: str) -> bool:
    parts = urlsplit(url)
    return parts.hostname in (LOOPBACK, "localhost") and health(parts.port or 80, 0.5) is not None


def upstreams(profile: AgentProfile, environ: Mapping[str, str], options: WrapOptions) -> tuple[str, str]:
    """Anthropic and OpenAI upstreams: the options, else a base URL the user had set, else the proxy's."""
    from headroom.proxy._settings import ProxySettings

    chosen = {"anthropic": options.anthropic_upstream, "openai": options.openai_upstream}
    for provider, names in profile.upstream_vars.items():
        for name in names:
            value = environ.get(name, "").strip()
            if chosen[provider] is None and value and not _is_headroom(value):
                chosen[provider] = strip_v1(value)
    defaults = ProxySettings()
    return chosen["anthropic"] or defaults.anthropic_upstream, chosen["openai"] or defaults.openai_upstream


def context(base_url: str, environ: Mapping[str, str], anthropic_upstream: str) -> WrapContext:
    home = Path(environ.get("HOME") or Path.home())
    return WrapContext(base_url, environ, Path.cwd(), home, anthropic_upstream)


def child_environment(profile: AgentProfile, ctx: WrapContext) -> tuple[dict[str, str], dict[str, str]]:
    """The child's whole environment, and the part of it wrap set (to show the user)."""
    changes = loopback_no_proxy(ctx.environ) | _memory_identity(profile, ctx) | profile.environment(ctx)
    return dict(ctx.environ) | changes, changes


def _memory_identity(profile: AgentProfile, ctx: WrapContext) -> dict[str, str]:
    """Who saves a fact in the shared memory (its MCP server reads these); the user's own values win."""
    wanted = {"HEADROOM_AGENT": profile.name, "HEADROOM_SESSION_ID": f"wrap-{uuid.uuid4().hex[:16]}"}
    return {name: value for name, value in wanted.items() if not ctx.environ.get(name)}


def binary_path(profile: AgentProfile, environ: Mapping[str, str]) -> str | None:
    if profile.binary is None:
        return None
    found = shutil.which(profile.binary, path=environ.get("PATH"))
    if found is None:
        raise WrapError(f"{profile.binary!r} ({profile.title}) is not on PATH; install it first")
    return found


@contextlib.contextmanager
def _exit_on_termination() -> Iterator[None]:
    """SIGTERM / SIGHUP outside the agent's run end the wrapper through its cleanups."""

    def leave(signum: int, _frame: FrameType | None) -> None:
        raise SystemExit(128 + signum)

    previous = {sig: signal.signal(sig, leave) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def run_session(
    profile: AgentProfile,
    args: Sequence[str],
    options: WrapOptions,
    environ: Mapping[str, str],
    say: Say,
    settings: WrapSettings | None = None,
) -> Outcome:
    settings = settings or WrapSettings()
    profile.check(environ)
    binary = binary_path(profile, environ)
    if options.persist and not profile.persists:
        profile.persist_edits(context("http://127.0.0.1", environ, ""))  # raises, saying why
    anthropic, openai = upstreams(profile, environ, options)
    from headroom.proxy._settings import ProxySettings

    wanted = ProxyRequest(
        options.port or ProxySettings().port,
        anthropic,
        openai,
        settings.state(),
        settings.startup_timeout,
        settings.watchdog_s,
    )
    with _exit_on_termination(), attach(wanted, environ) as proxy:
        say(
            f"{'started' if proxy.started else 'reusing'} headroom proxy {proxy.url} -> {anthropic}, {openai}"
        )
        ctx = context(proxy.url, environ, anthropic)
        env, changes = child_environment(profile, ctx)
        argv = [binary, *profile.arguments(ctx, args)] if binary else []
        for name, value in changes.items():
            say(f"  {name}={value}".replace("\n", "\\n"))
        if profile.instructions(ctx):
            say(profile.instructions(ctx))
        before = read(proxy.url)
        code = _run(profile, ctx, argv, env, options, settings, say)
        after = read(proxy.url)
        shared = not proxy.started or len(PortLeases(wanted.state_dir, proxy.port).live()) > 1
    savings = after.minus(before) if before is not None and after is not None else None
    return Outcome(code, proxy, savings, shared)


def _run(
    profile: AgentProfile,
    ctx: WrapContext,
    argv: list[str],
    env: dict[str, str],
    options: WrapOptions,
    settings: WrapSettings,
    say: Say,
) -> int:
    stack = contextlib.ExitStack()
    if options.persist:
        stamps = Stamps(settings.state())
        healed = stack.enter_context(stamps.persisted(profile.name, profile.persist_edits(ctx), ctx.port))
        for line in healed:
            say(f"undid a crashed session's write: {line}")
        say(f"persisted for this session (undone at exit; after a crash: headroom unwrap {profile.name})")
    code: int | None = None
    try:
        code = run(argv, env, settings.grace_s) if argv else _watch(say)
    finally:
        try:
            stack.close()
        except ConfigError as exc:
            if code is None:
                raise
            say(f"warning: {exc}; once it is fixed, `headroom unwrap {profile.name}` undoes the rest")
    return code


def _watch(say: Say) -> int:
    return wait_for_signal(
        lambda: say(f"proxy serving in the foreground (wrapper pid {os.getpid()}); Ctrl-C ends the session")
    )


def unwrap(name: str, settings: WrapSettings | None = None) -> list[str]:
    """Undo what ``--persist`` wrote for ``name`` and a session did not undo (it was killed)."""
    stamps = Stamps((settings or WrapSettings()).state())
    holder = stamps.owner(name)
    if holder is not None:
        raise WrapError(f"wrap session {holder.pid} is still running and undoes its writes when it exits")
    return stamps.undo(name)


def plan(
    profile: AgentProfile, args: Sequence[str], options: WrapOptions, environ: Mapping[str, str]
) -> list[str]:
    """What a session would set and run, as lines (``--print``); starts nothing, writes nothing."""
    from headroom.proxy._settings import ProxySettings

    anthropic, openai = upstreams(profile, environ, options)
    ctx = context(f"http://{LOOPBACK}:{options.port or ProxySettings().port}", environ, anthropic)
    lines = [f"# proxy {ctx.base_url} -> {anthropic}, {openai}"]
    if profile.binary is not None:
        _, changes = child_environment(profile, ctx)
        lines += [f"export {name}={shlex_quote(value)}" for name, value in changes.items()]
        lines.append(" ".join(shlex_quote(a) for a in [profile.binary, *profile.arguments(ctx, args)]))
    if profile.instructions(ctx):
        lines.append(profile.instructions(ctx))
    if options.persist and profile.persists:
        lines += [f"# --persist sets {'.'.join(e.key)} in {e.path}" for e in profile.persist_edits(ctx)]
    return lines


def shlex_quote(value: str) -> str:
    import shlex

    return shlex.quote(value)
