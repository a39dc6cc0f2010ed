"""Providers: OpenAI, Anthropic, OpenAI-compatible, replay cassettes and an offline reader."""

from evals.providers._anthropic import AnthropicProvider
from evals.providers._base import Provider, Request, Response
from evals.providers._http import HttpConfig
from evals.providers._offline import OfflineReader
from evals.providers._openai import ChatOptions, OpenAIChatProvider, OpenAIResponsesProvider, compat_provider
from evals.providers._registry import PROVIDER_KINDS, BuildOptions, build_provider, spec_model
from evals.providers._replay import REPLAY_MODES, CassetteMiss, ReplayMode, ReplayProvider, request_key

__all__ = [
    "AnthropicProvider",
    "BuildOptions",
    "CassetteMiss",
    "ChatOptions",
    "HttpConfig",
    "OfflineReader",
    "OpenAIChatProvider",
    "OpenAIResponsesProvider",
    "PROVIDER_KINDS",
    "Provider",
    "REPLAY_MODES",
    "ReplayMode",
    "ReplayProvider",
    "Request",
    "Response",
    "build_provider",
    "compat_provider",
    "request_key",
    "spec_model",
]
