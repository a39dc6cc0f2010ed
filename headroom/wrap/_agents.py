"""The terminal agents: Claude Code, Codex, Aider, OpenCode, Goose and OpenHands.

What each one reads is in ``deployment-modes.md`` §4.2; the comments below say why where the
obvious variable is not the one that works.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from headroom.wrap._errors import WrapError
from headroom.wrap._persist import ConfigEdit
from headroom.wrap._profile import CliAgent, Provider, WrapContext, register

_TRUE = ("1", "true", "yes", "on")


def custom_headers(existing: str, ours: Mapping[str, str]) -> str:
    """Claude Code's ``ANTHROPIC_CUSTOM_HEADERS`` (``Name: value`` lines) with ours set, the user's kept."""
    names = {name.lower() for name in ours}
    kept = [line for line in existing.splitlines() if line.split(":", 1)[0].strip().lower() not in names]
    return "\n".join([*(line for line in kept if line.strip()), *(f"{k}: {v}" for k, v in ours.items())])


class ClaudeCode(CliAgent):
    name, title, binary = "claude", "Claude Code", "claude"
    persists = True
    provider: Provider = "anthropic"
    upstream_vars: Mapping[Provider, tuple[str, ...]] = {"anthropic": ("ANTHROPIC_BASE_URL",)}
    _CLOUDS = ("CLAUDE_CODE_USE_BEDROCK", "CLAUDE_CODE_USE_VERTEX", "CLAUDE_CODE_USE_FOUNDRY")

    def check(self, environ: Mapping[str, str]) -> None:
        for name in self._CLOUDS:
            if environ.get(name, "").lower() in _TRUE:
                raise WrapError(
                    f"{name} is set: the proxy does not serve Bedrock, Vertex or Foundry routes yet;"
                    " unset it to go through the Anthropic API, or run claude without headroom"
                )

    def environment(self, ctx: WrapContext) -> dict[str, str]:
        env = {
            # no /v1: the SDK appends /v1/messages itself
            "ANTHROPIC_BASE_URL": ctx.base_url,
            "ANTHROPIC_CUSTOM_HEADERS": custom_headers(
                ctx.environ.get("ANTHROPIC_CUSTOM_HEADERS", ""), ctx.session_headers()
            ),
        }
        # Behind a custom base URL Claude Code stops deferring tool definitions (tool search);
        # forcing it back on is right for the first-party API but breaks Foundry-style gateways.
        first_party = urlsplit(ctx.anthropic_upstream).hostname == "api.anthropic.com"
        if first_party and "ENABLE_TOOL_SEARCH" not in ctx.environ:
            env["ENABLE_TOOL_SEARCH"] = "true"
        return env

    def persist_edits(self, ctx: WrapContext) -> list[ConfigEdit]:
        # daemon-forked workers read this file afresh instead of inheriting the environment
        path = ctx.cwd / ".claude" / "settings.local.json"
        return [ConfigEdit(path, "json", ("env", "ANTHROPIC_BASE_URL"), ctx.base_url)]


class Codex(CliAgent):
    name, title, binary = "codex", "Codex CLI", "codex"
    persists = True
    upstream_vars: Mapping[Provider, tuple[str, ...]] = {"openai": ("OPENAI_BASE_URL",)}

    def environment(self, ctx: WrapContext) -> dict[str, str]:
        return {"OPENAI_BASE_URL": ctx.openai_url}

    def arguments(self, ctx: WrapContext, args: Sequence[str]) -> list[str]:
        # Signed in with ChatGPT, Codex ignores OPENAI_BASE_URL and provider overrides of the
        # built-in provider; the top-level openai_base_url key (a per-run -c override) works for both.
        return ["-c", f"openai_base_url={json.dumps(ctx.openai_url)}", *args]

    def persist_edits(self, ctx: WrapContext) -> list[ConfigEdit]:
        home = ctx.environ.get("CODEX_HOME")
        path = (Path(home) if home else ctx.home / ".codex") / "config.toml"
        return [ConfigEdit(path, "toml", ("openai_base_url",), ctx.openai_url)]


class Aider(CliAgent):
    name, title, binary = "aider", "Aider", "aider"
    upstream_vars: Mapping[Provider, tuple[str, ...]] = {
        "openai": ("AIDER_OPENAI_API_BASE", "OPENAI_API_BASE", "OPENAI_BASE_URL"),
        "anthropic": ("ANTHROPIC_API_BASE", "ANTHROPIC_BASE_URL"),
    }

    def environment(self, ctx: WrapContext) -> dict[str, str]:
        # LiteLLM underneath: OpenAI bases carry /v1, Anthropic ones do not (it appends /v1/messages)
        openai = dict.fromkeys(self.upstream_vars["openai"], ctx.openai_url)
        return openai | dict.fromkeys(self.upstream_vars["anthropic"], ctx.base_url)


class OpenCode(CliAgent):
    name, title, binary = "opencode", "OpenCode", "opencode"
    persists = True
    upstream_vars: Mapping[Provider, tuple[str, ...]] = {
        "anthropic": ("ANTHROPIC_BASE_URL",),
        "openai": ("OPENAI_BASE_URL",),
    }
    _KEYS = (("provider", "anthropic", "options", "baseURL"), ("provider", "openai", "options", "baseURL"))

    def environment(self, ctx: WrapContext) -> dict[str, str]:
        # Inline config is OpenCode's highest-precedence layer and merges over the user's files.
        # Both AI SDK providers take a base URL that ends in /v1.
        raw = ctx.environ.get("OPENCODE_CONFIG_CONTENT", "").strip()
        try:
            config: Any = json.loads(raw) if raw else {}
        except ValueError as exc:
            raise WrapError(f"OPENCODE_CONFIG_CONTENT is not JSON ({exc}); fix or unset it") from exc
        if not isinstance(config, dict):
            raise WrapError("OPENCODE_CONFIG_CONTENT is not a JSON object; fix or unset it")
        for key in self._KEYS:
            node = config
            for part in key[:-1]:
                child = node.get(part)
                if not isinstance(child, dict):
                    child = node[part] = {}
                node = child
            node[key[-1]] = ctx.openai_url
        return {"OPENCODE_CONFIG_CONTENT": json.dumps(config)}

    def persist_edits(self, ctx: WrapContext) -> list[ConfigEdit]:
        path = ctx.config_home() / "opencode" / "opencode.json"
        return [ConfigEdit(path, "json", key, ctx.openai_url) for key in self._KEYS]


class Goose(CliAgent):
    name, title, binary = "goose", "Goose", "goose"
    persists = True
    upstream_vars: Mapping[Provider, tuple[str, ...]] = {
        "openai": ("OPENAI_HOST",),
        "anthropic": ("ANTHROPIC_HOST",),
    }

    def environment(self, ctx: WrapContext) -> dict[str, str]:
        # Goose reads OPENAI_HOST plus a path, not OPENAI_BASE_URL; the environment overrides
        # ~/.config/goose/config.yaml; GOOSE_PROVIDER / GOOSE_MODEL stay the user's.
        return {
            "OPENAI_HOST": ctx.base_url,
            "OPENAI_BASE_PATH": "v1/chat/completions",
            "ANTHROPIC_HOST": ctx.base_url,
        }

    def persist_edits(self, ctx: WrapContext) -> list[ConfigEdit]:
        path = ctx.config_home() / "goose" / "config.yaml"
        return [ConfigEdit(path, "yaml", (k,), v) for k, v in self.environment(ctx).items()]


class OpenHands(CliAgent):
    name, title, binary = "openhands", "OpenHands", "openhands"
    upstream_vars: Mapping[Provider, tuple[str, ...]] = {
        "openai": ("LLM_BASE_URL", "OPENAI_BASE_URL", "OPENAI_API_BASE"),
        "anthropic": ("ANTHROPIC_BASE_URL",),
    }

    def environment(self, ctx: WrapContext) -> dict[str, str]:
        # LLM_BASE_URL goes to LiteLLM for whichever model LLM_MODEL names: Anthropic models
        # take the root, OpenAI-style ones the /v1 base.
        model = ctx.environ.get("LLM_MODEL", "").lower()
        anthropic = model.startswith(("anthropic/", "claude"))
        return {
            "LLM_BASE_URL": ctx.base_url if anthropic else ctx.openai_url,
            "OPENAI_BASE_URL": ctx.openai_url,
            "OPENAI_API_BASE": ctx.openai_url,
            "ANTHROPIC_BASE_URL": ctx.base_url,
        }

    def instructions(self, ctx: WrapContext) -> str:
        return (
            "OpenHands settings saved in its UI take precedence over LLM_BASE_URL: if a Base URL is"
            f" saved there, set it to {self.environment(ctx)['LLM_BASE_URL']} for this session."
        )


for _profile in (ClaudeCode(), Codex(), Aider(), OpenCode(), Goose(), OpenHands()):
    register(_profile, *(("claude-code",) if _profile.name == "claude" else ()))
