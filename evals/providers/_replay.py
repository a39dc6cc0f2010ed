"""Replay provider: cassettes of recorded responses, keyed by the canonical request.

A cassette is JSONL, one entry per key: ``{"key", "request": summary, "response"}``. Nothing
secret is written: every entry (request summary, response text, tool-call arguments, usage)
goes through :mod:`headroom.redaction` before it is saved, with the configured API keys. The
key is the hash of the canonical request redacted *without* the configured keys, so it does
not depend on whose key recorded it: a cassette recorded with one API key replays for anyone.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any, Literal, cast

from evals.providers._base import Provider, Request, Response
from evals.providers._openai import content_text
from evals.traces._model import ToolCall, Usage
from headroom.errors import ConfigError
from headroom.redaction import Redactor, redact_text, redact_value

ReplayMode = Literal["record", "replay", "auto"]
REPLAY_MODES: tuple[ReplayMode, ...] = ("record", "replay", "auto")
_KEYING = Redactor()
"""Redacts requests before hashing: rules only, so keys are the same in every process."""


class CassetteMiss(ConfigError):
    """Replay mode found no recorded response for a request; the cassette needs re-recording."""

    def __init__(self, key: str, path: str) -> None:
        super().__init__(
            f"no cassette entry for request key {key} in {path}; re-record with mode 'record' or 'auto'"
        )
        self.key = key
        self.path = path


def redact(value: Any) -> Any:
    """A copy of ``value`` with secrets replaced at any depth (the registered API keys included)."""
    return redact_value(value)


def canonical_request(request: Request, model: str) -> str:
    """The request as canonical JSON (sorted keys, no spaces), secrets redacted."""
    data = {
        "model": model,
        "messages": request.messages,
        "tools": request.tools,
        "extra": request.extra,
        "policy_hash": request.policy_hash,
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
    }
    return json.dumps(_KEYING.value(data), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def request_key(request: Request, model: str) -> str:
    """sha256 of :func:`canonical_request`."""
    return hashlib.sha256(canonical_request(request, model).encode("utf-8")).hexdigest()


def response_to_json(response: Response) -> dict[str, Any]:
    """A :class:`Response` as plain JSON data."""
    return {
        "text": response.text,
        "tool_calls": [asdict(c) for c in response.tool_calls],
        "usage": asdict(response.usage),
        "model": response.model,
        "stop_reason": response.stop_reason,
    }


def response_from_json(data: dict[str, Any]) -> Response:
    """The inverse of :func:`response_to_json`."""
    return Response(
        text=data.get("text", ""),
        tool_calls=tuple(ToolCall(**c) for c in data.get("tool_calls", [])),
        usage=Usage(**data.get("usage", {})),
        model=data.get("model", ""),
        stop_reason=data.get("stop_reason"),
    )


def _summary(request: Request, model: str) -> dict[str, Any]:
    users = [m for m in request.messages if m.get("role") == "user"]
    last_user = content_text(users[-1].get("content")) if users else ""
    return {
        "model": model,
        "policy_hash": request.policy_hash,
        "messages": len(request.messages),
        # Redact before cutting: a secret cut in half no longer looks like one.
        "last_user": redact_text(last_user)[:200],
        "tools": sorted(str((t.get("function") or t).get("name", "")) for t in request.tools),
        "extra": request.extra,
        "max_tokens": request.max_tokens,
        "temperature": request.temperature,
    }


class ReplayProvider:
    """Answers from a cassette; records through ``inner`` in ``record``/``auto`` mode.

    ``inner`` may be a factory, called only when a recording is needed, so replaying in CI
    never needs the real provider's API key. ``model`` pins the model used in keys (the
    inner provider's, when the spec named one). Call :meth:`aclose` (or use ``async with``)
    after recording to rewrite the cassette sorted by key, byte-for-byte reproducible.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        inner: Provider | Callable[[], Provider] | None = None,
        mode: ReplayMode = "replay",
        model: str | None = None,
    ) -> None:
        if mode not in REPLAY_MODES:
            raise ConfigError(f"replay mode {mode!r} is not one of {REPLAY_MODES}")
        if mode != "replay" and inner is None:
            raise ConfigError(f"replay mode {mode!r} needs an inner provider to record from")
        self.path = Path(path)
        self.mode: ReplayMode = mode
        self.model = model
        self.name = "replay"
        self._inner_source = inner
        self._inner: Provider | None = None
        self._entries = self._load()
        self._lock = asyncio.Lock()
        self._dirty = False

    async def generate(self, request: Request) -> Response:
        """The recorded response for ``request``; records it first when allowed and missing."""
        model = self.model or request.model
        key = request_key(request, model)
        entry = self._entries.get(key)
        if entry is not None and self.mode != "record":
            return response_from_json(entry["response"])
        if self.mode == "replay":
            raise CassetteMiss(key, str(self.path))
        response = await self._get_inner().generate(request)
        entry = {"key": key, "request": _summary(request, model), "response": response_to_json(response)}
        clean = await self._record(key, entry)
        # The run scores what its cassette will replay, so recording and replaying agree.
        return response_from_json(clean["response"])

    def __contains__(self, request: object) -> bool:
        return (
            isinstance(request, Request)
            and request_key(request, self.model or request.model) in self._entries
        )

    def __len__(self) -> int:
        return len(self._entries)

    async def aclose(self) -> None:
        """Rewrite the cassette sorted by key (if anything was recorded); close the inner provider."""
        if self._dirty:
            self._write_sorted()
            self._dirty = False
        closer = getattr(self._inner, "aclose", None)
        if closer is not None:
            await closer()

    async def __aenter__(self) -> ReplayProvider:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def _get_inner(self) -> Provider:
        if self._inner is None:
            source = self._inner_source
            if source is None:
                raise ConfigError("replay provider has no inner provider to record from")
            # A provider class is a factory too, even though it has ``generate``.
            if isinstance(source, type) or not isinstance(source, Provider):
                self._inner = cast(Callable[[], Provider], source)()
            else:
                self._inner = source
        return self._inner

    async def _record(self, key: str, entry: dict[str, Any]) -> dict[str, Any]:
        clean: dict[str, Any] = redact_value(entry)
        async with self._lock:
            self._entries[key] = clean
            self._dirty = True
            # Appending keeps every recording even if the run dies before aclose().
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a", encoding="utf-8") as out:
                out.write(_line(clean))
        return clean

    def _load(self) -> dict[str, dict[str, Any]]:
        if not self.path.exists():
            if self.mode == "replay":
                raise ConfigError(
                    f"cassette {self.path} does not exist; record it with mode 'record' or 'auto'"
                )
            return {}
        entries: dict[str, dict[str, Any]] = {}
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
                # Cassettes recorded before redaction covered everything come out clean when rewritten.
                entries[str(entry["key"])] = redact_value(entry)
            except (ValueError, KeyError, TypeError) as exc:
                raise ConfigError(f"{self.path}:{number}: not a cassette entry ({exc})") from exc
        return entries

    def _write_sorted(self) -> None:
        temporary = self.path.with_name(self.path.name + ".tmp")
        temporary.write_text(
            "".join(_line(self._entries[k]) for k in sorted(self._entries)), encoding="utf-8"
        )
        os.replace(temporary, self.path)


def _line(entry: dict[str, Any]) -> str:
    return json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n"
