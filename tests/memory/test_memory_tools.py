"""The memory tools in process with the SDK's own client: schemas, provenance, lazy opening, refusals."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("mcp", reason="the MCP SDK (extra [proxy]) is not installed")

from mcp import Client
from mcp.server.mcpserver import MCPServer
from mcp_types import Implementation

from headroom.mcp_server._memory_tools import MemoryTools, register_memory_tools
from headroom.memory import MemoryStore, SqliteMemory


def _tools(tmp_path: Path, environ: dict[str, str], opened: list[str]) -> MemoryTools:
    def open_store() -> MemoryStore:
        opened.append("store")
        return SqliteMemory(tmp_path / "m.sqlite3")

    return MemoryTools(open_store, lambda: "git:example.com/team/app", environ)


async def _calls(tools: MemoryTools, *calls: tuple[str, dict[str, Any]]) -> tuple[list[Any], list[Any]]:
    server = MCPServer("memory-test")
    register_memory_tools(server, tools)
    async with Client(server, client_info=Implementation(name="cursor", version="1")) as client:
        listed = (await client.list_tools()).tools
        return listed, [await client.call_tool(name, args) for name, args in calls]


def test_the_store_opens_on_the_first_call_and_the_client_names_the_agent(tmp_path: Path) -> None:
    opened: list[str] = []
    tools = _tools(tmp_path, {"HEADROOM_SESSION_ID": "sess-9"}, opened)
    listed, [saved, found] = asyncio.run(
        _calls(
            tools,
            ("memory_save", {"content": "Use uv, not pip."}),
            ("memory_search", {"query": "pip or uv?"}),
        )
    )
    assert opened == ["store"]
    assert {t.name for t in listed} == {"memory_save", "memory_search", "memory_forget"}
    fact = saved.structured_content["fact"]
    assert (fact["agent"], fact["session"], saved.structured_content["project"]) == (
        "cursor",
        "sess-9",
        "git:example.com/team/app",
    )
    assert found.structured_content["facts"][0]["id"] == fact["id"] and found.content[0].text.startswith(
        "- [m"
    )


def test_headroom_agent_overrides_the_client_name(tmp_path: Path) -> None:
    tools = _tools(tmp_path, {"HEADROOM_AGENT": "aider"}, [])
    _, [saved] = asyncio.run(_calls(tools, ("memory_save", {"content": "Run make lint before pushing."})))
    assert saved.structured_content["fact"]["agent"] == "aider"


def test_listing_the_tools_opens_nothing_and_bad_arguments_are_errors(tmp_path: Path) -> None:
    opened: list[str] = []
    listed, [bad_id, bad_k] = asyncio.run(
        _calls(
            _tools(tmp_path, {}, opened),
            ("memory_forget", {"id": "hr0123"}),
            ("memory_search", {"query": "x", "k": 500}),
        )
    )
    assert opened == [] and bad_id.is_error and bad_k.is_error
    forget = next(t for t in listed if t.name == "memory_forget")
    assert forget.input_schema["properties"]["id"]["pattern"] == "^m[0-9a-f]{16}$"
