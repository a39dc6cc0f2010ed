"""Writing elisions back as code: markers become comments (or no-op statements) in the language.

Also line-level pruning inside kept bodies: runs of simple statements that hold no control flow,
call, return or query identifier are replaced by one marker statement.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable

from headroom.compressors._code.langs import LangSpec
from headroom.compressors._code.site import Node, Site, line_indent, removed_lines
from headroom.critical import CRITICAL, critical_starts, mentions_critical

_WORD = re.compile(r"\w+")
_RAISES = re.compile(r"\b(?:raise|throw|panic|fatal|abort|die)\b|Errorf?\(|Exception\(", re.IGNORECASE)
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'|`[^`]*`")
_PIECE = re.compile(r"[A-Za-z]{1,8}|\d{1,3}|[^\w\s]|\n")
_BLOCKS = frozenset(
    {"block", "compound_statement", "statement_block", "statement_list", "statements", "body_statement"}
    | {"constructor_body", "function_body", "do_group", "then", "else", "else_clause"}
)
_COMPOUND = re.compile(
    r"if|for|while|try|with|switch|case|match|loop|do|block|else|catch|begin|unless|select"
)
_IMPORTANT = re.compile(
    r"\b(?:return|raise|throw|yield|break|continue|goto|panic|exit|await|assert)\b|[\w)\]]\s*\(|"
    + CRITICAL.pattern,
    re.IGNORECASE,
)
_LOGGING = re.compile(
    r"^\s*(?:print|println|printf|console\.\w+|(?:self\.)?log(?:ger)?\.\w+|fmt\.Print\w*)\s*\(", re.I
)


def cost(text: str) -> int:
    """A cheap token estimate (word pieces, numbers in short runs, punctuation, newlines)."""
    return len(_PIECE.findall(text))


def _words(line: str) -> set[str]:
    return set(_WORD.findall(line.lower()))


class CriticalLines:
    """The critical lines of a source, found in one scan, by the byte offsets of their line breaks.

    A skeleton is assembled many times while its elisions are repaired; scanning every line that
    stays, each time, cost more than the parses.
    """

    def __init__(self, src: bytes) -> None:
        text = src.decode("utf-8", "replace")  # replacement never makes or eats a line break
        breaks = [match.start() for match in _BREAK.finditer(text)]
        byte_breaks = [match.start() for match in _BYTE_BREAK.finditer(src)]
        starts = [0, *(at + 1 for at in breaks)]
        lines = dict.fromkeys(bisect.bisect_right(starts, at) - 1 for at in critical_starts(text))
        ends = [*breaks, len(text)]
        byte_ends = [*byte_breaks, len(src)]
        # (offset of the break before the line, offset of the break ending it, the stripped line)
        self._lines = [
            (byte_breaks[i - 1] if i else -1, byte_ends[i], text[starts[i] : ends[i]].strip()) for i in lines
        ]
        self._after = [before for before, _, _ in self._lines]

    def within(self, start: int, end: int) -> list[str]:
        """Critical lines whose both line breaks lie in ``src[start:end]`` (whole lines only)."""
        found = []
        for index in range(bisect.bisect_left(self._after, start), len(self._lines)):
            _, stop, line = self._lines[index]
            if stop >= end:
                break
            found.append(line)
        return found


_BREAK = re.compile("\n")
_BYTE_BREAK = re.compile(b"\n")


class CriticalKeeper:
    """Chooses which critical lines of elided text to echo, skipping near-duplicates.

    A line is covered when an already echoed line holds ≥ 75% of its words, so one instance
    stands for lines that differ only in a name or a number. :meth:`pick` proposes, :meth:`accept` records what was written.
    """

    def __init__(self, limit: int) -> None:
        self._limit = limit
        self._kept: list[set[str]] = []

    def pick(self, elided: str) -> list[str]:
        """Critical lines of ``elided`` not yet covered, at most ``limit`` (nothing is recorded).

        Lines that raise or report an error come first, then code, then comments.
        """
        if not mentions_critical(elided):  # one scan; the per-line search is for bodies that have some
            return []
        lines = [raw.strip() for raw in elided.splitlines() if CRITICAL.search(raw)]
        ranked = sorted(range(len(lines)), key=lambda i: (_rank(lines[i]), i))
        chosen: list[int] = []
        words_seen = list(self._kept)
        for index in ranked:
            words = _words(lines[index])
            if len(chosen) >= self._limit:
                break
            # The same rule the critical-retention check applies: one kept line covers another when
            # it holds ≥ 75% of its words; a shared shape alone is not enough (names carry meaning).
            if any(len(words & kept) >= 0.75 * len(words) for kept in words_seen):
                continue
            words_seen.append(words)
            chosen.append(index)
        return [lines[i] for i in sorted(chosen)]

    def accept(self, lines: list[str]) -> None:
        """Record ``lines`` as echoed: later picks treat lines like them as covered."""
        for line in lines:
            self._kept.append(_words(line))


def _rank(line: str) -> int:
    """0: raises or reports an error; 1: other code; 2: a comment."""
    if _RAISES.search(line) or any(CRITICAL.search(quoted) for quoted in _QUOTED.findall(line)):
        return 0
    return 2 if line.startswith(("//", "#", "/*", "*", "--")) else 1


def replacement(site: Site, spec: LangSpec, marker: str, critical: list[str]) -> str:
    """The text written in place of ``site`` (its bytes ``start:end``)."""
    ind = site.indent
    if site.kind == "type":
        return " " + spec.comment(marker) + site.doc
    if site.kind == "run":
        return commented(spec, [spec.comment(marker), *critical], ind)
    if site.kind == "stmt":
        return commented(spec, [statement_marker(spec, marker), *critical], ind)
    if site.kind == "doc":
        return _doc_replacement(site, spec, marker, critical)
    if spec.style == "python":
        summary = [site.doc] if site.doc else []
        return f"\n{ind}".join([*summary, commented(spec, ["...  " + spec.comment(marker), *critical], ind)])
    if spec.style == "ruby":
        return commented(spec, [spec.comment(marker), *critical], ind)
    if spec.style == "bash":
        return (
            f"\n{ind}  " + commented(spec, [": " + spec.comment(marker), *critical], ind + "  ") + f"\n{ind}"
        )
    signature = site.doc  # the signature below a doc comment's kept first line, when both are elided
    if not critical:
        return f"{signature} {spec.comment(marker)} "
    return f"{signature} " + commented(spec, [spec.comment(marker), *critical], ind + "    ") + f"\n{ind}"


def commented(spec: LangSpec, lines: list[str], indent: str) -> str:
    """A marker line followed by echoed lines, all comments: one block comment in brace languages."""
    head, rest = lines[0], lines[1:]
    if not rest:
        return head
    if spec.style == "brace" and head.endswith(" */"):
        echoes = "".join(f"\n{indent}{spec.comment(line)[3:-3]}" for line in rest)
        return head[:-3] + echoes + " */"
    return f"\n{indent}".join([head, *(spec.comment(line) for line in rest)])


def _doc_replacement(site: Site, spec: LangSpec, marker: str, critical: list[str]) -> str:
    ind = site.indent
    if site.name == "/*":  # inside an existing block comment: plain text is already a comment
        inner = [marker, *(_safe(line) for line in critical)]
        return "".join(f"\n{ind} * {line}" for line in inner) + f"\n{ind} "
    prefix = "//" if spec.style == "brace" else "#"
    # Echoed lines of a comment run are comments already: they go back as they were.
    notes = [line if line.startswith(prefix) else spec.comment(line) for line in critical]
    if site.doc:  # a Python docstring: its summary, then the marker as a comment
        return f"\n{ind}".join([f"{site.doc}  {spec.comment(marker)}", *notes])
    return "".join(f"\n{ind}{line}" for line in [spec.comment(marker), *notes])


def _safe(line: str) -> str:
    return line.replace("*/", "* /").replace("/*", "/ *")


def statement_marker(spec: LangSpec, marker: str) -> str:
    """A marker that is itself a statement, valid wherever a statement may stand."""
    if spec.style == "python":
        return "...  " + spec.comment(marker)
    if spec.style == "bash":
        return ": " + spec.comment(marker)
    return spec.comment(marker)


def trailing_text(src: bytes, end: int) -> bool:
    """Whether code follows ``end`` on the same line (a line comment there would swallow it)."""
    line_end = src.find(b"\n", end)
    rest = src[end : line_end if line_end >= 0 else len(src)]
    return bool(rest.strip())


def _important(text: str, terms: set[str]) -> bool:
    if _LOGGING.match(text) and not CRITICAL.search(text):
        return False
    if _IMPORTANT.search(text):
        return True
    return bool(terms & set(_WORD.findall(text)))


def _is_compound(node: Node) -> bool:
    return node.start_point.row != node.end_point.row and _COMPOUND.search(node.type) is not None


def _blocks(body: Node) -> Iterable[Node]:
    stack = [body]
    while stack:
        node = stack.pop()
        if node.type in _BLOCKS:
            yield node
        stack.extend(child for child in node.named_children if child.start_point.row != child.end_point.row)


def prune_sites(body: Node, src: bytes, terms: set[str], min_lines: int) -> list[Site]:
    """Runs of unimportant simple statements inside ``body`` that span ≥ ``min_lines`` lines."""
    sites: list[Site] = []
    for block in _blocks(body):
        children = block.named_children
        run: list[Node] = []
        for index, child in enumerate(children):
            text = src[child.start_byte : child.end_byte].decode("utf-8", "replace")
            if not _is_compound(child) and not _important(text, terms):
                run.append(child)
                continue
            _close(run, children, index, src, min_lines, sites)
            run = []
        _close(run, children, len(children), src, min_lines, sites)
    return sorted(sites, key=lambda site: site.start)


def _close(
    run: list[Node], children: list[Node], after: int, src: bytes, min_lines: int, out: list[Site]
) -> None:
    if not run:
        return
    first, last = run[0], run[-1]
    before = after - len(run) - 1
    if before >= 0 and children[before].end_point.row >= first.start_point.row:
        return
    if after < len(children) and children[after].start_point.row <= last.end_point.row:
        return
    lines = removed_lines(src, first.start_byte, last.end_byte)
    if lines >= min_lines:
        rows = (first.start_point.row, last.end_point.row)
        indent = line_indent(src, first.start_byte)
        out.append(Site("stmt", "", first.start_byte, last.end_byte, lines, rows, indent))
