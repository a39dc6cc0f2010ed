"""Work the pipeline must not repeat: each shortcut gives the answer of the full computation,
and the shortcut is taken (a complexity ratio, best of three, never an absolute speed)."""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from headroom import compress_text
from headroom.ccr import MemoryStore
from headroom.compressors import CompressContext
from headroom.compressors._code.compressor import CodeCompressor, _parser
from headroom.compressors._code.gate import hopeless_head
from headroom.compressors._code.render import CriticalLines
from headroom.critical import CRITICAL, critical_starts, mentions_critical
from headroom.policy import policy_from_mapping
from headroom.text import BM25, query_terms, words

UNTIMED = policy_from_mapping(
    {
        "live_zone": {"min_block_tokens": 0, "block_budget_ms": 0, "block_budget_ms_per_10k_tokens": 0},
        "prose": {"engine": "extractive"},
    }
)
_WORDS = ["error", "Fail", "queue", "readRecord", "read_record", "Sinéad", "café", "ΣΑΣ", "the", "42", "x"]


def _best_of_three(run: Callable[[], object]) -> float:
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def _reference_bm25(documents: list[str], query: str, k1: float = 1.2, b: float = 0.75) -> list[float]:
    """BM25 counting every word of every document (what the scores must equal)."""
    docs = [Counter(words(doc)) for doc in documents]
    lengths = [sum(doc.values()) for doc in docs]
    average = sum(lengths) / len(lengths) if lengths else 0.0
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(doc.keys())
    idf = {t: math.log(1 + (len(docs) - f + 0.5) / (f + 0.5)) for t, f in df.items()}
    scores = []
    for doc, length in zip(docs, lengths, strict=True):
        score = 0.0
        norm = k1 * (1 - b + b * length / average) if average else k1
        for term in query_terms(query):
            freq = doc.get(term, 0)
            if freq:
                score += idf[term] * freq * (k1 + 1) / (freq + norm)
        scores.append(score)
    return scores


_DOCS = st.lists(st.lists(st.sampled_from(_WORDS), max_size=12).map(" ".join), max_size=8)
_QUERY = st.lists(st.sampled_from([*_WORDS, "absent", "cafe", "sinead"]), max_size=4).map(" ".join)


@given(_DOCS, _QUERY)
def test_bm25_counting_only_query_terms_scores_as_counting_every_word(
    documents: list[str], query: str
) -> None:
    expected = _reference_bm25(documents, query)
    assert BM25(documents).scores(query) == expected
    assert BM25(documents, tokenized=[words(d) for d in documents]).scores(query) == expected


_TEXT = st.lists(
    st.sampled_from([*_WORDS, "FATAL", "Traceback", "ﬁle", "İ", "\n", " ", "."]), max_size=30
).map("".join)


@given(_TEXT)
def test_critical_shortcuts_agree_with_the_regex(text: str) -> None:
    assert mentions_critical(text) == (CRITICAL.search(text) is not None)
    assert list(critical_starts(text)) == [m.start() for m in CRITICAL.finditer(text)]


_SOURCE_LINES = st.lists(
    st.sampled_from(["x = 1", "raise ValueError('bad')", "    fail()", "", "  ok  ", "é = 'error'", "\r"]),
    max_size=20,
)


@given(_SOURCE_LINES, st.integers(0, 400), st.integers(0, 400))
def test_critical_lines_of_a_gap_are_those_a_scan_of_the_gap_finds(lines: list[str], a: int, b: int) -> None:
    src = "\n".join(lines).encode("utf-8")
    start, end = sorted((min(a, len(src)), min(b, len(src))))
    gap = src[start:end].decode("utf-8", "replace").split("\n")
    scanned = [line.strip() for line in gap[1:-1] if CRITICAL.search(line)]
    assert CriticalLines(src).within(start, end) == scanned


def _prose(seed: int) -> str:
    sentences = [
        f"Step {seed}.{i} read the queue and wrote record {i * seed} to the index." for i in range(90)
    ]
    return " ".join(sentences)


def test_a_repeated_nested_text_is_routed_once_per_block() -> None:
    distinct = json.dumps([{"id": i, "output": _prose(i)} for i in range(8)])
    # Two texts in turn (one alone would be a constant column, written once anyway).
    repeated = json.dumps([{"id": i, "output": _prose(1 + i % 2)} for i in range(8)])
    compress_text(distinct, UNTIMED, store=MemoryStore())  # lazy set-up is not the thing measured
    out = compress_text(repeated, UNTIMED, store=MemoryStore())
    assert out.tokens_out < out.tokens_in and out.elisions
    t_distinct = _best_of_three(lambda: compress_text(distinct, UNTIMED, store=MemoryStore()))
    t_repeated = _best_of_three(lambda: compress_text(repeated, UNTIMED, store=MemoryStore()))
    # Eight routings against two (plus rendering): the repeated texts must not cost what distinct ones do.
    assert t_repeated < 0.5 * t_distinct, f"{t_repeated:.3f} s repeated vs {t_distinct:.3f} s distinct"


def _numbered_listing(lines: int) -> str:
    """Python as a diff viewer shows it, a line number before each line: reads as code, never parses."""
    body = [
        "{0}: def handler_{0}(a):",
        "{0}:     if a > {0}:",
        "{0}:         return a * {0}",
        "{0}:     return a",
        "",
    ]
    return "\n".join(body[i % 5].format(i) for i in range(lines))


class _CountingParser:
    """The real parser, counting the bytes it is given."""

    def __init__(self, grammar: str) -> None:
        self._parser = _parser(grammar)
        self.parsed = 0

    def parse(self, src: bytes) -> object:
        self.parsed += len(src)
        return self._parser.parse(src)


def test_code_whose_head_is_hopeless_is_not_parsed_whole() -> None:
    listing = _numbered_listing(20_000)
    parser = _CountingParser("python")
    reason = hopeless_head(listing, parser)
    assert reason is not None and reason.startswith("unparsable code")
    assert parser.parsed * 4 < len(listing.encode("utf-8"))
    out = CodeCompressor().compress(
        listing, UNTIMED, CompressContext(store=MemoryStore(), filename="view.py")
    )
    assert out.text == listing
    assert (
        out.reason is not None and out.reason.startswith("unparsable code") and "in the first" in out.reason
    )


def test_a_head_cut_inside_a_docstring_does_not_condemn_valid_code() -> None:
    doc = '    """Explain.\n\n' + "".join(f"    line {i} of the docstring\n" for i in range(40)) + '    """\n'
    functions = [f"def f{i}(a):\n{doc}    return a + {i}\n\n" for i in range(60)]
    source = "import os\n\n" + "".join(functions)
    assert hopeless_head(source, _parser("python")) is None
    assert (
        hopeless_head("def f():\n    return 1\n", _parser("python")) is None
    )  # too short to judge by its head
