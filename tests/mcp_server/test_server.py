"""The MCP tools, called by the ``mcp`` SDK's own client: in process, over stdio, and over HTTP."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from headroom.ccr import MemoryStore, SqliteStore, parse_markers
from headroom.mcp_server import PAGE_CHARS, HeadroomTools, build_server
from headroom.policy import load_policy, policy_from_mapping
from tests.conftest import make_log

ROOT = Path(__file__).resolve().parents[2]
SECRET = "an mcp test deployment secret"
TOOLS = {
    "headroom_compress",
    "headroom_retrieve",
    "headroom_stats",
    "memory_save",
    "memory_search",
    "memory_forget",
}
EAGER = policy_from_mapping({"live_zone": {"min_block_tokens": 0}})


def _server_env(store: Path) -> dict[str, str]:
    """What the server process needs: this checkout on the path, and the test's store."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "PYTHONPATH": str(ROOT),
        "HEADROOM_STORE_PATH": str(store),
        "HEADROOM_STORE_SECRET": SECRET,
    }


async def _exercise(client: Client, log: str) -> dict[str, Any]:
    """Call every tool the way an agent would; what each returned."""
    listed = await client.list_tools()
    assert {tool.name for tool in listed.tools} == TOOLS
    compressed = await client.call_tool("headroom_compress", {"content": log, "query": "database"})
    assert not compressed.is_error
    text = compressed.content[0].text  # type: ignore[union-attr]
    markers = parse_markers(text)
    assert markers and "ERROR database connection refused" in text
    assert compressed.structured_content is not None
    assert [m["key"] for m in compressed.structured_content["markers"]] == [m.key for m in markers]
    whole = await client.call_tool("headroom_retrieve", {"key": markers[0].key})
    matched = await client.call_tool(
        "headroom_retrieve", {"key": markers[0].key, "query": "request 17 served"}
    )
    stats = await client.call_tool("headroom_stats", {})
    return {"markers": markers, "whole": whole, "matched": matched, "stats": stats, "compressed": compressed}


def _check(calls: dict[str, Any], log: str, store: SqliteStore | MemoryStore) -> None:
    whole, matched, stats = calls["whole"], calls["matched"], calls["stats"]
    assert not whole.is_error and whole.structured_content["unit"] == "whole"
    original = whole.content[0].text
    assert original in log and len(original) > 1000
    assert store.get(calls["markers"][0].key).decode() == original, (
        "the library's store holds what MCP stored"
    )
    assert matched.structured_content["unit"] == "lines" and matched.structured_content["matched"] >= 1
    assert "request 17 served" in matched.content[0].text
    assert stats.structured_content["compressions"] == 1 and stats.structured_content["retrievals"] == 2
    assert stats.structured_content["store_entries"] >= 1


def test_every_tool_in_process() -> None:
    store = MemoryStore()
    server = build_server(HeadroomTools(store, load_policy(), "memory"))
    log = make_log(400)

    async def run() -> dict[str, Any]:
        async with Client(server) as client:
            return await _exercise(client, log)

    _check(asyncio.run(run()), log, store)


@pytest.mark.parametrize(
    "entry", [["-m", "headroom.mcp_server"], ["-m", "headroom", "mcp", "serve"]], ids=["module", "cli"]
)
def test_every_tool_over_stdio(tmp_path: Path, entry: list[str]) -> None:
    path = tmp_path / "ccr.sqlite3"
    params = StdioServerParameters(command=sys.executable, args=entry, env=_server_env(path))
    log = make_log(400)

    async def run() -> dict[str, Any]:
        async with Client(params) as client:
            return await _exercise(client, log)

    _check(asyncio.run(run()), log, SqliteStore(path, secret=SECRET.encode()))


@pytest.fixture
def http_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """``headroom mcp serve --transport http`` on a free loopback port; its URL and store."""
    path = tmp_path / "ccr.sqlite3"
    argv = [sys.executable, "-m", "headroom", "mcp", "serve", "--transport", "http", "--port", "0"]
    server = subprocess.Popen(argv, env=_server_env(path), stderr=subprocess.PIPE, text=True)
    try:
        url = _announced_url(server)
        yield url, path
    finally:
        server.terminate()
        server.wait(timeout=30)
        assert server.stderr is not None
        server.stderr.close()


def _announced_url(server: subprocess.Popen[str]) -> str:
    assert server.stderr is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = server.stderr.readline()
        found = re.search(r"serving on (http://\S+)", line)
        if found:
            return found.group(1)
        if not line and server.poll() is not None:
            break
    raise AssertionError(f"the server did not announce its URL (exit code {server.poll()})")


def test_every_tool_over_http(http_server: tuple[str, Path]) -> None:
    url, path = http_server
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/mcp", url)
    log = make_log(400)

    async def run() -> dict[str, Any]:
        async with Client(url) as client:
            return await _exercise(client, log)

    _check(asyncio.run(run()), log, SqliteStore(path, secret=SECRET.encode()))


def _call(server: Any, name: str, arguments: dict[str, Any]) -> Any:
    async def run() -> Any:
        async with Client(server) as client:
            return await client.call_tool(name, arguments)

    return asyncio.run(run())


def test_a_missing_key_is_an_error_that_says_what_to_do() -> None:
    server = build_server(HeadroomTools(MemoryStore(), load_policy(), "memory"))
    missed = _call(server, "headroom_retrieve", {"key": "hr000000000000000000"})
    assert missed.is_error and "re-run the command" in missed.content[0].text
    refused = _call(server, "headroom_retrieve", {"key": "../../etc/passwd"})
    assert refused.is_error


def test_retrieval_pages_a_long_original() -> None:
    store = MemoryStore()
    lines = [f"line {i:05d} " + "x" * 90 + "\n" for i in range(1000)]  # about 100 KB
    key = store.put("".join(lines))
    server = build_server(HeadroomTools(store, EAGER, "memory"))
    pages, offset = [], 0
    while True:
        page = _call(server, "headroom_retrieve", {"key": key, "offset": offset})
        meta = page.structured_content
        assert len(page.content[0].text) <= PAGE_CHARS + 200
        pages.append(page.content[0].text.split("\n[lines ")[0])  # the page, without the note after it
        if not meta["truncated"]:
            break
        assert f"offset={meta['next_offset']}" in page.content[0].text
        offset = meta["next_offset"]
    assert len(pages) >= 3 and "".join(pages) == "".join(lines)
    limited = _call(server, "headroom_retrieve", {"key": key, "offset": 10, "limit": 2})
    assert limited.content[0].text.startswith("line 00010") and limited.structured_content["lines"] == 2


@pytest.mark.server
def test_every_tool_on_a_shared_redis_store(redis_url: str, redis_namespace: str) -> None:
    from headroom.ccr import RedisStore

    store = RedisStore(redis_url, namespace=redis_namespace, scope="agents")
    server = build_server(HeadroomTools(store, load_policy(), store.location))
    log = make_log(400)

    async def run() -> dict[str, Any]:
        async with Client(server) as client:
            return await _exercise(client, log)

    _check(asyncio.run(run()), log, RedisStore(redis_url, namespace=redis_namespace, scope="agents"))


def _without_modules(monkeypatch: pytest.MonkeyPatch, *roots: str) -> None:
    for name in [m for m in sys.modules if m.split(".")[0] in roots]:
        monkeypatch.setitem(sys.modules, name, None)
    for root in roots:
        monkeypatch.setitem(sys.modules, root, None)


def test_serving_without_the_sdk_names_the_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from headroom.cli import cli

    _without_modules(monkeypatch, "mcp", "mcp_types")
    result = CliRunner().invoke(cli, ["mcp", "serve"], env={"HEADROOM_STORE_PATH": str(tmp_path / "s.db")})
    assert result.exit_code == 2 and "pip install 'headroom[proxy]'" in " ".join(result.output.split())


def test_a_redis_store_without_its_client_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    from click.testing import CliRunner

    from headroom.cli import cli

    _without_modules(monkeypatch, "redis")
    result = CliRunner().invoke(cli, ["store", "stats"], env={"HEADROOM_STORE": "redis://127.0.0.1:1/0"})
    assert result.exit_code == 2 and "pip install 'headroom[redis]'" in " ".join(result.output.split())


_LOADED_AT_EXIT = """
import atexit, runpy, sys
# Loading a policy imports every compressor: none loaded means no policy was loaded either.
heavy = ("headroom._compress", "headroom.compressors", "headroom.cli", "headroom.router")
atexit.register(lambda: print(sorted(m for m in sys.modules if m.startswith(heavy)), file=sys.stderr))
sys.argv = ["headroom.mcp_server"]
runpy.run_module("headroom.mcp_server", run_name="__main__", alter_sys=True)
"""


def test_starting_the_server_loads_neither_the_policy_nor_a_compressor(tmp_path: Path) -> None:
    """What an agent waits for is the SDK and the store: the rest loads on the first call that needs it."""
    done = subprocess.run(
        [sys.executable, "-c", _LOADED_AT_EXIT],
        env=_server_env(tmp_path / "s.db"),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "[]"


def test_stats_first_loads_the_policy_it_reports() -> None:
    policy = load_policy()
    server = build_server(HeadroomTools(MemoryStore(), lambda: policy, "memory"))
    stats = _call(server, "headroom_stats", {})
    assert not stats.is_error and stats.structured_content["policy_hash"] == policy.policy_hash


def test_a_policy_that_does_not_load_is_the_first_calls_error(tmp_path: Path) -> None:
    broken = tmp_path / "policy.yaml"
    broken.write_text("live_zone: {min_block_tokens: lots}\n")
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "headroom.mcp_server"],
        env={**_server_env(tmp_path / "s.db"), "HEADROOM_POLICY": str(broken)},
    )

    async def run() -> Any:
        async with Client(params) as client:
            return await client.call_tool("headroom_compress", {"content": "x"})

    failed = asyncio.run(run())
    assert failed.is_error and "min_block_tokens" in failed.content[0].text
