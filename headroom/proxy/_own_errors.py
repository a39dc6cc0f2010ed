"""Errors the proxy answers itself (never for compression), in the shape the client's SDK parses."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.responses import JSONResponse

from headroom.proxy._anthropic import error_body

ANTHROPIC, OPENAI = "anthropic", "openai"


def provider_of(path: str, headers: Iterable[tuple[bytes, bytes]]) -> str:
    """Anthropic when the path or the headers say so (its SDK sends ``anthropic-version``), else OpenAI."""
    if path.startswith("/v1/messages"):
        return ANTHROPIC
    names = {name.lower() for name, _ in headers}
    return ANTHROPIC if b"anthropic-version" in names or b"x-api-key" in names else OPENAI


def own_error(provider: str, status: int, message: str, code: str) -> JSONResponse:
    """``status`` with the provider's error envelope (Anthropic's typed by status; OpenAI's with ``code``)."""
    text = f"headroom proxy: {message}"
    if provider == ANTHROPIC:
        return JSONResponse(error_body(status, text), status_code=status)
    kind = "invalid_request_error" if status < 500 else "api_error"
    return JSONResponse({"error": {"message": text, "type": kind, "code": code}}, status_code=status)
