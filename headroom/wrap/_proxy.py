"""Finding, starting and giving back the proxy a wrapped agent talks to.

``attach`` reuses a proxy already on the port when its ``/health`` says it is a Headroom proxy
of this version with the same upstreams; a foreign listener (or a Headroom proxy set up for
other upstreams) is left alone and a free port is used instead. A started proxy must answer
``/readyz`` within the deadline or the wrap stops with its log's tail: the agent is never
launched unwrapped.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from headroom import __version__
from headroom.wrap._errors import ProxyUnavailable
from headroom.wrap._http import get, get_json
from headroom.wrap._leases import INTERVAL_ENV, LEASES_ENV, PortLeases, ProcessId, stop

SERVICE = "headroom-proxy"
LOOPBACK = "127.0.0.1"
_LOOP_VARS = ("ANTHROPIC_BASE_URL", "OPENAI_BASE_URL", "OPENAI_API_BASE", "ANTHROPIC_API_BASE")
"""Base-URL variables a wrapped shell may point at a proxy; the proxy itself must not see them."""
_LISTENER_VARS = ("HEADROOM_PROXY_TOKEN", "HEADROOM_PROXY_UDS")
"""A user's settings for a shared proxy: wrap's own listens on loopback TCP for an agent that sends no token."""


@dataclass(frozen=True)
class ProxyRequest:
    """The proxy a session needs."""

    port: int
    """Preferred port (another is used when a foreign program holds it)."""
    anthropic_upstream: str
    openai_upstream: str
    state_dir: Path
    startup_timeout_s: float = 20.0
    watchdog_s: float = 30.0


@dataclass(frozen=True)
class AttachedProxy:
    """The proxy this session uses."""

    url: str
    port: int
    started: bool
    """This session started it (else it was already running)."""
    health: Mapping[str, Any]


def health(port: int, timeout_s: float = 1.0) -> dict[str, Any] | None:
    """The ``/health`` of a Headroom proxy on ``port``; None when nothing or something else answers."""
    data = get_json(f"http://{LOOPBACK}:{port}/health", timeout_s)
    return data if data is not None and data.get("service") == SERVICE else None


def compatible(found: Mapping[str, Any], wanted: ProxyRequest) -> bool:
    upstreams = found.get("upstreams")
    if found.get("version") != __version__ or not isinstance(upstreams, dict):
        return False
    return _same(upstreams.get("anthropic"), wanted.anthropic_upstream) and _same(
        upstreams.get("openai"), wanted.openai_upstream
    )


def _same(found: object, wanted: str) -> bool:
    return isinstance(found, str) and found.rstrip("/") == wanted.rstrip("/")


def listening(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex((LOOPBACK, port)) == 0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((LOOPBACK, 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def attach(wanted: ProxyRequest, environ: Mapping[str, str]) -> Iterator[AttachedProxy]:
    """A proxy for the session's lifetime; the last session leaving a wrap-started proxy stops it."""
    me = ProcessId.of(os.getpid())
    port = wanted.port
    while True:
        leases = PortLeases(wanted.state_dir, port)
        with leases.locked():
            lease = leases.take(me)
            try:
                proxy = _reuse_or_start(leases, wanted, environ)
            except BaseException:
                lease.unlink(missing_ok=True)
                raise
        if proxy is not None:
            break
        lease.unlink(missing_ok=True)
        port = free_port()
    try:
        yield proxy
    finally:
        with leases.locked():
            lease.unlink(missing_ok=True)
            owner = leases.owner()
            if owner is not None and not leases.live():
                stop(owner)
                leases.clear_owner()


def _reuse_or_start(
    leases: PortLeases, wanted: ProxyRequest, environ: Mapping[str, str]
) -> AttachedProxy | None:
    """The proxy on ``leases.port``: reused, or started; None when the port is someone else's."""
    url = f"http://{LOOPBACK}:{leases.port}"
    found = health(leases.port)
    if found is not None and compatible(found, wanted):
        return AttachedProxy(url, leases.port, False, found)
    if found is not None or listening(leases.port):
        return None
    return AttachedProxy(url, leases.port, True, _start(leases, wanted, environ))


def proxy_environment(environ: Mapping[str, str], leases: PortLeases, wanted: ProxyRequest) -> dict[str, str]:
    """The proxy's environment: egress proxies kept, base URLs that would loop dropped."""
    env = {k: v for k, v in environ.items() if k not in _LOOP_VARS + _LISTENER_VARS}
    env.update(loopback_no_proxy(env))
    env.update(
        {
            "PYTHONSAFEPATH": "1",  # a ./headroom folder in the agent's project must not shadow the package
            "PYTHONIOENCODING": "utf-8",
            "HEADROOM_WRAP_OWNED": "1",
            LEASES_ENV: str(leases.root),
            INTERVAL_ENV: str(wanted.watchdog_s),
        }
    )
    return env


def loopback_no_proxy(environ: Mapping[str, str]) -> dict[str, str]:
    """``NO_PROXY`` and ``no_proxy`` with loopback added, so a corporate HTTPS_PROXY never sees it."""
    present = environ.get("NO_PROXY") or environ.get("no_proxy") or ""
    hosts = [h.strip() for h in present.split(",") if h.strip()]
    hosts += [h for h in (LOOPBACK, "localhost", "::1") if h not in hosts]
    value = ",".join(hosts)
    return {"NO_PROXY": value, "no_proxy": value}


def _start(leases: PortLeases, wanted: ProxyRequest, environ: Mapping[str, str]) -> dict[str, Any]:
    log_path = leases.root.parent.parent / "logs" / f"proxy-{leases.port}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable,
        "-m",
        "headroom.wrap._host",
        "--host",
        LOOPBACK,  # the agent is pointed at loopback; HEADROOM_PROXY_HOST must not widen it
        "--port",
        str(leases.port),
        "--anthropic-upstream",
        wanted.anthropic_upstream,
        "--openai-upstream",
        wanted.openai_upstream,
    ]
    with open(log_path, "wb") as log:  # one log per start: its tail is this start's
        child = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            env=proxy_environment(environ, leases, wanted),
            start_new_session=True,  # the terminal's Ctrl-C is the agent's, not the proxy's
        )
    leases.set_owner(ProcessId.of(child.pid))
    try:
        return _wait_ready(child, leases.port, wanted.startup_timeout_s, log_path)
    except BaseException:
        stop(ProcessId.of(child.pid), grace_s=2.0)
        child.wait()
        leases.clear_owner()
        raise


def _wait_ready(child: subprocess.Popen[bytes], port: int, timeout_s: float, log: Path) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if child.poll() is not None:
            raise ProxyUnavailable(
                f"the proxy exited with code {child.returncode} before it was ready;"
                f" the agent was not started. Log {log}:\n{_tail(log)}"
            )
        ready = get(f"http://{LOOPBACK}:{port}/readyz", timeout_s=0.5)
        found = health(port) if ready is not None and ready[0] == 200 else None
        if found is not None and found.get("pid") == child.pid:
            return found
        time.sleep(0.1)
    raise ProxyUnavailable(
        f"the proxy did not answer /readyz on port {port} within {timeout_s:g} s"
        f" (HEADROOM_WRAP_STARTUP_TIMEOUT); the agent was not started. Log {log}:\n{_tail(log)}"
    )


def _tail(log: Path, lines: int = 20) -> str:
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:]) or "(empty log)"
