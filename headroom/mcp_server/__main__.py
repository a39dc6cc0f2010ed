"""``python -m headroom.mcp_server``: the MCP server as ``headroom mcp install`` registers it.

The same server and options as ``headroom mcp serve``, without loading the rest of the CLI, so
an agent waits for as little as possible (Codex gives a server 10 s by default, on a machine
that may be busy). Errors are one line on stderr and exit code 2, as in the CLI.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from headroom.errors import HeadroomError
from headroom.extras import needs_extra


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m headroom.mcp_server",
        description="Serve Headroom's MCP tools (as `headroom mcp serve`).",
    )
    parser.add_argument("--transport", choices=("stdio", "http"), default="stdio")
    parser.add_argument("--host", default="127.0.0.1", help="HTTP: the address to listen on.")
    parser.add_argument("--port", type=int, default=8788, help="HTTP: the port (0 picks one).")
    parser.add_argument("--path", default="/mcp", help="HTTP: the endpoint's path.")
    args = parser.parse_args(argv)
    try:
        with needs_extra("proxy"):
            from headroom.mcp_server._server import run

            run(args.transport, args.host, args.port, args.path)
    except HeadroomError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
