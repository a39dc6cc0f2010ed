"""The MCP server (``headroom mcp serve``) and its installer (``headroom mcp install``).

The tools ``headroom_compress``, ``headroom_retrieve`` and ``headroom_stats`` run on the same
store as the library (SQLite by default, Redis with ``HEADROOM_STORE``). Named so that it never
shadows the ``mcp`` SDK it is built on (extra ``[proxy]``). ``python -m headroom.mcp_server``
starts it without the rest of the CLI (what install registers).
"""

from typing import TYPE_CHECKING

from headroom._lazy import lazy_attributes

if TYPE_CHECKING:
    from headroom.mcp_server._install import AGENTS, Installed, ServerSpec, default_spec, install
    from headroom.mcp_server._registrations import Registration, Removed, status, uninstall
    from headroom.mcp_server._server import (
        DEFAULT_HTTP_PATH,
        SERVER_NAME,
        build_server,
        run,
        serve_http,
        serve_stdio,
    )
    from headroom.mcp_server._tools import (
        PAGE_CHARS,
        CompressOut,
        HeadroomTools,
        MarkerOut,
        RetrievalMiss,
        RetrieveOut,
        StatsOut,
    )

# Each name is imported from its module on first use (PEP 562): ``python -m headroom.mcp_server``
# runs this package's ``__init__`` first, and the server needs neither the installer nor the
# registrations (about 80 ms of a start an agent waits for).
_HOMES = {
    "_install": ("AGENTS", "Installed", "ServerSpec", "default_spec", "install"),
    "_registrations": ("Registration", "Removed", "status", "uninstall"),
    "_server": ("DEFAULT_HTTP_PATH", "SERVER_NAME", "build_server", "run", "serve_http", "serve_stdio"),
    "_tools": (
        "PAGE_CHARS",
        "CompressOut",
        "HeadroomTools",
        "MarkerOut",
        "RetrievalMiss",
        "RetrieveOut",
        "StatsOut",
    ),
}
__getattr__ = lazy_attributes(
    __name__, {name: f"{__name__}.{module}" for module, names in _HOMES.items() for name in names}
)

__all__ = [
    "AGENTS",
    "CompressOut",
    "DEFAULT_HTTP_PATH",
    "HeadroomTools",
    "Installed",
    "MarkerOut",
    "PAGE_CHARS",
    "Registration",
    "Removed",
    "RetrievalMiss",
    "RetrieveOut",
    "SERVER_NAME",
    "ServerSpec",
    "StatsOut",
    "build_server",
    "default_spec",
    "install",
    "run",
    "serve_http",
    "serve_stdio",
    "status",
    "uninstall",
]
