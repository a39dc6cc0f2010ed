"""Shared measurement helpers for the benchmarks: corpus listing, machine, critical lines, markers.

Everything here is a number or a list of findings; formatting lives in the scripts.
"""

from __future__ import annotations

import functools
import html as htmllib
import json
import math
import os
import platform
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from headroom.ccr import MARKER_PATTERN, Store, to_text
from headroom.critical import (
    CRITICAL,
    LONG_LINE_CHARS,
    SNIPPET_WORDS,
    critical_fields,
    json_record,
    without_no_error_fields,
)

CRITICAL_RE = CRITICAL  # the runtime's own definition of a critical line
KEEP_SHARE = 0.75
EXCLUDED_KINDS = frozenset({"qa"})
_WORD_RE = re.compile(r"\w+")
# ANSI colour/control sequences are not words: "\x1b[31mFAILED" must count as "failed".
_ANSI_RE = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
_QUOTED_RE = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"|`[^`\n]*`")
_HEX_RE = re.compile(r"\b0x[0-9a-f]+\b|\b(?=[0-9a-f]*\d)[0-9a-f]{6,}\b")
_NUM_RE = re.compile(r"\d+")
_SPACE_RE = re.compile(r"\s+")
_INVISIBLE_RE = re.compile(r"<(script|style|noscript)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)
_TAG_RE = re.compile(r"<[^>]*>")
# A JSON escape at any depth ("\\n", "\\\\n", "\\u00e9"...): its backslashes and the letter after them
# are no word. Eating the letter at every depth reads a line alike however deep it was escaped.
_JSON_ESCAPE_RE = re.compile(r"\\+(?:u[0-9a-fA-F]{4}|.)")


@dataclass(frozen=True)
class CorpusFile:
    """One corpus file: its path, path relative to the corpus root, and kind."""

    path: Path
    rel: str
    kind: str


def list_corpus(root: Path, kinds: Sequence[str] = (), split: str = "all") -> list[CorpusFile]:
    """Every file in the corpus's subdirectories except the excluded kinds (unless ``kinds`` names them), in path order.

    The kind comes from ``MANIFEST.jsonl`` where the file is listed, else from its subdirectory;
    ``split`` (``tune``, ``test`` or ``all``) keeps the files the manifest puts on that side; a
    corpus whose manifest marks no split at all (one a user wrote) is taken whole, since then
    no file has a side to be filtered by (``corpus_has_splits`` tells the caller to say so).
    """
    manifest = _manifest_field(root / "MANIFEST.jsonl", "kind")
    splits = _manifest_field(root / "MANIFEST.jsonl", "split")
    files = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if "/" not in rel:
            continue
        kind = manifest.get(rel, rel.split("/", 1)[0])
        if (kind in EXCLUDED_KINDS and kind not in kinds) or (kinds and kind not in kinds):
            continue
        if split != "all" and splits and splits.get(rel) != split:
            continue
        files.append(CorpusFile(path, rel, kind))
    return files


def corpus_has_splits(root: Path) -> bool:
    """Whether the corpus's manifest puts any file on a ``tune`` or ``test`` side."""
    return bool(_manifest_field(root / "MANIFEST.jsonl", "split"))


def _manifest_field(path: Path, field: str) -> dict[str, str]:
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entry = json.loads(line)
            if field in entry:
                values[str(entry["file"])] = str(entry[field])
    return values


def machine() -> dict[str, Any]:
    """CPU model, core count, Python and OS, so every published number names its machine."""
    return {
        "cpu": _cpu_model(),
        "cores": os.cpu_count() or 0,
        "python": platform.python_version(),
        "os": platform.platform(),
    }


def _cpu_model() -> str:
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or platform.machine() or "unknown"


def words(line: str) -> frozenset[str]:
    """The set of lowercase ``\\w+`` words of a line, ANSI and JSON escape sequences removed.

    Both are spelling, not words: "\\x1b[31mFAILED" and "\\nFAILED" (a line break inside a JSON
    string shown on one line) both hold the word "failed", in the original and in an output alike.
    """
    return frozenset(_WORD_RE.findall(_JSON_ESCAPE_RE.sub(" ", _ANSI_RE.sub("", line)).lower()))


def template(line: str) -> str:
    """A critical line with numbers, hex ids and quoted names masked, for counting distinct ones."""
    # A quoted name that carries the critical word is what the line is about, so it stays.
    plain = _ANSI_RE.sub("", line).lower()
    masked = _QUOTED_RE.sub(lambda m: m[0] if CRITICAL_RE.search(m[0]) else "<q>", plain)
    masked = _NUM_RE.sub("<n>", _HEX_RE.sub("<h>", masked))
    return _SPACE_RE.sub(" ", masked).strip()


class OutputIndex:
    """Inverted index over an output text's lines, to ask whether some line holds a word set."""

    def __init__(self, text: str) -> None:
        self._lines = set(text.splitlines())
        self._sets: list[frozenset[str]] = []
        self._postings: dict[str, list[int]] = defaultdict(list)
        for line in self._lines:
            found = words(line)
            for word in found:
                self._postings[word].append(len(self._sets))
            self._sets.append(found)
        self._memo: dict[frozenset[str], bool] = {}

    def holds(self, line: str) -> bool:
        """True when some output line holds at least ``KEEP_SHARE`` of ``line``'s words."""
        if line in self._lines:
            return True
        wanted = words(line)
        cached = self._memo.get(wanted)
        if cached is None:
            cached = self._memo[wanted] = self._search(wanted)
        return cached

    def _search(self, wanted: frozenset[str]) -> bool:
        if not wanted:
            return True
        need = math.ceil(KEEP_SHARE * len(wanted))
        # Prefix filter: a line with `need` of the words holds one of the rarest len-need+1.
        rarest = sorted(wanted, key=lambda w: len(self._postings.get(w, ())))
        candidates: set[int] = set()
        for word in rarest[: len(wanted) - need + 1]:
            candidates.update(self._postings.get(word, ()))
        return any(len(wanted & self._sets[i]) >= need for i in candidates)


def critical_lines(text: str, kind: str = "") -> list[str]:
    """Critical units of ``text``: lines matching the critical pattern.

    Three refinements, applied to ours and the peer alike:
    * an error-named JSON field with an empty value (``"is_error": false``, ``"error": null``)
      reports that there is no error, so it makes no line critical (the runtime's rule too);
    * a web page's critical content is its visible text, so for HTML the script/style elements
      and the tags are removed before lines are read (the issue has HTML compressors drop them);
    * a line longer than ``LONG_LINE_CHARS`` is a record or minified markup, not a log line: its
      unit is the ``SNIPPET_WORDS`` words either side of the first critical word (colour codes
      removed); when such a line is one whole JSON record (JSON Lines) or one ``"key": value``
      member of an indented JSON document, it is read field by field instead, as the same
      record pretty-printed would be: its units are those of each string field carrying an error
      signal (its own lines) and ``key: value`` for a non-empty error-named field, since a window
      of words that crosses field and embedded-line boundaries measures layout, not content.
    """
    if kind == "html":
        text = visible_text(text)
    units = []
    for line in text.splitlines():
        if CRITICAL_RE.search(line) is None:
            continue
        signal = without_no_error_fields(line)
        if CRITICAL_RE.search(signal) is None:
            continue
        record = _json_line(line) if len(line) > LONG_LINE_CHARS else None
        if record is not None:
            units += [unit for field in critical_fields(record) for unit in critical_lines(field)]
            continue
        units.append(line if len(line) <= LONG_LINE_CHARS else _snippet(signal))
    return units


def _json_line(line: str) -> Any:
    """A line that is one JSON record, or one ``"key": value`` member of an indented document, parsed."""
    record = json_record(line)
    member = line.strip().removesuffix(",")
    if record is None and member.startswith('"'):
        record = json_record("{" + member + "}")
    return record


def visible_text(html_text: str) -> str:
    """The text a reader sees: script, style and noscript elements and all tags removed."""
    stripped = _INVISIBLE_RE.sub(" ", html_text)
    return htmllib.unescape(_TAG_RE.sub(" ", stripped))


def _snippet(line: str) -> str:
    # Records are usually JSON: "\\nHello" is a line break and a word, not the word "nHello".
    # Colour codes are no words either (as in words()): "\x1b[31mError" is the word "error".
    line = _JSON_ESCAPE_RE.sub(" ", _ANSI_RE.sub("", line))
    found = list(_WORD_RE.finditer(line))
    at = next(i for i, m in enumerate(found) if CRITICAL_RE.search(m.group(0)))
    return " ".join(m.group(0) for m in found[max(0, at - SNIPPET_WORDS) : at + SNIPPET_WORDS + 1])


@dataclass
class Retention:
    """Critical lines and distinct critical templates kept in an output, with examples of misses."""

    lines_kept: int = 0
    lines_total: int = 0
    templates_kept: int = 0
    templates_total: int = 0
    missed: list[str] = field(default_factory=list)

    def add(self, other: Retention) -> None:
        """Accumulate another file's counts (examples are not merged)."""
        self.lines_kept += other.lines_kept
        self.lines_total += other.lines_total
        self.templates_kept += other.templates_kept
        self.templates_total += other.templates_total


def retention(criticals: Sequence[str], output: str, max_examples: int = 5) -> Retention:
    """How many critical lines (and distinct templates) some output line still holds."""
    if not criticals:
        return Retention()
    index = OutputIndex(output)
    kept_by_template: dict[str, bool] = {}
    example: dict[str, str] = {}
    result = Retention(lines_total=len(criticals))
    for line in criticals:
        kept = index.holds(line)
        result.lines_kept += kept
        key = template(line)
        kept_by_template[key] = kept_by_template.get(key, False) or kept
        example.setdefault(key, line)
    result.templates_total = len(kept_by_template)
    result.templates_kept = sum(kept_by_template.values())
    missed = [example[key] for key, kept in kept_by_template.items() if not kept]
    result.missed = [m.strip()[:200] for m in missed[:max_examples]]
    return result


def is_lines_kind(kind: str) -> bool:
    """Marker kinds that count lines ("lines", "similar lines", "context lines", ...)."""
    return kind == "lines" or kind.endswith(" lines")


ESCAPE_LEVELS = 3


def _variants(part: str) -> set[str]:
    """``part`` as it may appear inside the whole: raw, or JSON-escaped up to ``ESCAPE_LEVELS`` deep.

    Nested levels occur for real: a recorded HTTP body is a JSON string holding JSON.
    """
    found, level = {part}, {part}
    for _ in range(ESCAPE_LEVELS):
        level = {json.dumps(v, ensure_ascii=a)[1:-1] for v in level for a in (True, False)}
        found |= level
    return found


def occurrences(part: str, whole: str, thorough: bool = False) -> int:
    """How many times ``part`` appears in ``whole``, raw or JSON-escaped (0: not embedded).

    Escaping has more spellings than ``json.dumps`` writes (Go escapes ``<``, ``>`` and ``&`` as
    ``\\u003c``…, others escape ``/``), so when no spelling matches, the JSON string literals of
    ``whole`` are decoded, level by level, and searched as the text they stand for; ``thorough``
    counts those too even when a spelling matched (copies may be spelled differently).
    """
    if part == whole:
        return 1
    if not part:
        return 0
    spelled = sum(whole.count(v) for v in _variants(part))
    if spelled and not thorough:
        return spelled
    # A copy inside a string inside a string is another copy (a file read, then echoed in a tool
    # call's JSON arguments); summing levels may count one escape-free copy twice, a lax bound.
    decoded = sum(text.count(part) for level in _decoded_literals(whole) for text in level)
    return max(spelled, decoded)


_STRING_LITERAL = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)


@functools.lru_cache(maxsize=4)
def _decoded_literals(whole: str) -> tuple[tuple[str, ...], ...]:
    """The decoded JSON string literals of ``whole``, then of those, up to ``ESCAPE_LEVELS`` deep."""
    levels: list[tuple[str, ...]] = []
    texts = (whole,)
    for _ in range(ESCAPE_LEVELS):
        decoded = []
        for text in texts:
            if '"' not in text:
                continue
            for literal in _STRING_LITERAL.findall(text):
                try:
                    value = json.loads(literal)
                except ValueError:
                    continue
                if len(value) >= 2:
                    decoded.append(value)
        if not decoded:
            break
        levels.append(tuple(decoded))
        texts = tuple(decoded)
    return tuple(levels)


@dataclass(frozen=True)
class MarkerFailure:
    """One marker that failed a check: the marker text and what is wrong."""

    marker: str
    problem: str


@dataclass
class MarkerReport:
    """Markers checked in one output and the failures found."""

    checked: int = 0
    failures: list[MarkerFailure] = field(default_factory=list)


def check_markers(
    original: str, output: str, store: Store, elisions: Iterable[tuple[str, int, str]] | None = None
) -> MarkerReport:
    """Parse every marker in ``output``; check its key, its stored original and its count.

    ``elisions`` (kind, count, key) from the per-block stats, when given, must match the markers.
    """
    report = MarkerReport()
    matches = list(MARKER_PATTERN.finditer(output))
    report.checked = len(matches)
    unparsed = output.count("retrieve: hr_") - original.count("retrieve: hr_") - len(matches)
    if unparsed > 0:
        report.failures.append(MarkerFailure("", f"{unparsed} marker-like text(s) do not parse"))
    originals: dict[str, str | None] = {}
    line_sums: Counter[str] = Counter()
    for match in matches:
        key, kind, count = match["key"], match["kind"], int(match["count"])
        part = originals[key] if key in originals else originals.setdefault(key, _restore(store, key))
        problem = _marker_problem(part, original, kind, count)
        if problem:
            report.failures.append(MarkerFailure(match[0], problem))
        elif part is not None and is_lines_kind(kind):
            line_sums[key] += count
    report.failures.extend(_line_sum_failures(line_sums, originals, original, output))
    if elisions is not None:
        report.failures.extend(_elision_failures(matches, elisions))
    return report


def _restore(store: Store, key: str) -> str | None:
    try:
        return to_text(store.get(key))
    except Exception:  # any store failure is a finding about the marker, reported by the caller
        return None


def _marker_problem(part: str | None, original: str, kind: str, count: int) -> str | None:
    if part is None:
        return "key not found in the store"
    if not part:
        return "the stored original is empty"
    if not occurrences(part, original):
        return "the stored original is neither the tool result nor a (JSON-escaped) part of it"
    if count < 1:
        return "the marker omits nothing (count < 1)"
    lines = len(part.splitlines())
    if is_lines_kind(kind) and count > lines:
        return f"count {count} exceeds the {lines} lines of the stored original"
    return None


def _line_sum_failures(
    sums: Counter[str], originals: dict[str, str | None], original: str, output: str
) -> list[MarkerFailure]:
    failures = []
    for key, total in sums.items():
        part = originals[key] or ""
        lines = len(part.splitlines())
        # An original embedded several times may be elided at each place it occurs.
        bound = lines * occurrences(part, original)
        if total > bound:  # copies spelled with other escapes count too
            bound = lines * occurrences(part, original, thorough=True)
        if total > bound:
            problem = f"line markers for this key sum to {total} > {lines} lines x occurrences = {bound}"
            failures.append(MarkerFailure(key, problem))
        if part == original:
            kept = _kept_lines(original, output)
            if total + kept > lines:
                problem = f"line-marker counts {total} + {kept} kept lines exceed the {lines} input lines"
                failures.append(MarkerFailure(key, problem))
    return failures


def _kept_lines(original: str, output: str) -> int:
    """Non-blank output lines (outside markers) that are verbatim lines of the original.

    A line counts at most as often as the original holds it, so added separators never inflate it.
    """
    source = Counter(line for line in original.splitlines() if line.strip())
    shown = Counter(
        line for line in output.splitlines() if line in source and not MARKER_PATTERN.search(line)
    )
    return sum(min(n, source[line]) for line, n in shown.items())


def _elision_failures(
    matches: Sequence[re.Match[str]], elisions: Iterable[tuple[str, int, str]]
) -> list[MarkerFailure]:
    in_text = Counter((m["kind"], int(m["count"]), m["key"]) for m in matches)
    in_stats = Counter(elisions)
    failures = []
    for kind, count, key in (in_stats - in_text).elements():
        failures.append(MarkerFailure(key, f"block stats list an elision of {count} {kind} with no marker"))
    for kind, count, key in (in_text - in_stats).elements():
        failures.append(MarkerFailure(key, f"marker {count} {kind} is missing from the block stats"))
    return failures


def emit_json(result: dict[str, Any], path: Path | None) -> None:
    """Print ``result`` as indented JSON, and write it to ``path`` too when given."""
    text = json.dumps(result, indent=2)
    print(text)
    if path is not None:
        path.write_text(text + "\n", encoding="utf-8")
