"""The table compressor: CSV/TSV with a header row.

Lossless first (columns holding one value in every row move into a header line), then a
budgeted row selection (first/last rows, error rows, query matches, numeric outliers, change
points) with a marker stating the exact number of rows dropped in each run.
"""

from __future__ import annotations

import csv
import io
import re
from typing import Any

from pydantic import Field

from headroom.compressors._base import (
    CompressContext,
    Compressed,
    Elision,
    passthrough,
    smaller_or_passthrough,
)
from headroom.compressors._json.select import Budget, dropped_runs, select
from headroom.compressors._json.text import dumps
from headroom.compressors._registry import register
from headroom.compressors._section import Tuning
from headroom.policy import Policy, Section, tunable


class TablePolicy(Section):
    """CSV/TSV tables: constant columns into the header, then budgeted row selection."""

    enabled: bool = Field(True, description="Compress CSV/TSV tables at all.")
    max_rows: int = tunable(25, "Rows kept once selection starts (the budget).", low=3, high=500, log=True)
    min_rows_to_select: int = tunable(
        12, "Tables at or below this many rows are never subsampled.", low=3, high=200
    )
    keep_first: int = tunable(5, "Leading rows always kept.", low=0, high=20)
    keep_last: int = tunable(3, "Trailing rows always kept.", low=0, high=20)
    outlier_z: float = tunable(
        3.0, "Robust z-score above which a numeric cell marks its row as an outlier.", low=1.5, high=6.0
    )


_DELIMITERS = (",", "\t", ";", "|")
_SAMPLE_LINES = 30
_MAX_HEADER_CELL = 40
_NUMBER = re.compile(r"-?\d+(?:[.,:/-]\d+)*%?")
_DATA_LIKE = re.compile(r"^-?\d+(?:[.,:/-]\d+)+|^\d+\s")
_MIN_ROWS = 3


def _sample_lines(text: str) -> list[str]:
    lines = []
    for line in text[:8000].splitlines():
        if line.strip():
            lines.append(line)
        if len(lines) >= _SAMPLE_LINES:
            break
    # The last line of a prefix may be cut mid-row.
    return lines[:-1] if len(lines) > _MIN_ROWS and len(text) > 8000 else lines


def _split(lines: list[str], delimiter: str) -> list[list[str]] | None:
    try:
        return list(csv.reader(lines, delimiter=delimiter))
    except csv.Error:
        return None


def _header_ok(header: list[str]) -> bool:
    cells = [cell.strip() for cell in header]
    return (
        len(cells) >= 2
        and all(cells)
        and len(set(cells)) == len(cells)
        and all(
            len(cell) <= _MAX_HEADER_CELL and not _NUMBER.fullmatch(cell) and not _DATA_LIKE.match(cell)
            for cell in cells
        )
    )


def sniff(text: str) -> str | None:
    """The delimiter of a CSV/TSV table with a header row, or ``None``."""
    if text.lstrip()[:1] in ("{", "[", "<"):
        return None
    lines = _sample_lines(text)
    if len(lines) < _MIN_ROWS:
        return None
    best: tuple[float, str] | None = None
    for delimiter in _DELIMITERS:
        rows = _split(lines, delimiter)
        if not rows or not _header_ok(rows[0]):
            continue
        width = len(rows[0])
        share = sum(len(row) == width for row in rows) / len(rows)
        if share >= 0.9 and (best is None or share > best[0]):
            best = (share, delimiter)
    return None if best is None else best[1]


def _budget(policy: Policy) -> Budget:
    table: TablePolicy = policy.table
    return Budget(
        table.max_rows, table.min_rows_to_select, table.keep_first, table.keep_last, table.outlier_z
    )


def _value(cell: str) -> Any:
    try:
        return float(cell) if _NUMBER.fullmatch(cell) and "," not in cell else cell
    except ValueError:
        return cell


def _constants(header: list[str], rows: list[list[str]]) -> dict[int, str]:
    if len(rows) < _MIN_ROWS:
        return {}
    out = {}
    for col in range(len(header)):
        first = rows[0][col]
        if all(row[col] == first for row in rows):
            out[col] = first
    # Keep at least one column so every row still has a line.
    return out if len(out) < len(header) else {}


class TableCompressor:
    """Compresses CSV/TSV tables that have a header row."""

    name = "table"
    content_type = "table"
    max_confidence = 0.85  # the most detect() returns; the router skips what cannot win
    section = TablePolicy
    tuning = Tuning(kinds=("json", "log", "search-results", "prose", "markdown"), routed_only=True)

    def detect(self, sample: str) -> float:
        """Confidence that ``sample`` is a delimited table with a header row."""
        return 0.85 if sniff(sample) is not None else 0.0

    def compress(self, text: str, policy: Policy, ctx: CompressContext) -> Compressed:
        """Compress ``text``; anything that is not a consistent table passes through."""
        delimiter = sniff(text)
        if delimiter is None:
            return self._pass(text, ctx, "not a table" if text.strip() else "empty")
        parsed = _split(text.splitlines(), delimiter)
        if not parsed:
            return self._pass(text, ctx, "not a table")
        header, rows = parsed[0], [row for row in parsed[1:] if row]
        if any(len(row) != len(header) for row in rows):
            return self._pass(text, ctx, "ragged rows")
        out, elisions = self._render(text, header, rows, delimiter, policy, ctx)
        if out is None:
            return self._pass(text, ctx, "nothing to compress")
        return smaller_or_passthrough(text, out, ctx, self, elisions, "constant columns in a header line")

    def _render(
        self,
        text: str,
        header: list[str],
        rows: list[list[str]],
        delimiter: str,
        policy: Policy,
        ctx: CompressContext,
    ) -> tuple[str | None, list[Elision]]:
        constants = _constants(header, rows)
        items = [{h: _value(cell) for h, cell in zip(header, row, strict=True)} for row in rows]
        texts = [delimiter.join(row) for row in rows]
        kept = select(items, texts, _budget(policy), ctx.query)
        if not constants and kept is None:
            return None, []
        columns = [c for c in range(len(header)) if c not in constants]
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\n")
        lines = [_header_line(len(rows), header, constants)]
        writer.writerow([header[c] for c in columns])
        lines.append(buffer.getvalue().rstrip("\n"))
        elisions: list[Elision] = []
        gaps = {start: stop - start for start, stop in dropped_runs(kept, len(rows))} if kept else {}
        keep = set(kept) if kept is not None else set(range(len(rows)))
        for index, row in enumerate(rows):
            if index in gaps:
                marker, elision = ctx.marker(text, gaps[index], "rows")
                lines.append(marker)
                elisions.append(elision)
            if index in keep:
                buffer.seek(0)
                buffer.truncate()
                writer.writerow([row[c] for c in columns])
                lines.append(buffer.getvalue().rstrip("\n"))
        return "\n".join(lines), elisions

    def _pass(self, text: str, ctx: CompressContext, reason: str) -> Compressed:
        return passthrough(text, ctx, self.name, self.content_type, reason)


def _header_line(total: int, header: list[str], constants: dict[int, str]) -> str:
    line = f"# {total} rows"
    if constants:
        values = ", ".join(f"{header[c]}={dumps(v)}" for c, v in constants.items())
        line += f"; constant: {values}"
    return line


register(TableCompressor())
