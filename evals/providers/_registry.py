"""Build a provider from a spec string.

========================================  ==============================================
``openai:MODEL``                          OpenAI Chat Completions (``OPENAI_API_KEY``)
``openai-responses:MODEL``                OpenAI Responses API (``OPENAI_API_KEY``)
``anthropic:MODEL``                       Anthropic Messages (``ANTHROPIC_API_KEY``)
``compat:URL:MODEL``                      any OpenAI-compatible server (key optional:
                                          ``OPENAI_COMPAT_API_KEY``)
``ollama:MODEL``                          ``compat:http://localhost:11434/v1:MODEL``
``offline``                               the offline extractive reader
``replay:PATH:SPEC``                      cassette at PATH around SPEC (mode from the
``replay@MODE:PATH:SPEC``                 caller, or MODE = record | replay | auto)
========================================  ==============================================

The model part may itself hold colons (``ollama:llama3:8b``). Keys are read when the
provider is built, and a replayed provider's inner client is built only if it must record.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from evals.providers._anthropic import AnthropicProvider
from evals.providers._base import Provider
from evals.providers._http import HttpConfig
from evals.providers._offline import OfflineReader
from evals.providers._openai import (
    ChatOptions,
    OpenAIChatProvider,
    OpenAIResponsesProvider,
    compat_provider,
)
from evals.providers._replay import REPLAY_MODES, ReplayMode, ReplayProvider
from headroom.errors import ConfigError

COMPAT_KEY_VARIABLE = "OPENAI_COMPAT_API_KEY"
OLLAMA_BASE_URL = "http://localhost:11434/v1"
PROVIDER_KINDS = ("anthropic", "compat", "offline", "ollama", "openai", "openai-responses", "replay")

# host[:port], then an optional path without colons, then ":" and the model.
_COMPAT = re.compile(r"^(?P<url>https?://[^/:\s]+(?::\d+)?(?:/[^:\s]*)?):(?P<model>.+)$")
_REPLAY = re.compile(r"^replay(?:@(?P<mode>[a-z]+))?:(?P<rest>.+)$")


@dataclass(frozen=True)
class BuildOptions:
    """What a spec string cannot say: transport settings, environment, default replay mode."""

    http: HttpConfig | None = None
    """HTTP settings for network providers (default: :class:`HttpConfig`)."""
    env: Mapping[str, str] | None = None
    """Where API keys are read from (None: ``os.environ``)."""
    replay_mode: ReplayMode = "replay"
    """Mode of ``replay:`` specs that do not name one; ``replay`` never calls a network."""


def build_provider(spec: str, options: BuildOptions | None = None) -> Provider:
    """The provider ``spec`` names; ConfigError for an unknown or malformed spec."""
    opts = options or BuildOptions()
    spec = spec.strip()
    replay = _REPLAY.match(spec)
    if replay is not None:
        return _build_replay(replay["mode"], replay["rest"], opts)
    return _factory(spec, opts)()


def spec_model(spec: str) -> str | None:
    """The model a spec pins, without building anything (None for ``offline``)."""
    replay = _REPLAY.match(spec.strip())
    if replay is not None:
        return spec_model(_split_replay(replay["rest"])[1])
    kind, _, rest = spec.strip().partition(":")
    if kind == "compat":
        match = _COMPAT.match(rest)
        return match["model"] if match else None
    return rest or None


def _factory(spec: str, opts: BuildOptions) -> Callable[[], Provider]:
    kind, _, rest = spec.partition(":")
    env = opts.env
    if kind == "offline" and not rest:
        return OfflineReader
    if not rest:
        raise ConfigError(
            f"provider spec {spec!r} needs a model, e.g. '{kind}:MODEL'; kinds: {PROVIDER_KINDS}"
        )
    if kind == "openai":
        return lambda: OpenAIChatProvider(rest, http=opts.http, options=ChatOptions(env=env))
    if kind == "openai-responses":
        return lambda: OpenAIResponsesProvider(rest, http=opts.http, env=env)
    if kind == "anthropic":
        return lambda: AnthropicProvider(rest, http=opts.http, env=env)
    if kind == "ollama":
        return lambda: compat_provider(OLLAMA_BASE_URL, rest, http=opts.http)
    if kind == "compat":
        match = _COMPAT.match(rest)
        if match is None:
            raise ConfigError(f"compat spec {spec!r} must look like 'compat:http://host:port/v1:MODEL'")
        key = (os.environ if env is None else env).get(COMPAT_KEY_VARIABLE) or None
        url, model = match["url"], match["model"]
        return lambda: compat_provider(url, model, api_key=key, http=opts.http)
    raise ConfigError(f"unknown provider kind {kind!r} in {spec!r}; choose one of {PROVIDER_KINDS}")


def _split_replay(rest: str) -> tuple[str, str]:
    """``PATH:SPEC`` split at the colon before a known provider kind (paths may hold colons)."""
    for match in re.finditer(":", rest):
        path, spec = rest[: match.start()], rest[match.end() :]
        if spec.partition(":")[0] in PROVIDER_KINDS and path:
            return path, spec
    raise ConfigError(
        f"replay spec 'replay:{rest}' must look like 'replay:PATH:SPEC', e.g. 'replay:c.jsonl:offline'"
    )


def _build_replay(mode: str | None, rest: str, opts: BuildOptions) -> Provider:
    chosen = _replay_mode(mode) if mode else opts.replay_mode
    path, inner = _split_replay(rest)
    if _REPLAY.match(inner):
        raise ConfigError("a replay provider cannot wrap another replay provider")
    factory = _factory(inner, opts)
    model = spec_model(inner) or ("offline-extractive" if inner == "offline" else None)
    return ReplayProvider(path, factory, mode=chosen, model=model)


def _replay_mode(name: str) -> ReplayMode:
    for mode in REPLAY_MODES:
        if mode == name:
            return mode
    raise ConfigError(f"replay mode {name!r} is not one of {REPLAY_MODES}")
