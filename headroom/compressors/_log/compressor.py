"""The log compressor: template mining, repeat collapsing, errors and traces kept verbatim.

Every line is either kept or stands inside a marker whose count is exactly the number of
consecutive lines it replaces, so kept lines plus line-marker counts always equal the input's
line count. A log carrying ANSI colour codes is de-coloured, and one leading ``colour codes``
marker says how many escapes were removed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pydantic import Field

from headroom.compressors._base import CompressContext, Compressed, Elision, passthrough, result
from headroom.compressors._log.detect import detect_log
from headroom.compressors._log.mine import colour_codes, first_timestamp, mine
from headroom.compressors._log.select import Lines, select
from headroom.compressors._registry import register
from headroom.compressors._section import Tuning
from headroom.critical import is_critical, strip_ansi
from headroom.policy import Policy, Section, tunable


class LogPolicy(Section):
    """Template mining and repeat collapsing for logs and command output."""

    enabled: bool = Field(True, description="Compress log content at all.")
    head_lines: int = tunable(10, "Leading lines always kept verbatim.", low=0, high=100)
    tail_lines: int = tunable(15, "Trailing lines always kept verbatim.", low=0, high=200)
    max_examples_per_template: int = tunable(
        1, "Verbatim examples kept per non-critical template.", low=1, high=10
    )
    max_critical_examples: int = tunable(
        3, "Verbatim examples kept per critical (error/warn) template.", low=1, high=20
    )
    query_matches: int = tunable(20, "Lines matching the query kept verbatim.", low=0, high=200)
    min_repeat: int = tunable(
        3, "Templates seen at least this often are collapsed; rarer ones keep every line.", low=2, high=20
    )


# A marker costs about this many characters; shorter runs are cheaper kept verbatim.
_MARKER_CHARS = 90
_MIN_LINES = 4
_LONE_CR = re.compile(r"\r(?!\n)")
_BREAK = re.compile(r"(\r(?!\n)|\n)")


@dataclass(frozen=True)
class _Run:
    """A run of consecutive elided lines, ``start`` inclusive to ``stop`` exclusive."""

    start: int
    stop: int


class LogCompressor:
    """Logs and command output: build/test runs, server, access and trace logs."""

    name = "log"
    content_type = "log"
    max_confidence = 0.95  # the most detect() returns; the router skips what cannot win
    section = LogPolicy
    tuning = Tuning(kinds=("log",))

    def detect(self, sample: str) -> float:
        """Confidence that ``sample`` is a log."""
        return detect_log(sample)

    def compress(self, text: str, policy: Policy, ctx: CompressContext) -> Compressed:
        """Keep what matters verbatim; every other run of lines becomes one marker."""
        reason = self._skip_reason(text, policy)
        if reason:
            return passthrough(text, ctx, self.name, self.content_type, reason)
        body, newline = (text[:-1], "\n") if text.endswith("\n") else (text, "")
        raw, breaks = split_lines(body)
        lines = _analyse(raw)
        ctx.check_time("log: mining templates")
        keep = select(lines, policy.log, ctx.query)
        ctx.check_time("log: selecting lines")
        runs = _runs(lines, keep)
        if not runs and colour_codes(raw) == 0:
            return passthrough(text, ctx, self.name, self.content_type, "nothing worth eliding")
        out, elisions = _render(text, raw, lines, runs, ctx)
        compressed = _join(out, breaks) + newline
        if ctx.tokens(compressed) >= ctx.tokens(text):
            return passthrough(text, ctx, self.name, self.content_type, "compressed form was not smaller")
        return result(text, compressed, ctx, self, elisions)

    def _skip_reason(self, text: str, policy: Policy) -> str | None:
        if not policy.log.enabled:
            return "log compression disabled by policy"
        if len(split_lines(text)[0]) < _MIN_LINES:
            return "too few lines to compress"
        return None


def split_lines(body: str) -> tuple[list[str], list[str]]:
    """Lines and the break after each: ``\n`` (CRLF lines keep their ``\r``), or a lone ``\r``
    (progress output redraws its line with one); the last line's break is ``""``."""
    if "\r" not in body or _LONE_CR.search(body) is None:
        lines = body.split("\n")
        return lines, ["\n"] * (len(lines) - 1) + [""]
    parts = _BREAK.split(body)
    return parts[0::2], [*parts[1::2], ""]


def _join(out: list[tuple[str, int | None]], breaks: list[str]) -> str:
    """Kept lines with their own breaks; a marker ends its line with ``\n``."""
    pieces = []
    for position, (piece, line) in enumerate(out):
        last = position == len(out) - 1
        pieces.append(piece + ("" if last else breaks[line] if line is not None else "\n"))
    return "".join(pieces)


def _analyse(raw: list[str]) -> Lines:
    clean = [strip_ansi(line) for line in raw]
    return Lines(
        clean=clean,
        templates=mine(clean),
        critical=[is_critical(line) for line in clean],
    )


def _runs(lines: Lines, keep: list[bool]) -> list[_Run]:
    """Elided runs worth a marker; shorter runs are flipped back to kept."""
    runs: list[_Run] = []
    i, n = 0, len(keep)
    while i < n:
        if keep[i]:
            i += 1
            continue
        stop = i
        while stop < n and not keep[stop]:
            stop += 1
        if sum(len(lines.clean[j]) + 1 for j in range(i, stop)) > _MARKER_CHARS:
            runs.append(_Run(i, stop))
        i = stop
    return runs


def _time_range(first: str | None, last: str | None) -> str:
    """``first to last``, the shared date written once; empty unless both ends carry a time."""
    if not first or not last:
        return ""
    if first == last:
        return first
    if len(first) > 11 and first[:11] == last[:11]:
        return f"{first} to {last[11:]}"
    return f"{first} to {last}"


def _detail(lines: Lines, run: _Run) -> str:
    parts = [f"lines {run.start + 1}-{run.stop}"]
    times = _time_range(first_timestamp(lines.clean[run.start]), first_timestamp(lines.clean[run.stop - 1]))
    if times:
        parts.append(times)
    critical = sum(1 for i in range(run.start, run.stop) if lines.critical[i])
    if critical:
        parts.append(f"{critical} with error words")
    return "(" + ", ".join(p.replace(";", ",").replace("]", ")") for p in parts) + ")"


def _kind(lines: Lines, run: _Run, previous: int) -> str:
    """``similar lines`` when the whole run repeats the template of the line just kept."""
    if previous >= 0 and all(
        lines.templates[i] == lines.templates[previous] for i in range(run.start, run.stop)
    ):
        return "similar lines"
    return "lines"


def _render(
    text: str, raw: list[str], lines: Lines, runs: list[_Run], ctx: CompressContext
) -> tuple[list[tuple[str, int | None]], list[Elision]]:
    """Kept lines (with their index, for their break) and markers (index None), in order."""
    out: list[tuple[str, int | None]] = []
    elisions: list[Elision] = []
    codes = colour_codes(raw)
    if codes:
        # Colour is noise to a model; one marker says so and keeps the coloured original.
        marker, elision = ctx.marker(text, codes, "colour codes", "(ANSI escapes stripped from kept lines)")
        out.append((marker, None))
        elisions.append(elision)
    shown = lines.clean if codes else raw
    cursor = 0
    for run in runs:
        out.extend((shown[i], i) for i in range(cursor, run.start))
        kind = _kind(lines, run, run.start - 1)
        marker, elision = ctx.marker(text, run.stop - run.start, kind, _detail(lines, run))
        out.append((marker, None))
        elisions.append(elision)
        cursor = run.stop
    out.extend((shown[i], i) for i in range(cursor, len(shown)))
    return out, elisions


register(LogCompressor())
