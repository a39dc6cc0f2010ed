"""A stand-in agent: one process with the official ``mcp`` SDK client, talking to its own
``headroom mcp serve`` over stdio, started in the project directory it is given.

``python _mcp_agent.py <client name> <project dir> '<json list of [tool, arguments]>'`` prints
one JSON line: each call's structured result (or its error text).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from typing import Any

from mcp import Client
from mcp.client.stdio import StdioServerParameters
from mcp_types import Implementation


async def run(name: str, cwd: str, calls: list[list[Any]]) -> list[dict[str, Any]]:
    server = StdioServerParameters(
        command=sys.executable, args=["-m", "headroom", "mcp", "serve"], cwd=cwd, env=dict(os.environ)
    )
    answers = []
    async with Client(server, client_info=Implementation(name=name, version="1.0")) as client:
        for tool, arguments in calls:
            result = await client.call_tool(tool, arguments)
            text = result.content[0].text if result.content else ""  # type: ignore[union-attr]
            answers.append({"error": result.is_error, "text": text, "data": result.structured_content})
    return answers


if __name__ == "__main__":
    print(json.dumps(asyncio.run(run(sys.argv[1], sys.argv[2], json.loads(sys.argv[3])))))
