from __future__ import annotations

import json

import pytest

from headroom.ccr import MemoryStore, parse_markers, to_text
from headroom.compressors._base import CompressContext, Compressed, Compressor
from headroom.compressors._log.compressor import LogCompressor
from headroom.critical import is_critical
from headroom.policy import LogPolicy, Policy
from headroom.testing import CompressorContract
from headroom.text import words
from tests._timing import fastest

# --- fixtures written for these tests -------------------------------------------------------

APP_LOG = "\n".join(
    [
        f"2024-03-01 10:00:{i:02d},120 INFO worker-{i % 4} handled request id={7000 + i} in {i * 3} ms"
        for i in range(40)
    ]
    + [
        "2024-03-01 10:00:41,001 ERROR payment failed for order 5521: card declined",
        "Traceback (most recent call last):",
        '  File "/srv/app/pay.py", line 88, in charge',
        "    gateway.charge(order)",
        '  File "/srv/app/gateway.py", line 12, in charge',
        "    raise CardDeclined(order.id)",
        "gateway.CardDeclined: 5521",
    ]
    + [
        f"2024-03-01 10:01:{i:02d},500 INFO worker-{i % 4} handled request id={8000 + i} in {i * 2} ms"
        for i in range(30)
    ]
    + ["2024-03-01 10:01:40,000 WARN cache miss ratio 0.93 above threshold"]
    + [f"2024-03-01 10:02:{i:02d},000 DEBUG heartbeat seq={i}" for i in range(30)]
)

GO_TEST_VERBOSE = "\n".join(
    [line for i in range(25) for line in (f"=== RUN   TestCase{i}", f"--- PASS: TestCase{i} (0.0{i % 10}s)")]
    + [
        "=== RUN   TestBroken",
        "    broken_test.go:17: expected 3, got 4",
        "--- FAIL: TestBroken (0.00s)",
        "FAIL",
        "FAIL\texample.com/pkg\t0.012s",
    ]
)


def _go_event(i: int, action: str, test: str, output: str | None = None) -> str:
    event: dict[str, object] = {
        "Time": f"2024-01-02T03:04:{i % 60:02d}.{i:06d}Z",
        "Action": action,
        "Package": "example.com/pkg",
        "Test": test,
    }
    if output is not None:
        event["Output"] = output
    return json.dumps(event, separators=(",", ":"))


GO_TEST_JSON = "\n".join(
    [
        ev
        for i in range(20)
        for ev in (
            _go_event(3 * i, "run", f"TestOk{i}"),
            _go_event(3 * i + 1, "output", f"TestOk{i}", f"=== RUN   TestOk{i}\n"),
            _go_event(3 * i + 2, "pass", f"TestOk{i}"),
        )
    ]
    + [
        _go_event(70, "output", "TestBad", "    bad_test.go:9: boom\n"),
        _go_event(71, "output", "TestBad", "--- FAIL: TestBad (0.00s)\n"),
        _go_event(72, "fail", "TestBad"),
    ]
)

ACCESS_LOG = "\n".join(
    f'203.0.113.{i % 50} - - [10/Oct/2023:13:55:{i % 60:02d} +0000] "GET /item/{i} HTTP/1.1" 200 {512 + i} '
    f'"-" "Mozilla/5.0 (X11; Linux x86_64)"'
    for i in range(60)
)

PYTEST_ANSI = "\n".join(
    ["\x1b[1m============================= test session starts ==============================\x1b[0m"]
    + [f"tests/test_m.py::test_ok_{i} \x1b[32mPASSED\x1b[0m [ {i}%]" for i in range(30)]
    + ["tests/test_m.py::test_bad \x1b[31mFAILED\x1b[0m [100%]"]
    + [f"tests/test_n.py::test_more_{i} \x1b[32mPASSED\x1b[0m [ {i}%]" for i in range(30)]
    + ["\x1b[31m========================= 1 failed, 60 passed in 0.42s =========================\x1b[0m"]
)

COMPOSE_LOG = "\n".join(
    f'web-1  | {{"level":"info","ts":1700000000.{i:03d},"msg":"served request","status":200}}'
    for i in range(40)
)

ZEEK_LOG = "\n".join(
    ["#separator \\x09", "#fields\tts\tuid\tid.orig_h\tmethod\thost\turi\tstatus_code"]
    + [f"1320279566.{i:06d}\tC{i:05d}xyz\t192.0.2.{i % 9}\tGET\texample.org\t/a/{i}\t200" for i in range(50)]
)

STRACE_LOG = "\n".join(
    f'4242 12:00:00.{i:06d} openat(AT_FDCWD, "/usr/lib/lib{i}.so", O_RDONLY|O_CLOEXEC) = {3 + i % 5} <0.000010>'
    for i in range(40)
)

LINE_KINDS = ("lines", "similar lines")
SAMPLES = [APP_LOG, GO_TEST_VERBOSE, GO_TEST_JSON, ACCESS_LOG, PYTEST_ANSI, COMPOSE_LOG, ZEEK_LOG, STRACE_LOG]


def _run(text: str, query: str | None = None, policy: Policy | None = None) -> tuple[Compressed, MemoryStore]:
    store = MemoryStore()
    out = LogCompressor().compress(text, policy or Policy(), CompressContext(store=store, query=query))
    return out, store


class TestLogContract(CompressorContract):
    own_families = ("log",)

    def make_compressor(self) -> Compressor:
        return LogCompressor()

    def own_samples(self) -> list[str]:
        return SAMPLES

    def critical_lines(self) -> list[tuple[str, list[str]]]:
        return [
            (
                APP_LOG,
                [
                    "2024-03-01 10:00:41,001 ERROR payment failed for order 5521: card declined",
                    '  File "/srv/app/gateway.py", line 12, in charge',
                    "gateway.CardDeclined: 5521",
                    "2024-03-01 10:01:40,000 WARN cache miss ratio 0.93 above threshold",
                ],
            ),
            (GO_TEST_VERBOSE, ["--- FAIL: TestBroken (0.00s)", "FAIL\texample.com/pkg\t0.012s"]),
            (GO_TEST_JSON, [_go_event(71, "output", "TestBad", "--- FAIL: TestBad (0.00s)\n")]),
            (PYTEST_ANSI, ["tests/test_m.py::test_bad FAILED [100%]"]),
        ]


# --- behaviour ------------------------------------------------------------------------------


@pytest.mark.parametrize("text", SAMPLES)
@pytest.mark.parametrize("query", [None, "worker-2 request 7013"])
@pytest.mark.parametrize("newline", ["", "\n"])
def test_kept_lines_plus_marker_counts_equal_input_lines(text: str, query: str | None, newline: str) -> None:
    out, _ = _run(text + newline, query)
    assert parse_markers(out.text), "sample was expected to elide something"
    body = out.text[: -len(newline)] if newline else out.text
    assert out.text.endswith(newline)
    kept = [line for line in body.split("\n") if not parse_markers(line)]
    markers = parse_markers(out.text)
    line_markers = [m for m in markers if m.kind in LINE_KINDS]
    assert len(kept) + sum(m.count for m in line_markers) == text.count("\n") + 1
    assert [m.count for m in markers] == [e.count for e in out.elisions]


@pytest.mark.parametrize("text", SAMPLES)
def test_every_critical_line_is_covered(text: str) -> None:
    out, _ = _run(text)
    kept = [frozenset(words(line)) for line in out.text.split("\n")]
    for line in text.split("\n"):
        if is_critical(line):
            mine = frozenset(words(line))
            assert any(len(mine & other) >= 0.75 * len(mine) for other in kept), line


def test_markers_restore_the_original() -> None:
    out, store = _run(APP_LOG)
    for marker in parse_markers(out.text):
        assert to_text(store.get(marker.key)) == APP_LOG


def test_traceback_kept_whole_and_repeats_collapse() -> None:
    out, _ = _run(APP_LOG)
    lines = APP_LOG.split("\n")
    start = lines.index("Traceback (most recent call last):")
    assert "\n".join(lines[start - 1 : start + 6]) in out.text
    assert "[29 similar lines omitted" in out.text or "similar lines omitted" in out.text


def test_marker_detail_has_line_and_time_range() -> None:
    out, _ = _run(APP_LOG)
    details = [m.detail for m in parse_markers(out.text)]
    assert "(lines 48-77, 2024-03-01 10:01:00,500 to 10:01:29,500)" in details, details


def test_query_match_in_the_middle_is_kept() -> None:
    needle = "2024-03-01 10:00:17,120 INFO worker-1 handled request id=7017 in 51 ms"
    assert needle in APP_LOG
    without, _ = _run(APP_LOG)
    with_query, _ = _run(APP_LOG, query="request 7017")
    assert needle not in without.text
    assert needle in with_query.text


def test_head_and_tail_follow_policy() -> None:
    policy = Policy(log=LogPolicy(head_lines=5, tail_lines=4))
    out, _ = _run(APP_LOG, policy=policy)
    lines = APP_LOG.split("\n")
    assert out.text.startswith("\n".join(lines[:5]))
    assert out.text.endswith("\n".join(lines[-4:]))


def test_ansi_codes_stripped_and_noted() -> None:
    out, _ = _run(PYTEST_ANSI)
    assert "\x1b" not in out.text
    first = parse_markers(out.text)[0]
    assert first.kind == "colour codes"
    assert first.count == PYTEST_ANSI.count("\x1b")
    assert out.text.startswith("[")
    assert "= 1 failed, 60 passed in 0.42s =" in out.text


def test_go_test_json_claimed_strongly_but_not_plain_json_lines() -> None:
    compressor = LogCompressor()
    assert compressor.detect(GO_TEST_JSON) >= 0.9
    assert compressor.detect(COMPOSE_LOG) >= 0.9
    plain = "\n".join(json.dumps({"id": i, "name": f"n{i}", "tags": ["a"]}) for i in range(30))
    assert compressor.detect(plain) < 0.5


@pytest.mark.parametrize("text", ["", "one line only", "a\nb\nc"])
def test_tiny_inputs_pass_through(text: str) -> None:
    out, _ = _run(text)
    assert out.text == text
    assert not out.elisions


def test_disabled_policy_passes_through() -> None:
    out, _ = _run(APP_LOG, policy=Policy(log=LogPolicy(enabled=False)))
    assert out.text == APP_LOG
    assert out.reason


def test_large_log_is_fast() -> None:
    text = (APP_LOG + "\n") * 20  # about 150 KB
    LogCompressor().compress(APP_LOG, Policy(), CompressContext(store=MemoryStore()))
    seconds, (out, _) = fastest(lambda: _run(text))
    assert seconds < 1.0
    assert out.tokens_out < out.tokens_in / 5


# --- CI runner labels before every line (fixtures written for these tests) ---------------------

_STEPS = ["Set up job", "Run actions/checkout@v4", "Install dependencies", "Run tests"]
GITHUB_RUN_LOG = "\n".join(
    f"build (ubuntu)\t{_STEPS[i // 15]}\t2026-04-17T01:45:{i % 60:02d}.{i:07d}Z "
    + (
        "##[group]Run pip install -e ."
        if i % 15 == 0
        else f"Collecting package-{i} (from -r requirements.txt)"
    )
    for i in range(60)
)
JENKINS_STAGE_LOG = "\n".join(
    f"[Build on CentOS 7] make[{1 + i % 2}]: {'Entering' if i % 2 else 'Leaving'} directory `/build/src/mod{i}'"
    if i % 3
    else f"[Build on CentOS 7] Making all in mod{i}"
    for i in range(60)
)


def test_logs_behind_a_ci_label_are_claimed() -> None:
    compressor = LogCompressor()
    assert compressor.detect(GITHUB_RUN_LOG) >= 0.8
    assert compressor.detect(JENKINS_STAGE_LOG) >= 0.8
    from headroom import router

    assert router.detect(GITHUB_RUN_LOG).compressor == "log"
    assert router.detect(JENKINS_STAGE_LOG).compressor == "log"


def test_labelled_log_compresses_and_keeps_its_error() -> None:
    text = (
        GITHUB_RUN_LOG + "\nbuild (ubuntu)\tRun tests\t2026-04-17T01:46:00.0000000Z ERROR: test_login failed"
    )
    out, store = _run(text)
    assert out.tokens_out < out.tokens_in / 2
    assert "ERROR: test_login failed" in out.text
    restored = [to_text(store.get(m.key)) for m in parse_markers(out.text)]
    assert all(r is not None for r in restored)


def test_labels_that_do_not_repeat_are_no_labels() -> None:
    from headroom.compressors._log.detect import without_labels

    # A table's first column, a list of citations: a different "label" on every line.
    table = [f"row-{i}\t2026-04-17 10:00:{i:02d}\t{i * 3}" for i in range(40)]
    citations = [f"[{i}] Smith, J. A study of things, volume {i}." for i in range(40)]
    assert without_labels(table) is None
    assert without_labels(citations) is None
    shared = ["[stage] one", "[stage] two", "plain line", "[stage] three", "[stage] four"]
    assert without_labels(shared) == ["one", "two", "plain line", "three", "four"]
