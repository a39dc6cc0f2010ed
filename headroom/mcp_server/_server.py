"""The MCP server: the three tools on the official ``mcp`` SDK's ``MCPServer``, over stdio or HTTP.

Named ``headroom.mcp_server`` so that ``import mcp`` still finds the SDK. The SDK is imported
here only (extra ``[proxy]``); the policy and the compressors load on the first call that
needs them, so an agent that starts the server waits for the SDK and the store alone.
"""

# No ``from __future__ import annotations``: the SDK reads the tools' annotations as objects, and
# the tools are defined inside build_server, where the SDK's types are imported.
import logging
import socket
import sys
from typing import TYPE_CHECKING, Annotated

from pydantic import Field

from headroom.mcp_server._memory_tools import register_memory_tools
from headroom.mcp_server._tools import CompressOut, HeadroomTools, RetrievalMiss, RetrieveOut, StatsOut

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from headroom.policy import Policy

SERVER_NAME = "headroom"
DEFAULT_HTTP_PATH = "/mcp"
_KEY = r"^hr(\d+|_[0-9a-f]{16})$"
_INSTRUCTIONS = (
    "Headroom compresses large tool output reversibly. Text it shortened carries markers such as "
    "'[42 rows omitted; retrieve: hr012345678901234567]': call headroom_retrieve with that key for "
    "the exact original, or with a query for only the matching lines or items."
)
logger = logging.getLogger("headroom")


def build_server(tools: HeadroomTools) -> "MCPServer":
    """An ``MCPServer`` named ``headroom`` whose tools call ``tools``."""
    from mcp.server.mcpserver import MCPServer
    from mcp.server.mcpserver.exceptions import ToolError
    from mcp_types import CallToolResult, TextContent

    import headroom
    from headroom.errors import ConfigError

    server = MCPServer(
        SERVER_NAME, instructions=_INSTRUCTIONS, version=headroom.__version__, log_level="WARNING"
    )

    @server.tool()
    def headroom_compress(
        content: Annotated[str, Field(description="The text to compress (tool output, logs, JSON, code).")],
        query: Annotated[
            str | None, Field(description="The question the content should answer: matching lines are kept.")
        ] = None,
    ) -> Annotated[CallToolResult, CompressOut]:
        """Compress text reversibly; what is elided is stored and named by a key in a marker."""
        try:
            text, report = tools.compress(content, query)
        except ConfigError as exc:  # the policy loads on first use: say why it did not
            raise ToolError(str(exc)) from exc
        return CallToolResult(
            content=[TextContent(type="text", text=text)], structured_content=report.model_dump()
        )

    @server.tool()
    def headroom_retrieve(
        key: Annotated[
            str, Field(pattern=_KEY, description="The key from a marker, e.g. hr012345678901234567.")
        ],
        query: Annotated[
            str | None, Field(description="Only the lines or items matching these words.")
        ] = None,
        offset: Annotated[int, Field(ge=0, description="First line to return (for the next page).")] = 0,
        limit: Annotated[
            int, Field(ge=0, description="Lines to return; 0: one page of about 8,000 tokens.")
        ] = 0,
    ) -> Annotated[CallToolResult, RetrieveOut]:
        """The exact original behind a Headroom marker, or only its lines or items matching a query."""
        try:
            text, report = tools.retrieve(key, query, offset, limit)
        except RetrievalMiss as miss:
            return CallToolResult(content=[TextContent(type="text", text=str(miss))], is_error=True)
        return CallToolResult(
            content=[TextContent(type="text", text=text)], structured_content=report.model_dump()
        )

    @server.tool()
    def headroom_stats() -> StatsOut:
        """Entries and bytes in Headroom's store, and what this server compressed and retrieved."""
        try:
            return tools.stats()
        except ConfigError as exc:
            raise ToolError(str(exc)) from exc

    register_memory_tools(server)  # memory_save, memory_search, memory_forget (store opened on first use)
    return server


def run(transport: str, host: str = "127.0.0.1", port: int = 8788, path: str = DEFAULT_HTTP_PATH) -> None:
    """Serve the tools on the store and policy ``HEADROOM_*`` describe, over ``stdio`` or ``http``."""
    from headroom.settings import Settings

    settings = Settings()

    def policy() -> "Policy":
        from headroom.policy import load_policy

        return load_policy(settings.policy)

    tools = HeadroomTools(settings.open_store(), policy, settings.store_location())
    server = build_server(tools)
    if transport == "stdio":
        serve_stdio(server)
    else:
        serve_http(server, host, port, path)


def serve_stdio(server: "MCPServer") -> None:
    """Serve on stdin/stdout until the client closes them (stdout carries only the protocol)."""
    server.run("stdio")


def serve_http(server: "MCPServer", host: str, port: int, path: str = DEFAULT_HTTP_PATH) -> None:
    """Serve streamable HTTP at ``http://host:port/path`` (port 0: a free one, announced on stderr)."""
    import anyio
    import uvicorn

    listener = socket.create_server((host, port))
    bound = listener.getsockname()[1]
    app = server.streamable_http_app(
        streamable_http_path=path, stateless_http=True, json_response=True, host=host
    )
    http = uvicorn.Server(uvicorn.Config(app, host=host, port=bound, log_level="warning"))
    print(f"headroom mcp: serving on http://{host}:{bound}{path}", file=sys.stderr, flush=True)
    anyio.run(lambda: http.serve(sockets=[listener]))
