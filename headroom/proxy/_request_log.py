"""One structured line per proxied request, through the stdlib ``logging`` (logger ``headroom.proxy.requests``).

What a line may hold is fixed by :class:`RequestLine`: facts about the route and counts the
proxy computed itself. Never a body, a header value (``Authorization`` and ``x-api-key`` carry
keys), a query string (some APIs take ``?key=``) or anything read from the store (originals
are the user's content). The session id is the agent's own id header or the proxy's
fingerprint hash, both opaque.

Records go through a :class:`logging.handlers.QueueHandler`: the event loop only enqueues, and
a listener thread formats and writes (a slow disk or a full pipe never stalls a stream).
"""

from __future__ import annotations

import contextlib
import json
import logging
import logging.handlers
import queue
import sys
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from headroom.errors import ConfigError

LOGGER_NAME = "headroom.proxy.requests"
LogFormat = Literal["text", "json"]
_MAX_MODEL_CHARS = 80


@dataclass
class RequestLine:
    """What one request's line says; filled in as the request goes, written once when it ends."""

    request_id: str
    method: str
    path: str
    shape: str
    """``anthropic_messages``, ``anthropic_count_tokens``, ``openai_chat``, ``openai_responses`` or ``passthrough``."""
    model: str | None = None
    stream: bool = False
    status: int = 0
    """The status the client got (0: the proxy failed before answering; see ``error``)."""
    upstream_ms: float | None = None
    """Time to the first round's upstream response headers (``None``: never reached)."""
    compress_ms: float | None = None
    """Time of the compression step, cache lookup included (``None``: not a compressing route)."""
    tokens_in: int = 0
    tokens_out: int = 0
    tokens_saved: int = 0
    fail_open: str | None = None
    """Why the client's original bytes went upstream (the ``x-headroom-passthrough`` reason)."""
    session: str | None = None
    retrievals: int = 0
    rounds: int = 0
    """Continuation rounds the proxy sent upstream to answer retrievals."""
    total_ms: float = 0.0
    """From the request's arrival to its last byte sent (or the client's hang-up)."""
    client_gone: bool = False
    """The client hung up before the response's last byte."""
    error: str | None = None
    """The exception type when the proxy itself failed (never its message: it may quote input)."""
    started: float = field(default_factory=time.perf_counter, repr=False)

    def fields(self) -> dict[str, Any]:
        out = asdict(self)
        del out["started"]
        return out


class RequestLog:
    """Writes :class:`RequestLine` records to ``headroom.proxy.requests`` (nothing when no handler wants INFO)."""

    def __init__(self, logger: logging.Logger | None = None) -> None:
        self._logger = logger or logging.getLogger(LOGGER_NAME)

    def write(self, line: RequestLine) -> None:
        if not self._logger.isEnabledFor(logging.INFO):
            return
        line.total_ms = round((time.perf_counter() - line.started) * 1000, 2)
        if line.model is not None:
            line.model = line.model[:_MAX_MODEL_CHARS]
        self._logger.info("request", extra={"request": line.fields()})


def model_of(request: dict[str, Any] | None) -> str | None:
    model = request.get("model") if request else None
    return model if isinstance(model, str) else None


class LineFormatter(logging.Formatter):
    """A request record as one JSON object, or as ``key=value`` pairs (values with spaces quoted)."""

    def __init__(self, fmt: LogFormat) -> None:
        super().__init__()
        self._json = fmt == "json"

    def format(self, record: logging.LogRecord) -> str:
        fields: dict[str, Any] = getattr(record, "request", None) or {"message": record.getMessage()}
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        stamp += f".{int(record.msecs):03d}Z"
        if self._json:
            return json.dumps({"ts": stamp, **fields}, separators=(",", ":"), ensure_ascii=True)
        pairs = " ".join(f"{key}={_text(value)}" for key, value in fields.items() if value is not None)
        return f"{stamp} {pairs}"


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    rendered = str(value)
    if not rendered or any(c.isspace() or c in '"=' for c in rendered) or not rendered.isprintable():
        return json.dumps(rendered, ensure_ascii=True)
    return rendered


@contextlib.contextmanager
def request_logging(
    log_file: Path | None = None, fmt: LogFormat = "text", *, stream: Any = None
) -> Iterator[logging.Handler]:
    """Request lines to ``log_file`` (appended; reopened if rotated away) or to ``stream`` (stderr) while open.

    Lines leave the event loop through a queue; on exit the listener drains it, so every line
    of a finished request is on disk once this returns.
    """
    target: logging.Handler
    if log_file is not None:
        try:
            target = logging.handlers.WatchedFileHandler(log_file, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot open the request log {log_file}: {exc.strerror or exc}") from exc
    else:
        target = logging.StreamHandler(stream if stream is not None else sys.stderr)
    target.setFormatter(LineFormatter(fmt))
    pending: queue.SimpleQueue[logging.LogRecord] = queue.SimpleQueue()
    handler = _LineQueueHandler(pending)
    listener = logging.handlers.QueueListener(pending, target)
    logger = logging.getLogger(LOGGER_NAME)
    before = (logger.level, logger.propagate)
    logger.setLevel(logging.INFO)
    logger.propagate = False  # an application's root handlers never get request lines twice
    logger.addHandler(handler)
    listener.start()
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(before[0])
        logger.propagate = before[1]
        listener.stop()
        target.close()


class _LineQueueHandler(logging.handlers.QueueHandler):
    """Enqueues the record as it is: the fields are plain values and the formatter runs in the listener."""

    def prepare(self, record: logging.LogRecord) -> logging.LogRecord:
        return record
