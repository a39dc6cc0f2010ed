"""The importer protocol and the file-reading helpers every importer shares.

An importer recognises one agent's trace format from a cheap look at the start of a file
(``sniff``: it reads past the bookkeeping records a format opens with, and never claims another
importer's files) and turns the whole file into :class:`Trace` objects (``load``). A file that
cannot be read is a :class:`TraceFormatError` naming the file and, where known, the line; one
malformed line of a JSONL file is a warning on the trace (``Trace.warnings``) and the rest of the
file still imports.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from evals.traces._model import Trace, Turn, Usage
from headroom.errors import TraceFormatError

AGENT_KEYS = frozenset(
    {"info", "eval", "samples", "traj", "trajectory", "history", "parts", "events", "payload"}
)
"""Top-level keys of agent formats: a record with one of them is not a plain request log."""
MINI_SWE_MARKERS = re.compile(
    r'mini-swe-agent|minisweagent\.|"mini_version"|```mswea_bash_command|<returncode>'
)
"""What tells a mini-swe-agent message list from a plain chat log."""

PREFIX_BYTES = 1 << 17
"""How much of a file ``sniff`` looks at: enough to see the top-level keys of every known format."""


class Importer(Protocol):
    """Reads one agent trace format."""

    name: str

    def sniff(self, path: Path) -> bool:
        """Whether the file looks like this format (reads a prefix only)."""
        ...

    def load(self, path: Path) -> list[Trace]:
        """Every session the file holds; raises TraceFormatError when it cannot be read."""
        ...


def read_prefix(path: Path, size: int = PREFIX_BYTES) -> str:
    """The first ``size`` bytes of the file as text (undecodable bytes replaced)."""
    with path.open("rb") as handle:
        return handle.read(size).decode("utf-8", errors="replace")


def json_kind(prefix: str) -> str:
    """``"{"`` or ``"["`` for JSON-looking text, ``""`` otherwise."""
    head = prefix.lstrip("\ufeff \t\r\n")[:1]
    return head if head in "{[" and head else ""


def head_records(prefix: str, limit: int = 5) -> list[dict[str, Any]]:
    """The first complete JSON-object lines of a JSONL prefix (a partial last line is skipped)."""
    records: list[dict[str, Any]] = []
    for line in prefix.splitlines()[:-1] if not prefix.endswith("\n") else prefix.splitlines():
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            return records
        if not isinstance(value, dict):
            return records
        records.append(value)
        if len(records) >= limit:
            break
    return records


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\],:]')


def top_keys(prefix: str) -> list[str]:
    """The keys of the first JSON object in ``prefix``, in order, even when the text is cut short.

    Lets a sniff see which top-level fields a record has although its first value is larger
    than the prefix (an OpenHands resolver record with a long ``instruction`` before ``history``).
    """
    keys: list[str] = []
    depth = 0
    pending: str | None = None
    for match in _TOKEN.finditer(prefix.lstrip("\ufeff \t\r\n")):
        token = match.group()
        if token in "{[":
            depth += 1
        elif token in "}]":
            depth -= 1
            if depth <= 0:
                break
        elif token == ":" and depth == 1 and pending is not None:
            keys.append(pending)
        if token.startswith('"') and depth == 1:
            pending = json.loads(token) if token.endswith('"') and len(token) > 1 else None
        elif token != ":":
            pending = None
    return keys


def first_record_keys(prefix: str) -> list[str]:
    """The top-level keys of the first record: the document, a JSONL line, or an array's first item."""
    text = prefix.lstrip("\ufeff \t\r\n")
    return top_keys(text[1:] if text.startswith("[") else text)


def read_json(path: Path) -> Any:
    """The parsed JSON document; a syntax error names the file and line."""
    text = path.read_text(encoding="utf-8", errors="replace")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise TraceFormatError(str(path), f"invalid JSON: {exc.msg}", exc.lineno) from exc


def iter_jsonl(path: Path, warnings: list[str] | None = None) -> Iterator[tuple[int, dict[str, Any]]]:
    """``(line_number, object)`` for every non-blank line; anything but a JSON object is an error.

    With a ``warnings`` list, a bad line is recorded there (``path:line: why``) and skipped, so
    one torn or hand-edited line does not lose the rest of the session.
    """
    with path.open(encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                _bad_line(path, number, f"invalid JSON: {exc.msg}", warnings, exc)
                continue
            if not isinstance(value, dict):
                _bad_line(path, number, "expected a JSON object on this line", warnings)
                continue
            yield number, value


def _bad_line(
    path: Path, line: int, message: str, warnings: list[str] | None, cause: Exception | None = None
) -> None:
    if warnings is None:
        raise TraceFormatError(str(path), message, line) from cause
    warnings.append(f"{path}:{line}: {message}")


def records_of(path: Path, warnings: list[str] | None = None) -> list[tuple[int | None, dict[str, Any]]]:
    """The records of a JSON object, a JSON array of objects, or a JSONL file, with line numbers.

    ``warnings`` is passed on to :func:`iter_jsonl` for JSONL files.
    """
    if json_kind(read_prefix(path, 4096)) == "[":
        data = read_json(path)
        return [(None, require_dict(path, item, f"array item {i}")) for i, item in enumerate(data)]
    try:
        data = read_json(path)
    except TraceFormatError:
        records: list[tuple[int | None, dict[str, Any]]] = list(iter_jsonl(path, warnings))
        if not records:
            raise
        return records
    if isinstance(data, list):
        return [(None, require_dict(path, item, f"array item {i}")) for i, item in enumerate(data)]
    return [(None, require_dict(path, data, "document"))]


def require_dict(path: Path, value: Any, what: str, line: int | None = None) -> dict[str, Any]:
    """``value`` when it is a JSON object, else a TraceFormatError."""
    if not isinstance(value, dict):
        raise TraceFormatError(str(path), f"{what} must be a JSON object, not {type(value).__name__}", line)
    return value


def require_list(path: Path, value: Any, what: str, line: int | None = None) -> list[Any]:
    """``value`` when it is a JSON array, else a TraceFormatError."""
    if not isinstance(value, list):
        raise TraceFormatError(str(path), f"{what} must be a JSON array, not {type(value).__name__}", line)
    return value


def sub_dict(record: Mapping[str, Any], key: str) -> dict[str, Any]:
    """``record[key]`` when it is a JSON object, else an empty one."""
    value = record.get(key)
    return value if isinstance(value, dict) else {}


def as_int(value: Any) -> int | None:
    """An integer count, or None for anything else (bools are not counts)."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def as_str(value: Any) -> str | None:
    """A non-empty string, or None."""
    return value if isinstance(value, str) and value else None


def total(*parts: int | None) -> int | None:
    """The sum of the known parts; None when none is known."""
    known = [p for p in parts if p is not None]
    return sum(known) if known else None


def uncached_usage(
    inputs: int | None, output: int | None, read: int | None, write: int | None
) -> Usage | None:
    """Usage from formats whose input count leaves the cache out (it is added back); None when
    neither input nor output is recorded."""
    if inputs is None and output is None:
        return None
    return Usage(
        input_tokens=total(inputs, read, write),
        cache_read_tokens=read,
        cache_write_tokens=write,
        output_tokens=output,
    )


def usage_from(raw: Any) -> Usage | None:
    """Usage from any of the usual shapes (OpenAI chat/Responses, Anthropic, Inspect, Codex).

    ``input_tokens`` always includes cached input: Anthropic reports cache reads and writes
    separately from ``input_tokens``, so they are added back there.
    """
    if not isinstance(raw, Mapping):
        return None
    read = _first_int(raw, "cache_read_input_tokens", "input_tokens_cache_read", "cached_input_tokens")
    read = read if read is not None else _nested_int(raw, ("prompt_tokens_details", "input_tokens_details"))
    write = _first_int(raw, "cache_creation_input_tokens", "input_tokens_cache_write")
    output = _first_int(raw, "output_tokens", "completion_tokens")
    prompt = as_int(raw.get("prompt_tokens"))
    inputs: int | None
    if prompt is not None:
        inputs = prompt
    elif "cache_read_input_tokens" in raw or "cache_creation_input_tokens" in raw:
        inputs = total(as_int(raw.get("input_tokens")), read, write)
    else:
        inputs = _inspect_inputs(raw, read, write, output)
    if inputs is None and output is None and read is None and write is None:
        return None
    return Usage(input_tokens=inputs, cache_read_tokens=read, cache_write_tokens=write, output_tokens=output)


def _inspect_inputs(
    raw: Mapping[str, Any], read: int | None, write: int | None, output: int | None
) -> int | None:
    # Inspect reports Anthropic input without the cache (its total then adds the cache back in)
    # and OpenAI input with it (its total is input + output); the total tells them apart.
    inputs = as_int(raw.get("input_tokens"))
    cached = (read or 0) + (write or 0)
    if inputs is not None and cached and as_int(raw.get("total_tokens")) == inputs + cached + (output or 0):
        return inputs + cached
    return inputs


def _first_int(raw: Mapping[str, Any], *keys: str) -> int | None:
    for key in keys:
        value = as_int(raw.get(key))
        if value is not None:
            return value
    return None


def _nested_int(raw: Mapping[str, Any], keys: tuple[str, ...]) -> int | None:
    for key in keys:
        details = raw.get(key)
        if isinstance(details, Mapping):
            value = as_int(details.get("cached_tokens"))
            if value is not None:
                return value
    return None


def session_source(path: Path, index: int, count: int) -> str:
    """The trace's ``source``: the path, with ``#n`` when the file holds several sessions."""
    return f"{path}#{index}" if count > 1 else str(path)


class PerRequestImporter:
    """An importer of request logs: one trace per record, whose turns ``_turns`` reads."""

    name: str

    def load(self, path: Path) -> list[Trace]:
        """One trace per request record."""
        return per_record(path, self.name, self._turns)

    def _turns(
        self, path: Path, line: int | None, record: dict[str, Any]
    ) -> tuple[list[Turn], dict[str, Any]]:
        raise NotImplementedError


def per_record(
    path: Path,
    fmt: str,
    turns_of: Callable[[Path, int | None, dict[str, Any]], tuple[Sequence[Turn], Mapping[str, Any]]],
    read: tuple[list[tuple[int | None, dict[str, Any]]], list[str]] | None = None,
) -> list[Trace]:
    """One trace per request record of ``path`` (or of ``read``: records already read, with the
    warnings reading them raised): ``turns_of(path, line, record)`` gives its turns and the
    request body (whose ``model`` names the trace's); each trace carries the warnings."""
    warnings: list[str] = []
    records, warnings = read if read is not None else (records_of(path, warnings), warnings)
    traces = []
    for index, (line, record) in enumerate(records):
        turns, body = turns_of(path, line, record)
        source = session_source(path, index, len(records))
        model = as_str(body.get("model"))
        traces.append(
            Trace(source=source, format=fmt, turns=tuple(turns), model=model, warnings=tuple(warnings))
        )
    return traces
