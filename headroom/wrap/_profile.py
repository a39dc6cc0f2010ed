"""What every agent profile provides, the context it is given, and the registry of profiles.

Adding an agent is one class and one :func:`register` call; the wrap lifecycle never names an
agent. A profile sets only the child's environment and per-run arguments; its config file is
written only with ``--persist`` (see :mod:`headroom.wrap._persist`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable
from urllib.parse import quote, urlsplit

from headroom.wrap._errors import WrapError
from headroom.wrap._persist import ConfigEdit

Provider = Literal["anthropic", "openai"]


@dataclass(frozen=True)
class WrapContext:
    """Where the proxy is and what the agent's environment already holds."""

    base_url: str
    """The proxy's root, ``http://127.0.0.1:<port>`` (no ``/v1``)."""
    environ: Mapping[str, str]
    """The wrapper's environment, which the child's starts from."""
    cwd: Path
    home: Path
    anthropic_upstream: str
    """Where the proxy sends Anthropic calls (decides Claude Code's tool-search setting)."""

    @property
    def openai_url(self) -> str:
        """The OpenAI-style base URL (SDKs append ``/chat/completions``, ``/responses``)."""
        return self.base_url + "/v1"

    @property
    def port(self) -> int:
        return urlsplit(self.base_url).port or 0

    def session_headers(self) -> dict[str, str]:
        """Headers naming the project, for the proxy's logs and per-project features (ASCII-safe)."""
        return {"X-Headroom-Project": quote(self.cwd.name or "/"), "X-Headroom-Cwd": quote(str(self.cwd))}

    def config_home(self) -> Path:
        """``$XDG_CONFIG_HOME`` or ``~/.config``."""
        folder = self.environ.get("XDG_CONFIG_HOME")
        return Path(folder) if folder else self.home / ".config"


@runtime_checkable
class AgentProfile(Protocol):
    """One agent: how to point it at the proxy."""

    @property
    def name(self) -> str:
        """The name ``headroom wrap <name>`` takes."""

    @property
    def title(self) -> str:
        """What users call it."""

    @property
    def binary(self) -> str | None:
        """The executable run in the foreground (None: a GUI agent, set up by hand)."""

    @property
    def provider(self) -> Provider:
        """Whose list price the summary's cost uses when the agent's provider is not known."""

    @property
    def upstream_vars(self) -> Mapping[Provider, tuple[str, ...]]:
        """Variables that may already hold a base URL the user chose: it becomes the proxy's upstream."""

    @property
    def persists(self) -> bool:
        """``--persist`` has config to write (agents that always inherit the environment have none)."""

    def check(self, environ: Mapping[str, str]) -> None:
        """Raise WrapError for a setup the proxy cannot serve (rather than break the agent)."""

    def environment(self, ctx: WrapContext) -> dict[str, str]:
        """Variables to set in the child's environment."""

    def arguments(self, ctx: WrapContext, args: Sequence[str]) -> list[str]:
        """The arguments after the binary: per-run flags, then the user's."""

    def persist_edits(self, ctx: WrapContext) -> list[ConfigEdit]:
        """Config writes for ``--persist``; WrapError when the agent has no need for them."""

    def instructions(self, ctx: WrapContext) -> str:
        """Settings to paste (GUI agents) or notes; "" when the environment says it all."""


class CliAgent:
    """Defaults for an agent run in the foreground: no flags, no notes, nothing to persist."""

    name = ""
    title = ""
    binary: str | None = None
    provider: Provider = "openai"
    upstream_vars: Mapping[Provider, tuple[str, ...]] = {}
    persists = False

    def check(self, environ: Mapping[str, str]) -> None:
        return None

    def environment(self, ctx: WrapContext) -> dict[str, str]:
        return {}

    def arguments(self, ctx: WrapContext, args: Sequence[str]) -> list[str]:
        return list(args)

    def persist_edits(self, ctx: WrapContext) -> list[ConfigEdit]:
        raise WrapError(
            f"{self.title} reads its environment on every start, so there is nothing to persist;"
            f" run it as `headroom wrap {self.name}`"
        )

    def instructions(self, ctx: WrapContext) -> str:
        return ""


AGENTS: dict[str, AgentProfile] = {}
"""Profiles by name (aliases included)."""


def register(profile: AgentProfile, *aliases: str) -> AgentProfile:
    for name in (profile.name, *aliases):
        AGENTS[name] = profile
    return profile


def agent(name: str) -> AgentProfile:
    profile = AGENTS.get(name.lower())
    if profile is None:
        known = ", ".join(sorted({p.name for p in AGENTS.values()}))
        raise WrapError(f"unknown agent {name!r}; known: {known}")
    return profile
