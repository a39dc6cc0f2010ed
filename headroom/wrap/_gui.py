"""The GUI agents: Cursor, Cline and Continue are set up by hand; wrap prints what to paste.

``headroom wrap <gui-agent>`` keeps a proxy up in the foreground until Ctrl-C and then prints
the session's savings; ``--print`` only prints. Cursor sends its model calls from Cursor's own
servers, which cannot reach a proxy on this machine's loopback, so for Cursor the integration
is the MCP server, not the base URL.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import yaml

from headroom.wrap._profile import CliAgent, Provider, WrapContext, register


def _mcp_server(ctx: WrapContext) -> dict[str, Any]:
    from headroom.mcp_server import default_spec

    spec = default_spec(ctx.environ)
    entry: dict[str, Any] = {"command": spec.command, "args": list(spec.args)}
    return entry | ({"env": dict(spec.env)} if spec.env else {})


class GuiAgent(CliAgent):
    binary: str | None = None
    upstream_vars: Mapping[Provider, tuple[str, ...]] = {}


class Cursor(GuiAgent):
    name, title = "cursor", "Cursor"

    def instructions(self, ctx: WrapContext) -> str:
        config = json.dumps({"mcpServers": {"headroom": _mcp_server(ctx)}}, indent=2)
        return (
            "Cursor sends model calls from its own servers, which cannot reach this machine's"
            f" {ctx.base_url}; use Headroom's MCP tools instead (or `headroom mcp install cursor`).\n"
            f"Add to ~/.cursor/mcp.json (or .cursor/mcp.json in the project):\n{config}"
        )


class Cline(GuiAgent):
    name, title = "cline", "Cline"
    provider: Provider = "anthropic"

    def instructions(self, ctx: WrapContext) -> str:
        server = _mcp_server(ctx) | {"disabled": False, "alwaysAllow": []}
        mcp = json.dumps({"mcpServers": {"headroom": server}}, indent=2)
        return (
            "In Cline's settings, API Provider:\n"
            f"  Anthropic: tick 'Use custom base URL' and enter {ctx.base_url}\n"
            f"  OpenAI Compatible: Base URL {ctx.openai_url}\n"
            f"Optional MCP tools, in cline_mcp_settings.json (Cline > MCP Servers > Configure):\n{mcp}"
        )


class Continue(GuiAgent):
    name, title = "continue", "Continue"

    def instructions(self, ctx: WrapContext) -> str:
        # Continue joins paths onto apiBase as a URL, so the base needs its trailing slash.
        api_base = ctx.openai_url + "/"
        models = [
            {
                "name": "Claude via Headroom",
                "provider": "anthropic",
                "model": "claude-sonnet-4-5",
                "apiBase": api_base,
            },
            {"name": "GPT via Headroom", "provider": "openai", "model": "gpt-4.1", "apiBase": api_base},
        ]
        mcp = [{"name": "headroom", **_mcp_server(ctx)}]
        text = yaml.safe_dump({"models": models, "mcpServers": mcp}, sort_keys=False)
        return "In ~/.continue/config.yaml, set apiBase on the models you use (keep your apiKey):\n" + text


for _profile in (Cursor(), Cline(), Continue()):
    register(_profile)
