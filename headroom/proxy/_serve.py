"""Running the proxy: its policy and store, the start-up checks, and the uvicorn server."""

from __future__ import annotations

import socket
import sys
from urllib.parse import urlsplit

from headroom.ccr import Store
from headroom.errors import ConfigError
from headroom.policy import Policy, load_policy
from headroom.proxy._settings import ProxySettings
from headroom.settings import Settings


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


def check_upstreams(settings: ProxySettings) -> None:
    """Refuse an upstream that is the proxy's own address (it would forward to itself forever)."""
    for name in ("anthropic_upstream", "openai_upstream"):
        url = urlsplit(getattr(settings, name))
        if url.scheme not in ("http", "https") or not url.hostname:
            raise ConfigError(f"{name} must be an http(s) URL, got {getattr(settings, name)!r}")
        port = url.port or (443 if url.scheme == "https" else 80)
        if port == settings.port and _same_host(url.hostname, settings.host):
            raise ConfigError(f"{name} {getattr(settings, name)} is this proxy's own address")


def _same_host(upstream: str, listen: str) -> bool:
    try:
        upstream_ip = socket.gethostbyname(upstream)
    except OSError:
        return False
    return listen in ("0.0.0.0", upstream_ip) or (
        upstream_ip.startswith("127.") and listen.startswith("127.")
    )


def banner(settings: ProxySettings, policy_hash: str) -> str:
    lines = [
        f"headroom proxy on http://{settings.host}:{settings.port}  (policy {policy_hash})",
        f"  anthropic -> {settings.anthropic_upstream}",
        f"  openai    -> {settings.openai_upstream}",
        f"  compression deadline {settings.compress_deadline_ms:.0f} ms; retrieval rounds {settings.max_rounds}",
    ]
    if settings.host not in ("127.0.0.1", "localhost", "::1"):
        lines.append(
            "  warning: listening beyond loopback; anyone who can reach it can use your upstream keys' routes"
        )
    return "\n".join(lines)


def serve(settings: ProxySettings) -> None:
    """Run the proxy until interrupted (one uvicorn worker; the app is async)."""
    import uvicorn

    from headroom.proxy._app import build_app

    check_upstreams(settings)
    app = build_app(settings)
    print(banner(settings, app.state.proxy.stage.policy.policy_hash), file=sys.stderr)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        proxy_headers=False,
        timeout_keep_alive=75,
        timeout_graceful_shutdown=10,
        log_level="warning",
        access_log=False,
    )
