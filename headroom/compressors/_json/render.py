"""Rendering a parsed JSON value as compact, readable text with tables and elision markers.

Objects become ``key: value`` lines indented one space per level; small containers stay on one
line as compact JSON; uniform arrays become tables; long arrays keep a budgeted selection and a
marker for every dropped run. The result is meant for a model to read, not for a JSON parser.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from headroom.compressors._base import CompressContext, Elision
from headroom.compressors._json.parse import decode_embedded
from headroom.compressors._json.select import Budget, SignalMemo, critical_signature, dropped_runs, select
from headroom.compressors._json.table import (
    Table,
    bare_string,
    build_table,
    header,
    key_text,
    keyed_rows,
    lookup_map,
    tabular,
)
from headroom.compressors._json.text import dumps
from headroom.critical import LONG_LINE_CHARS, KeptLines, critical_units, line_words, needs_its_key

if TYPE_CHECKING:
    from headroom.compressors._json.compressor import JsonPolicy

_WIDTH = 160
_NESTED_CHARS = 1600


@dataclass(frozen=True)
class _Nested:
    """A long string as the nested hook compressed it."""

    text: str
    one_line: bool
    """The words around an error word cross its line breaks: shown on one line they stay together."""


def _compact(value: Any) -> str:
    return dumps(value, separators=(",", ":"))


def _short_critical_record(item: Any, memo: SignalMemo) -> bool:
    if not isinstance(item, dict | list) or not item:
        return False
    return len(_compact(item)) <= LONG_LINE_CHARS and critical_signature(item, memo) is not None


class Renderer:
    """Renders one document; collects the elisions its markers stand for."""

    def __init__(self, original: str, policy: JsonPolicy, ctx: CompressContext) -> None:
        self.original = original
        self.policy = policy
        self.ctx = ctx
        self.elisions: list[Elision] = []
        self._signals: SignalMemo = {}

    def budget(self) -> Budget:
        """The top-level selection budget from the policy."""
        p = self.policy
        return Budget(p.max_items, p.min_items_to_select, p.keep_first, p.keep_last, p.outlier_z)

    def marker(self, count: int, kind: str) -> str:
        """A marker for ``count`` dropped ``kind``; the key restores the whole document."""
        text, elision = self.ctx.marker(self.original, count, kind)
        self.elisions.append(elision)
        return text

    # -- block form ----------------------------------------------------------------------
    def block(self, value: Any, prefix: str, indent: str, budget: Budget) -> list[str]:
        """Lines for ``value``; the first starts with ``indent + prefix``."""
        if isinstance(value, str):
            return self._string_block(value, prefix, indent, budget)
        if not isinstance(value, dict | list) or not value:
            return [indent + prefix + self.scalar(value)]
        if isinstance(value, list) and tabular(value):
            return self._table_block(value, None, prefix, indent, budget)
        if isinstance(value, dict) and keyed_rows(value):
            return self._table_block(list(value.values()), list(value), prefix, indent, budget)
        if isinstance(value, list) and not any(isinstance(v, dict | list) for v in value):
            return [indent + prefix + self.inline(value, budget)]
        if len(_compact(value)) <= 2 * _WIDTH:
            recorded = len(self.elisions)
            line = self.inline(value, budget.nested())
            if len(indent) + len(prefix) + len(line) <= _WIDTH:
                return [indent + prefix + line]
            del self.elisions[recorded:]  # the inline attempt is discarded with its markers
        return self._container_block(value, prefix, indent, budget)

    def _head(self, prefix: str, indent: str) -> tuple[list[str], str]:
        if not prefix:
            return [], indent
        return [indent + prefix.rstrip()], indent + " "

    def _container_block(
        self, value: dict[str, Any] | list[Any], prefix: str, indent: str, budget: Budget
    ) -> list[str]:
        lines, inner = self._head(prefix, indent)
        if isinstance(value, dict):
            keys = list(value)
            kept = self._select_entries(value, budget)
            # A record's fields keep the budget; entries of a selected collection get a smaller one.
            child = budget if kept is None else budget.nested()
            for index, gap in self._walk(len(keys), kept, "items"):
                if gap is not None:
                    lines.append(inner + gap)
                else:
                    lines += self.block(value[keys[index]], key_text(keys[index]) + ": ", inner, child)
            return lines
        kept = self._select(value, budget)
        for index, gap in self._walk(len(value), kept, "items"):
            lines += (
                [inner + gap] if gap is not None else self._item_block(value[index], inner, budget.nested())
            )
        return lines

    def _item_block(self, item: Any, indent: str, budget: Budget) -> list[str]:
        if _short_critical_record(item, self._signals):
            # A record that reports an error stays one line, as a log line would: its fields together.
            return [indent + "- " + self.inline(item, budget)]
        lines = self.block(item, "", indent + "  ", budget)
        if not lines:
            return [indent + "-"]
        lines[0] = indent + "- " + lines[0][len(indent) + 2 :]
        return lines

    def _string_block(self, value: str, prefix: str, indent: str, budget: Budget) -> list[str]:
        embedded = decode_embedded(value)
        if embedded is not None:
            parsed, how = embedded
            head = [f"{indent}{prefix}({how} string)"]
            return head + self.block(parsed, "", indent + " ", budget)
        nested = self._nested(value)
        if nested is None:
            return [indent + prefix + self._plain_string(value, "")]
        if nested.one_line:
            return [indent + prefix + dumps(nested.text)]
        return [f"{indent}{prefix}|", *(indent + " " + line for line in nested.text.splitlines())]

    def _nested(self, value: str) -> _Nested | None:
        """``value`` compressed by the pipeline's nested hook, or ``None`` to keep it as it is.

        The string sits on one line of the document, so its critical units are the words around
        each error word (``critical_units``); a pass that loses one of them is undone.
        """
        if len(value) < _NESTED_CHARS:
            return None
        out = self.ctx.compress_nested(value)
        if out is None or out.tokens_out >= out.tokens_in:
            return None
        units = critical_units(value)
        if units:
            kept = KeptLines([out.text])
            if not all(kept.holds(line_words(unit)) for unit in units):
                return None
        self.elisions.extend(out.elisions)
        return _Nested(out.text, one_line=any("\n" in unit for unit in units))

    def _plain_string(self, value: str, extra: str) -> str:
        limit = self.policy.max_string_chars
        if limit and len(value) > limit:
            cut = len(value) - limit
            return f"{dumps(value[:limit])} {self.marker(cut, 'chars')}"
        return bare_string(value, extra)

    # -- tables --------------------------------------------------------------------------
    def _table_block(
        self, items: list[Any], keys: list[str] | None, prefix: str, indent: str, budget: Budget
    ) -> list[str]:
        lines, inner = self._head(prefix, indent)
        table = build_table(items, keys)
        lines.append(inner + header(table, len(items)))
        lines.append(inner + "|".join(key_text(c) for c in table.columns))
        kept = self._select(items, budget, keys)
        cell_budget = budget.nested()
        for index, gap in self._walk(len(items), kept, "rows"):
            lines.append(inner + (gap if gap is not None else self._row(table, index, cell_budget)))
        return lines

    def _row(self, table: Table, index: int, budget: Budget) -> str:
        row = table.rows[index]
        return "|".join(self._labelled_cell(row[c], c, budget) if c in row else "" for c in table.columns)

    def _labelled_cell(self, value: Any, column: str, budget: Budget) -> str:
        cell = self._cell(value, budget)
        # The header names the column once; a short error value ("error") is read with its name.
        return f"{key_text(column)}={cell}" if needs_its_key(cell) else cell

    def _cell(self, value: Any, budget: Budget) -> str:
        if isinstance(value, str):
            nested = self._nested(value)
            if nested is not None:
                return dumps(nested.text)
            return self._plain_string(value, "|")
        if isinstance(value, dict | list):
            return self.inline(value, budget)
        return self.scalar(value)

    # -- inline form ---------------------------------------------------------------------
    def inline(self, value: Any, budget: Budget) -> str:
        """Compact JSON-like text on one line; long arrays keep a selection with markers."""
        if isinstance(value, str):
            return self._inline_string(value, budget)
        if isinstance(value, list):
            kept = self._select(value, budget)
            parts = [
                gap if gap is not None else self.inline(value[i], budget.nested())
                for i, gap in self._walk(len(value), kept, "items")
            ]
            return "[" + ",".join(parts) + "]"
        if isinstance(value, dict):
            keys = list(value)
            kept = self._select_entries(value, budget)
            parts = [
                gap
                if gap is not None
                else f"{_compact(keys[i])}:{self.inline(value[keys[i]], budget.nested())}"
                for i, gap in self._walk(len(keys), kept, "items")
            ]
            return "{" + ",".join(parts) + "}"
        return self.scalar(value)

    def _inline_string(self, value: str, budget: Budget) -> str:
        embedded = decode_embedded(value)
        if embedded is not None:
            parsed, how = embedded
            return f"({how} string){self.inline(parsed, budget)}"
        nested = self._nested(value)
        if nested is not None:
            return dumps(nested.text)
        limit = self.policy.max_string_chars
        if limit and len(value) > limit:
            return self._plain_string(value, "")
        return dumps(value)

    @staticmethod
    def scalar(value: Any) -> str:
        """A non-string scalar (or empty container) as JSON."""
        return _compact(value)

    # -- selection -----------------------------------------------------------------------
    def _select(self, items: list[Any], budget: Budget, names: list[str] | None = None) -> list[int] | None:
        if len(items) <= max(budget.min_items, budget.max_items):
            return None
        texts = [_compact(item) for item in items]
        return select(items, texts, budget, self.ctx.query, names, self._signals)

    def _select_entries(self, value: dict[str, Any], budget: Budget) -> list[int] | None:
        # Only collections keyed by id lose entries; a record's fields are never dropped.
        values = list(value.values())
        if all(isinstance(v, dict) and v for v in values):
            return self._select(values, budget, list(value))
        if lookup_map(value):
            return self._select([{key: v} for key, v in value.items()], budget)
        lists = [v for v in values if isinstance(v, list)]
        if len(lists) == len(values) and sum(map(len, lists)) >= 2 * len(lists):
            return self._select(values, budget, list(value))
        return None

    def _walk(self, n: int, kept: list[int] | None, kind: str) -> list[tuple[int, str | None]]:
        """``(index, None)`` for each kept item and ``(-1, marker)`` where a dropped run was."""
        if kept is None:
            return [(i, None) for i in range(n)]
        gaps = {start: stop - start for start, stop in dropped_runs(kept, n)}
        keep = set(kept)
        out: list[tuple[int, str | None]] = []
        for index in range(n):
            if index in gaps:
                out.append((-1, self.marker(gaps[index], kind)))
            if index in keep:
                out.append((index, None))
        return out
