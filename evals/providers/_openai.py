"""OpenAI clients: Chat Completions (also any OpenAI-compatible server) and the Responses API."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from evals.providers._base import Request, Response
from evals.providers._http import HttpConfig, JsonPoster, env_key, resolve_model
from evals.traces._model import ToolCall, Usage, arguments_text
from headroom.errors import UpstreamError

OPENAI_BASE_URL = "https://api.openai.com/v1"
OPENAI_KEY_VARIABLE = "OPENAI_API_KEY"


def content_text(content: Any) -> str:
    """Text of an OpenAI message ``content``: a string, None, or a list of parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [p.get("text", "") if isinstance(p, dict) else str(p) for p in content]
        return "\n".join(p for p in parts if isinstance(p, str) and p)
    return str(content)


def _auth_headers(api_key: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {api_key}"} if api_key else {}


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _details(usage: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    details = usage.get(name)
    return details if isinstance(details, dict) else {}


@dataclass(frozen=True)
class ChatOptions:
    """Knobs that differ between OpenAI and compatible servers."""

    name: str = "openai"
    """Provider name reported in results."""
    require_key: bool = True
    """Fail at construction when no key is given or found in the environment."""
    key_variable: str = OPENAI_KEY_VARIABLE
    """Environment variable holding the key."""
    max_tokens_field: str = "max_completion_tokens"
    """OpenAI wants ``max_completion_tokens``; most compatible servers take ``max_tokens``."""
    env: Mapping[str, str] | None = None
    """Environment to read the key from (None: ``os.environ``)."""


class OpenAIChatProvider:
    """``POST {base_url}/chat/completions``: OpenAI itself, or vLLM, Ollama, LiteLLM with ``base_url``.

    The key is read once here: ``api_key``, else ``key_variable`` from the environment
    (required only when ``require_key``; local servers usually need none).
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        api_key: str | None = None,
        base_url: str = OPENAI_BASE_URL,
        http: HttpConfig | None = None,
        options: ChatOptions | None = None,
    ) -> None:
        opts = options or ChatOptions()
        if api_key is None and opts.require_key:
            api_key = env_key(opts.key_variable, opts.env)
        self.name = opts.name
        self.model = model
        self._max_tokens_field = opts.max_tokens_field
        self._poster = JsonPoster(base_url, _auth_headers(api_key), http or HttpConfig())

    async def generate(self, request: Request) -> Response:
        """Send ``request`` as a chat completion and parse text, tool calls and usage."""
        body = await self._poster.post("chat/completions", self.payload(request))
        return parse_chat_response(body)

    def payload(self, request: Request) -> dict[str, Any]:
        """The JSON body sent for ``request``."""
        payload: dict[str, Any] = {
            "model": resolve_model(self.model, request.model),
            "messages": request.messages,
            self._max_tokens_field: request.max_tokens,
        }
        if "reasoning_effort" not in request.extra:
            # Reasoning models reject any temperature but the default.
            payload["temperature"] = request.temperature
        if request.tools:
            payload["tools"] = request.tools
        payload.update(request.extra)
        return payload

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._poster.aclose()


def compat_provider(
    base_url: str,
    model: str | None = None,
    *,
    api_key: str | None = None,
    http: HttpConfig | None = None,
) -> OpenAIChatProvider:
    """A chat client for an OpenAI-compatible server (vLLM, Ollama, LiteLLM proxy)."""
    options = ChatOptions(name="compat", require_key=False, max_tokens_field="max_tokens")
    return OpenAIChatProvider(model, api_key=api_key, base_url=base_url, http=http, options=options)


def parse_chat_response(body: Mapping[str, Any]) -> Response:
    """A :class:`Response` from a chat-completions body."""
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise UpstreamError("chat completion has no choices")
    message = choices[0].get("message") or {}
    calls = tuple(
        ToolCall(
            id=str(c.get("id", "")),
            name=str((c.get("function") or {}).get("name", "")),
            arguments=arguments_text((c.get("function") or {}).get("arguments", "")),
        )
        for c in message.get("tool_calls") or []
        if isinstance(c, dict)
    )
    return Response(
        text=content_text(message.get("content")),
        tool_calls=calls,
        usage=_chat_usage(body.get("usage")),
        model=str(body.get("model", "")),
        stop_reason=choices[0].get("finish_reason"),
    )


def _chat_usage(usage: Any) -> Usage:
    return _usage(usage, "prompt_tokens", "completion_tokens")


def _usage(usage: Any, input_key: str, output_key: str) -> Usage:
    """Chat says prompt/completion tokens, Responses input/output; both nest cached tokens alike."""
    if not isinstance(usage, dict):
        return Usage()
    details = _details(usage, f"{input_key}_details")
    return Usage(
        input_tokens=_int(usage.get(input_key)),
        cache_read_tokens=_int(details.get("cached_tokens")),
        output_tokens=_int(usage.get(output_key)),
    )


class OpenAIResponsesProvider:
    """``POST {base_url}/responses``: the OpenAI Responses API (``store`` is off)."""

    def __init__(
        self,
        model: str | None = None,
        *,
        api_key: str | None = None,
        base_url: str = OPENAI_BASE_URL,
        http: HttpConfig | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        if api_key is None:
            api_key = env_key(OPENAI_KEY_VARIABLE, env)
        self.name = "openai-responses"
        self.model = model
        self._poster = JsonPoster(base_url, _auth_headers(api_key), http or HttpConfig())

    async def generate(self, request: Request) -> Response:
        """Send ``request`` to the Responses API and parse text, tool calls and usage."""
        body = await self._poster.post("responses", self.payload(request))
        return parse_responses_response(body)

    def payload(self, request: Request) -> dict[str, Any]:
        """The JSON body sent for ``request``."""
        extra = dict(request.extra)
        payload: dict[str, Any] = {
            "model": resolve_model(self.model, request.model),
            "input": responses_input(request.messages),
            "max_output_tokens": request.max_tokens,
            "store": False,
        }
        effort = extra.pop("reasoning_effort", None)
        if effort is not None:
            payload["reasoning"] = {"effort": effort}
        else:
            payload["temperature"] = request.temperature
        if request.tools:
            payload["tools"] = [responses_tool(t) for t in request.tools]
        payload.update(extra)
        return payload

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._poster.aclose()


def responses_tool(tool: Mapping[str, Any]) -> dict[str, Any]:
    """A chat ``{"type": "function", "function": {...}}`` tool in the Responses' flat form."""
    function = tool.get("function")
    if tool.get("type") != "function" or not isinstance(function, dict):
        return dict(tool)
    flat: dict[str, Any] = {"type": "function", "name": function.get("name", "")}
    for key in ("description", "parameters", "strict"):
        if key in function:
            flat[key] = function[key]
    return flat


def responses_input(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Chat messages as Responses input items (tool calls and results become their own items)."""
    items: list[dict[str, Any]] = []
    for message in messages:
        role = message.get("role")
        text = content_text(message.get("content"))
        if role == "tool":
            items.append(
                {"type": "function_call_output", "call_id": message.get("tool_call_id", ""), "output": text}
            )
            continue
        if text or not message.get("tool_calls"):
            items.append({"role": role, "content": text})
        for call in message.get("tool_calls") or []:
            function = call.get("function") or {}
            items.append(
                {
                    "type": "function_call",
                    "call_id": call.get("id", ""),
                    "name": function.get("name", ""),
                    "arguments": arguments_text(function.get("arguments", "")),
                }
            )
    return items


def parse_responses_response(body: Mapping[str, Any]) -> Response:
    """A :class:`Response` from a Responses API body."""
    texts: list[str] = []
    calls: list[ToolCall] = []
    for item in body.get("output") or []:
        if not isinstance(item, dict):
            continue
        if item.get("type") == "message":
            texts.extend(
                str(part.get("text", ""))
                for part in item.get("content") or []
                if isinstance(part, dict) and part.get("type") == "output_text"
            )
        elif item.get("type") == "function_call":
            arguments = arguments_text(item.get("arguments", ""))
            calls.append(ToolCall(str(item.get("call_id", "")), str(item.get("name", "")), arguments))
    return Response(
        text="".join(texts),
        tool_calls=tuple(calls),
        usage=_responses_usage(body.get("usage")),
        model=str(body.get("model", "")),
        stop_reason=_responses_stop(body),
    )


def _responses_usage(usage: Any) -> Usage:
    return _usage(usage, "input_tokens", "output_tokens")


def _responses_stop(body: Mapping[str, Any]) -> str | None:
    incomplete = body.get("incomplete_details")
    if isinstance(incomplete, dict) and incomplete.get("reason"):
        return str(incomplete["reason"])
    status = body.get("status")
    return str(status) if status is not None else None
