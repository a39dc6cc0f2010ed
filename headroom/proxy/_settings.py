"""The proxy's deployment knobs, read once at the entry point (``HEADROOM_PROXY_*`` and two upstreams)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict


class ProxySettings(BaseSettings):
    """Where the proxy listens, where it forwards, and how long it waits.

    The upstreams are never read from ``ANTHROPIC_BASE_URL`` / ``OPENAI_BASE_URL``: in a shell
    pointed at the proxy those name the proxy itself, and the proxy would call itself.
    """

    model_config = SettingsConfigDict(env_prefix="HEADROOM_PROXY_", frozen=True, extra="ignore")

    host: str = Field("127.0.0.1", description="Address to listen on.")
    port: int = Field(8787, ge=0, le=65535, description="Port to listen on (0: any free port).")
    uds: Path | None = Field(
        None, description="Listen on this unix socket instead of host and port (created mode 0600)."
    )
    token: str | None = Field(
        None,
        min_length=1,
        description="Inbound token: when set, every API call must carry it (X-Headroom-Proxy-Token, or"
        " Authorization: Bearer), and /health and /metrics answer callers beyond loopback only with it.",
    )
    anthropic_upstream: str = Field(
        "https://api.anthropic.com",
        validation_alias=AliasChoices("HEADROOM_ANTHROPIC_UPSTREAM", "anthropic_upstream"),
        description="Base URL Anthropic requests are forwarded to.",
    )
    openai_upstream: str = Field(
        "https://api.openai.com",
        validation_alias=AliasChoices("HEADROOM_OPENAI_UPSTREAM", "openai_upstream"),
        description="Base URL OpenAI requests (and every unknown path) are forwarded to.",
    )
    chatgpt_upstream: str = Field(
        "https://chatgpt.com/backend-api/codex",
        description="Where Responses calls signed in with ChatGPT (a chatgpt-account-id header, as Codex sends) go.",
    )
    policy: Path | None = Field(
        None,
        validation_alias=AliasChoices("HEADROOM_POLICY", "policy"),
        description="Policy YAML (default: the built-in policy).",
    )
    kompress: bool = Field(
        False,
        description="Let prose use the Kompress model on the request path (off: extractive, milliseconds).",
    )
    compress_deadline_ms: float = Field(
        1500.0, gt=0, description="Time compression of one request may take before its original is sent."
    )
    compress_deadline_ms_per_4kb: float = Field(
        1.0, ge=0, description="Extra deadline per 4 KB of request body (big requests get longer)."
    )
    compress_deadline_max_ms: float = Field(5000.0, gt=0, description="Cap of the scaled deadline.")
    compress_workers: int = Field(
        0, ge=0, description="Compression threads (0: one per CPU); twice as many may wait."
    )
    max_body_bytes: int = Field(
        64 * 1024 * 1024, gt=0, description="Larger request bodies are forwarded without compression."
    )
    max_decoded_bytes: int = Field(
        256 * 1024 * 1024, gt=0, description="Cap of a decompressed request body (a bomb is forwarded raw)."
    )
    max_rounds: int = Field(3, ge=0, description="Retrieval rounds the proxy may serve within one turn.")
    max_retrieved_bytes: int = Field(
        2 * 1024 * 1024,
        gt=0,
        description="Bytes of originals one turn may retrieve; the rest is cut, with a note.",
    )
    max_withheld_bytes: int = Field(
        10 * 1024 * 1024, gt=0, description="Bytes of hidden retrieval calls held per turn before giving up."
    )
    connect_timeout_s: float = Field(10.0, gt=0, description="Upstream connect timeout.")
    read_timeout_s: float = Field(600.0, gt=0, description="Upstream idle timeout between reads.")
    write_timeout_s: float = Field(150.0, gt=0, description="Upstream write timeout.")
    pool_timeout_s: float = Field(10.0, gt=0, description="Wait for a free upstream connection.")
    max_connections: int = Field(200, gt=0, description="Upstream connection pool size.")
    trust_env: bool = Field(
        True, description="Honour HTTPS_PROXY / NO_PROXY for upstream calls (off in tests)."
    )
    log_file: Path | None = Field(
        None, description="Append one line per request here (default: stderr). Never bodies or keys."
    )
    log_format: Literal["text", "json"] = Field(
        "text", description="Request lines as key=value text or as one JSON object each."
    )
    max_sessions: int = Field(
        4096, gt=0, description="Sessions whose counts /health keeps (least recently seen dropped first)."
    )

    def deadline_seconds(self, body_bytes: int) -> float:
        """The compression deadline for a body of ``body_bytes``."""
        scaled = self.compress_deadline_ms + self.compress_deadline_ms_per_4kb * body_bytes / 4096
        return min(scaled, max(self.compress_deadline_max_ms, self.compress_deadline_ms)) / 1000


def _env_names(name: str, info: FieldInfo) -> list[str]:
    alias = info.validation_alias
    if isinstance(alias, AliasChoices):
        return [choice.upper() for choice in alias.choices if isinstance(choice, str)]
    return [f"HEADROOM_PROXY_{name.upper()}"]


def effective_config(
    settings: ProxySettings, flags: Mapping[str, object], environ: Mapping[str, str]
) -> dict[str, dict[str, Any]]:
    """Every setting's value and where it came from (``--flag``, ``env NAME`` or ``default``); the token hidden.

    ``flags`` are the command-line values given (they win over the environment, which wins
    over the defaults), so nothing overrides a setting without saying so here.
    """
    present = {key.upper() for key in environ}
    values = settings.model_dump(mode="json")
    out: dict[str, dict[str, Any]] = {}
    for name, info in ProxySettings.model_fields.items():
        if name in flags:
            source = "--" + name.replace("_", "-")
        else:
            source = next((f"env {env}" for env in _env_names(name, info) if env in present), "default")
        value = values[name]
        if name == "token" and value is not None:
            value = "(set, hidden)"
        out[name] = {"value": value, "source": source}
    return out
