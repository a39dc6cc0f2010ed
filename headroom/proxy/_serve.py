"""Running the proxy: its policy and store, its listening socket, the start-up checks, and uvicorn."""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from headroom.ccr import Store
from headroom.errors import ConfigError
from headroom.policy import Policy, load_policy
from headroom.proxy._guard import loopback_address
from headroom.proxy._settings import ProxySettings
from headroom.settings import Settings

_UPSTREAMS = ("anthropic_upstream", "openai_upstream", "chatgpt_upstream")
_WILDCARDS = ("", "0.0.0.0", "::")


def proxy_policy(settings: ProxySettings) -> Policy:
    """The policy file's, with prose kept to the extractive engine unless Kompress is allowed.

    The Kompress model takes seconds per block on a CPU: on the request path it would spend
    the deadline and the request would go out uncompressed.
    """
    policy = load_policy(settings.policy)
    if settings.kompress or policy.prose.engine == "extractive":
        return policy
    return policy.model_copy(update={"prose": policy.prose.model_copy(update={"engine": "extractive"})})


def proxy_store() -> Store:
    """The store ``HEADROOM_STORE_*`` describes (SQLite by default), shared with the CLI."""
    return Settings().open_store()


def listen(settings: ProxySettings) -> socket.socket:
    """The bound, listening socket: the unix socket ``uds`` (mode 0600), else ``host:port``."""
    if settings.uds is not None:
        return _unix_socket(settings.uds)
    family = socket.AF_INET6 if ":" in settings.host else socket.AF_INET
    try:
        return socket.create_server((settings.host, settings.port), family=family, backlog=2048)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {settings.host}:{settings.port}: {exc.strerror or exc}") from exc


def _unix_socket(path: Path) -> socket.socket:
    if path.exists() or path.is_symlink():
        if not stat.S_ISSOCK(path.lstat().st_mode):
            raise ConfigError(f"{path} exists and is not a socket; not replacing it")
        probe = socket.socket(socket.AF_UNIX)
        try:
            probe.connect(str(path))
        except OSError:
            path.unlink()  # a socket nobody listens on: left by a proxy that died
        else:
            raise ConfigError(f"{path}: another process is listening on it")
        finally:
            probe.close()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    mask = os.umask(0o177)
    try:
        listener.bind(str(path))
    except OSError as exc:
        listener.close()
        raise ConfigError(f"cannot listen on {path}: {exc.strerror or exc}") from exc
    finally:
        os.umask(mask)
    listener.listen(2048)
    return listener


def check_upstreams(settings: ProxySettings, listening: tuple[str, int] | None = None) -> None:
    """Refuse an upstream that resolves to the proxy's own listening address (it would call itself).

    ``listening`` is the bound ``(host, port)`` (the real port when ``port`` was 0); a proxy on a
    unix socket cannot be an ``http(s)://`` upstream, so only the URLs' form is checked then.
    """
    host, port = listening or (settings.host, settings.port)
    for name in _UPSTREAMS:
        value = getattr(settings, name)
        url = urlsplit(value)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ConfigError(f"{name} must be an http(s) URL, got {value!r}")
        if settings.uds is not None:
            continue
        upstream_port = url.port or (443 if url.scheme == "https" else 80)
        if upstream_port == port and _same_host(url.hostname, host):
            raise ConfigError(f"{name} {value} is this proxy's own address ({host}:{port})")


def _same_host(upstream: str, listen_host: str) -> bool:
    """Whether ``upstream`` resolves to an address this proxy listens on."""
    try:
        resolved = {str(info[4][0]) for info in socket.getaddrinfo(upstream, None, type=socket.SOCK_STREAM)}
    except OSError:
        return False
    if listen_host in _WILDCARDS:
        return any(loopback_address(ip) or _local(ip) for ip in resolved)
    try:
        listening = {
            str(info[4][0]) for info in socket.getaddrinfo(listen_host, None, type=socket.SOCK_STREAM)
        }
    except OSError:
        listening = {listen_host}
    both_loopback = all(loopback_address(ip) for ip in resolved | listening)
    return bool(resolved & listening) or both_loopback


def _local(ip: str) -> bool:
    """Whether ``ip`` is one of this machine's addresses (binding to it succeeds only then)."""
    probe = socket.socket(socket.AF_INET6 if ":" in ip else socket.AF_INET, socket.SOCK_STREAM)
    try:
        probe.bind((ip, 0))
    except OSError:
        return False
    finally:
        probe.close()
    return True


def address(listener: socket.socket) -> str:
    """How a client reaches ``listener``: ``http://host:port`` or ``unix:PATH``."""
    if listener.family == socket.AF_UNIX:
        return f"unix:{listener.getsockname()}"
    host, port = listener.getsockname()[:2]
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def banner(settings: ProxySettings, policy_hash: str, where: str) -> str:
    lines = [
        f"headroom proxy on {where}  (policy {policy_hash})",
        f"  anthropic -> {settings.anthropic_upstream}",
        f"  openai    -> {settings.openai_upstream}",
        f"  compression deadline {settings.compress_deadline_ms:.0f} ms; retrieval rounds {settings.max_rounds}",
        "  inbound token: " + ("required on API routes" if settings.token else "none"),
        f"  request log: {settings.log_format} to {settings.log_file or 'stderr'}",
    ]
    if settings.uds is None and not settings.token and not _loopback_listen(settings.host):
        lines.append(
            f"  warning: listening on {settings.host} without a token: anyone who can reach this port can"
            " send requests through it (set --token or HEADROOM_PROXY_TOKEN)"
        )
    return "\n".join(lines)


def _loopback_listen(host: str) -> bool:
    return host.lower() in ("localhost", "ip6-localhost") or loopback_address(host)


def server_config(app: Any) -> Any:
    """uvicorn's configuration for the proxy (the caller hands it the listening socket)."""
    import uvicorn

    return uvicorn.Config(
        app,
        proxy_headers=False,  # the guard must see the real peer, not a header's claim
        timeout_keep_alive=75,
        timeout_graceful_shutdown=10,
        log_level="warning",
        access_log=False,
        lifespan="on",
    )


def serve(settings: ProxySettings) -> None:
    """Run the proxy until interrupted (one uvicorn worker; the app is async)."""
    import uvicorn

    from headroom.proxy._app import build_app
    from headroom.proxy._request_log import request_logging

    check_upstreams(settings)  # before binding: a refused config leaves nothing behind
    listener = listen(settings)
    try:
        if listener.family != socket.AF_UNIX:
            check_upstreams(settings, listener.getsockname()[:2])
        app = build_app(settings)
        print(banner(settings, app.state.proxy.stage.policy.policy_hash, address(listener)), file=sys.stderr)
        with request_logging(settings.log_file, settings.log_format):
            uvicorn.Server(server_config(app)).run(sockets=[listener])
    finally:
        listener.close()
        if settings.uds is not None:
            with contextlib.suppress(OSError):
                settings.uds.unlink()
