from __future__ import annotations

import json
import re

import pytest

from headroom.ccr import MemoryStore, parse_markers, to_text
from headroom.compressors._base import CompressContext, Compressed, Compressor
from headroom.compressors._search import SearchCompressor
from headroom.critical import critical_template, is_critical
from headroom.policy import Policy, SearchPolicy
from headroom.testing import CompressorContract
from tests._timing import fastest

# --- fixtures written for these tests -------------------------------------------------------

_FILES = [
    "src/billing/invoice.py",
    "src/billing/tax.py",
    "src/api/handlers.py",
    "src/api/middleware.py",
    "tests/test_invoice.py",
    "tests/test_handlers.py",
]

RG_LINES = "\n".join(
    f"{path}:{12 + 9 * i}:        timeout = settings.get('timeout_{i}', {30 + i})"
    for path in _FILES
    for i in range(10)
)
RG_WITH_SIGNALS = "\n".join(
    [
        *RG_LINES.splitlines()[:25],
        "src/api/handlers.py:301:        raise TimeoutError('upstream refused connection after timeout')",
        "src/billing/invoice.py:415:    retry_budget = compute_retry_budget(timeout, attempts)",
        *RG_LINES.splitlines()[25:],
    ]
)

RG_CONTEXT = "\n--\n".join(
    "\n".join(
        [
            f"src/cache/store-v{i % 3}.py-{40 + i * 20}-    def lookup(self, key):",
            f"src/cache/store-v{i % 3}.py:{41 + i * 20}:        entry = self._entries.get(key)",
            f"src/cache/store-v{i % 3}.py-{42 + i * 20}-        if entry is None:",
            f"src/cache/store-v{i % 3}.py-{43 + i * 20}-            return self._miss(key)",
        ]
    )
    for i in range(12)
)

RG_HEADING = "\n\n".join(
    "\n".join(
        [f"lib/parser/{name}.rs"]
        + [f"{10 + 7 * i}:    let token = lexer.next_token(&mut state)?; // step {i}" for i in range(8)]
    )
    for name in ("expr", "stmt", "decl", "types")
)

VIMGREP = "\n".join(
    f"web/src/components/{name}.tsx:{20 + i}:{5 + i % 7}:  const [value, setValue] = useState<string>('{i}');"
    for name in ("Form", "Field", "Modal")
    for i in range(9)
)

GREP_BARE = "\n".join(
    f"docs/guide/{page}.md:Set `max_connections` to a value between 10 and {100 + i} for section {i}."
    for page in ("install", "tuning", "faq")
    for i in range(8)
)

SEARCH_API_JSON = json.dumps(
    {
        "total_count": 3,
        "items": [
            {"path": f"src/a{i}.py", "score": 1.0, "text_matches": [{"fragment": "x = 1"}]} for i in range(3)
        ],
    },
    indent=2,
)

PYTEST_VERBOSE = "\n".join(f"tests/test_api.py::test_case_{i} PASSED  [{i}%]" for i in range(30))
GCC_WARNINGS = "\n".join(
    f"src/io.c:{i}:5: warning: unused variable 'tmp{i}' [-Wunused-variable]" for i in range(20)
)


def _ctx(query: str | None = None) -> CompressContext:
    return CompressContext(store=MemoryStore(), query=query)


def _run(
    text: str, query: str | None = None, policy: Policy | None = None
) -> tuple[Compressed, CompressContext]:
    ctx = _ctx(query)
    return SearchCompressor().compress(text, policy or Policy(), ctx), ctx


class TestSearchContract(CompressorContract):
    own_families = ("search",)

    def make_compressor(self) -> Compressor:
        return SearchCompressor()

    def own_samples(self) -> list[str]:
        return [RG_LINES, RG_WITH_SIGNALS, RG_CONTEXT, RG_HEADING, VIMGREP, GREP_BARE]

    def critical_lines(self) -> list[tuple[str, list[str]]]:
        return [
            (RG_WITH_SIGNALS, ["        raise TimeoutError('upstream refused connection after timeout')"])
        ]


# --- behaviour --------------------------------------------------------------------------------


def _matches_per_file(text: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in text.splitlines():
        path = line.split(":", 1)[0]
        counts[path] = counts.get(path, 0) + 1
    return counts


def test_marker_counts_match_the_data_exactly() -> None:
    out, _ = _run(RG_LINES)
    expected = _matches_per_file(RG_LINES)
    blocks = re.split(r"\n(?=[a-z]+/)", out.text)
    assert len(blocks) == len(expected)
    for block in blocks:
        path, *rest = block.splitlines()
        kept = [line for line in rest if re.match(r"\d+:", line)]
        (marker,) = parse_markers(block)
        assert marker.kind == "matches" and f"in {path}" in marker.detail
        assert len(kept) + marker.count == expected[path]
        assert len(kept) == Policy().search.max_matches_per_file


def test_marker_key_restores_the_original() -> None:
    out, ctx = _run(RG_LINES)
    for elision in out.elisions:
        assert to_text(ctx.store.get(elision.key)) == RG_LINES


def test_query_match_is_kept_over_first_matches() -> None:
    out, _ = _run(RG_WITH_SIGNALS, query="where is the retry budget computed?")
    assert "415:    retry_budget = compute_retry_budget(timeout, attempts)" in out.text


def test_without_query_first_matches_are_kept() -> None:
    out, _ = _run(RG_LINES)
    assert "12:        timeout = settings.get('timeout_0', 30)" in out.text
    assert "timeout_9" not in out.text


def test_files_beyond_the_budget_are_counted() -> None:
    policy = Policy(search=SearchPolicy(max_files=2))
    out, _ = _run(RG_LINES, policy=policy, query="handlers")
    file_markers = [m for m in parse_markers(out.text) if m.kind == "files"]
    assert len(file_markers) == 1
    assert file_markers[0].count == len(_FILES) - 2
    assert f"({(len(_FILES) - 2) * 10} matches)" in file_markers[0].detail
    assert "src/api/handlers.py" in out.text and "tests/test_handlers.py" in out.text


def test_critical_line_rescues_a_dropped_file() -> None:
    policy = Policy(search=SearchPolicy(max_files=1))
    out, _ = _run(RG_WITH_SIGNALS, policy=policy)
    assert "raise TimeoutError('upstream refused connection after timeout')" in out.text


def test_an_error_match_keeps_its_path_on_its_line() -> None:
    # Under a heading the line would read "301: raise ...": no line would say which file failed.
    out, _ = _run(RG_WITH_SIGNALS)
    lines = out.text.splitlines()
    assert (
        "src/api/handlers.py:301:        raise TimeoutError('upstream refused connection after timeout')"
        in lines
    )
    assert "src/api/handlers.py" in lines  # other matches of the file stay under its heading


def test_context_lines_near_kept_matches_survive_and_are_counted() -> None:
    out, _ = _run(RG_CONTEXT)
    assert "40-    def lookup(self, key):" in out.text
    assert "41:        entry = self._entries.get(key)" in out.text
    markers = parse_markers(out.text)
    total_matches = RG_CONTEXT.count(":        entry")
    kept = len(re.findall(r"^\d+:", out.text, flags=re.M))
    assert kept + sum(m.count for m in markers if m.kind == "matches") == total_matches
    for marker in markers:
        lost_context = re.search(r"(\d+) context lines", marker.detail)
        assert lost_context is not None


def test_heading_mode_is_understood() -> None:
    out, _ = _run(RG_HEADING)
    assert out.text.startswith("lib/parser/expr.rs\n10:")
    assert sum(m.count for m in parse_markers(out.text)) == 4 * (8 - 3)


def test_identical_matches_are_deduplicated() -> None:
    text = "\n".join([RG_LINES.splitlines()[0]] * 6 + RG_LINES.splitlines()[1:4])
    out, _ = _run(text)
    first = RG_LINES.splitlines()[0].split(":", 2)[2]
    assert out.text.count(first) == 1
    assert "5 identical to kept ones" in out.text


def test_other_lines_are_kept_in_place() -> None:
    text = "$ rg -n timeout\n" + RG_LINES + "\nBinary file build/app.bin matches"
    out, _ = _run(text)
    assert out.text.startswith("$ rg -n timeout\n")
    assert "Binary file build/app.bin matches" in out.text


@pytest.mark.parametrize("text", [SEARCH_API_JSON, PYTEST_VERBOSE, GCC_WARNINGS])
def test_detect_leaves_neighbouring_formats_alone(text: str) -> None:
    assert SearchCompressor().detect(text) < 0.5


def test_critical_template_ignores_names_and_numbers() -> None:
    assert critical_template("raise ValueError('bad 1')") == critical_template("raise KeyError('x 22')")
    assert critical_template("failed to connect") != critical_template("failed to parse")
    assert is_critical("Permission DENIED") and not is_critical("all good")


def test_fifty_kilobytes_is_fast() -> None:
    text = "\n".join(
        f"src/pkg{i % 40}/module_{i % 7}.py:{i}:    value_{i} = compute(item_{i}, timeout={i % 9})"
        for i in range(800)
    )
    assert len(text) > 50_000
    ctx = _ctx("timeout compute")
    ctx.tokens(text)  # warm the tokenizer and its cache outside the timed part
    seconds, _ = fastest(lambda: SearchCompressor().compress(text, Policy(), ctx))
    assert seconds < 0.2


def test_dropped_files_report_their_context_lines() -> None:
    out, _ = _run(RG_CONTEXT, policy=Policy(search=SearchPolicy(max_files=1)))
    (files,) = [m for m in parse_markers(out.text) if m.kind == "files"]
    assert files.count == 2
    assert files.detail == "(8 matches, 24 context lines)"
