"""Critical content inside JSON survives SmartCrusher: one tiny fixture per class of input."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from headroom.ccr import MemoryStore
from headroom.compressors import CompressContext, Compressed
from headroom.compressors._json.compressor import JsonCompressor
from headroom.compressors._json.select import SignalMemo, critical_signature
from headroom.critical import is_critical
from headroom.policy import Policy


@pytest.mark.parametrize(
    ("line", "critical"),
    [
        ('{"type": "tool_result", "is_error": false}', False),
        ('{"error": null, "last_error": "", "failures": [], "errors": {}}', False),
        ('{"n": 1, "error_count": 0}', False),
        ('{\\"is_error\\":false}', False),
        ('{"is_error": true}', True),
        ('{"error": "disk full"}', True),
        ('{"error": null, "message": "upload failed"}', True),
        ("Tests run: 5, Failures: 0", True),
    ],
)
def test_an_error_field_that_reports_no_error_is_no_signal(line: str, critical: bool) -> None:
    assert is_critical(line) is critical


def _compress(text: str) -> Compressed:
    return JsonCompressor().compress(text, Policy(), CompressContext(store=MemoryStore()))


def test_jsonc_comments_that_report_errors_stay_verbatim() -> None:
    options = "".join(f'    // "opt{i}": true,   /* Plain option number {i}. */\n' for i in range(8))
    text = (
        '{\n  // Visit the docs\n  "compilerOptions": {\n'
        + options
        + '    // "strictChecks": true,   /* Enable error reporting for unused labels. */\n'
        + '    "target": "es2016"\n  }\n}\n'
    )
    out = _compress(text)
    assert '// "strictChecks": true,   /* Enable error reporting for unused labels. */' in out.text
    assert "[9 comment lines omitted" in out.text and "Plain option" not in out.text


def test_a_short_record_that_reports_an_error_stays_on_one_line() -> None:
    def start(i: int, name: str) -> dict[str, object]:
        return {
            "test": {
                "id": i,
                "name": name,
                "suite": "widgets",
                "line": 126,
                "url": "package:flutter_test/src/widget_tester.dart",
                "root": "file:///w/provider/test/stream_test.dart",
            }
        }

    records = [start(i, f"renders item {i}") if i % 2 else {"testID": i, "result": "ok"} for i in range(40)]
    records[21] = start(21, "throws if the stream has an error")
    out = _compress("\n".join(json.dumps(r) for r in records))
    record = '{"test":{"id":21,"name":"throws if the stream has an error","suite":"widgets","line":126,"url":"package:flutter_test/src/widget_tester.dart","root":"file:///w/provider/test/stream_test.dart"}}'
    assert f"- {record}" in out.text.splitlines()
    assert "   name: renders item 1" in out.text.splitlines()  # records without errors keep block form


@pytest.mark.parametrize("tabular", [True, False])
def test_an_entry_keyed_by_an_error_named_id_is_kept(tabular: bool) -> None:
    def entry(i: int) -> dict[str, object]:
        extra = {} if tabular else {f"dep{i}": {"version": f"1.{i}.0"}}
        return {"version": f"1.{i}.0", "resolved": f"https://registry.example/pkg-{i}.tgz", **extra}

    packages = {f"node_modules/pkg-{i}": entry(i) for i in range(60)}
    packages["node_modules/http-errors"] = entry(99)
    packages.update({f"node_modules/zz-{i}": entry(i) for i in range(30)})
    out = _compress(json.dumps({"packages": packages}, indent=2))
    assert "http-errors" in out.text


def test_records_whose_error_text_differs_past_its_start_are_told_apart() -> None:
    stem = "Runner instance method uncaught() when provided an object argument when it is an Error and "
    stem += "no runnables are running when "
    tests = [{"title": f"case {i}", "fullTitle": f"suite case {i}"} for i in range(60)]
    tests[20]["fullTitle"] = stem + "the runner is IDLE should emit start and end events"
    tests[40]["fullTitle"] = stem + "the runner is STOPPED should not emit start and end events"
    out = _compress(json.dumps({"tests": tests}, indent=2))
    assert "IDLE should emit" in out.text and "STOPPED should not emit" in out.text


def test_a_short_error_cell_carries_its_column_name() -> None:
    # The header names a column once; "error" alone under it no longer says what was in error.
    results = [
        {"rule": f"R{i % 7}", "level": "warning", "tags": [], "message": f"check {i} is weak"}
        for i in range(30)
    ]
    results[12] = {"rule": "R3", "level": "error", "tags": ["error-handling"], "message": "check 12 is weak"}
    results[18]["message"] = "check 18 failed to run at all"
    out = _compress(json.dumps({"results": results}, indent=2))
    row = next(line for line in out.text.splitlines() if "R3|" in line and "12" in line)
    assert "level=error" in row and 'tags=["error-handling"]' in row
    assert "|check 18 failed to run at all" in out.text  # a value that says enough stays bare
    assert "level=warning" not in out.text


def _keep_every_tenth_line(text: str, ctx: CompressContext) -> Compressed:
    """A nested pass that keeps each tenth line (and so loses most of each error's context)."""
    lines = text.splitlines()
    kept = [line for i, line in enumerate(lines) if i % 10 == 0]
    marker, elision = ctx.marker(text, len(lines) - len(kept), "lines")
    out = "\n".join([*kept, marker])
    return Compressed(out, "code", "code", ctx.tokens(text), ctx.tokens(out), (elision,))


def _source(error_at: int, name: str) -> str:
    lines = [f"    total_{i} = compute(part_{i}, weight={i})" for i in range(120)]
    lines[error_at] = f"    except {name}Error as exc: log.warning('could not load %s', exc)"
    return "\n".join(lines)


@pytest.mark.parametrize(("error_at", "verbatim"), [(30, False), (33, True)])
def test_a_nested_pass_that_loses_the_words_around_an_error_is_undone(error_at: int, verbatim: bool) -> None:
    # The string is one line of the document: its unit is the words around the error word.
    source = _source(error_at, "Config")
    ctx = CompressContext(store=MemoryStore(), nested=_keep_every_tenth_line)
    out = JsonCompressor().compress(json.dumps({"path": "a.py", "content": source}), Policy(), ctx)
    assert (json.dumps(source) in out.text) is verbatim
    if not verbatim:  # kept compressed, on one line: the error's context crosses its line breaks
        line = next(line for line in out.text.splitlines() if "ConfigError" in line)
        assert line.startswith('content: "') and "lines omitted" in line


def test_records_whose_long_strings_start_alike_are_told_apart_by_their_errors() -> None:
    calls = [{"tool": "Write", "input": _source(i % 5, "Nothing") + "\n# ok"} for i in range(40)]
    calls[12]["input"] = _source(100, "Parse")
    calls[27]["input"] = _source(100, "Timeout")
    out = _compress(json.dumps({"calls": calls}))
    assert "ParseError as exc" in out.text and "TimeoutError as exc" in out.text


def test_an_error_word_after_a_url_in_minified_code_is_a_signal() -> None:
    # A URL ends at a quote or bracket, not at the next space: minified code has none for a line.
    config = "export default defineConfig({use:{baseURL:'http://localhost:3000',trace:'%s'},projects:[]});"
    calls = [{"type": "tool_call", "input": config % f"mode-{i}"} for i in range(40)]
    calls[23]["input"] = config % "retain-on-failure"
    out = _compress("\n".join(json.dumps(call) for call in calls))
    assert "retain-on-failure" in out.text
    assert "mode-17" not in out.text  # the records without an error are still elided


def test_an_error_named_key_holding_an_object_is_a_signal() -> None:
    # "failure_details": {"code": ...} says what failed only through the key above its leaves; an
    # object there is no empty value ({} or null would be), so its line is critical as it stands.
    names = [f"{a}{b}" for a in "abcdef" for b in "ghijklmnop"]  # resources named, not numbered

    def resource(name: str) -> dict[str, object]:  # each of its own shape, as an API's fixtures are
        return {"object": name, "livemode": False, f"{name}_settings": {"mode": "live", "kind": name}}

    resources = {name: resource(name) for name in names}
    resources["cj"]["failure_details"] = {"code": "insufficient_funds"}
    resources["dk"]["amount_failed"] = {"currency": "usd", "value": 111}
    resources["dm"]["last_error"] = {"code": None, "reason": None}
    resources["en"]["errors"] = {}  # empty: reports that there is none
    resources["eo"]["failure_details"] = {"code": "account_closed"}  # another failure, told apart
    out = _compress(json.dumps({"resources": resources}, indent=2))
    for key in ("failure_details", "amount_failed", "last_error"):
        assert key in out.text
    assert "insufficient_funds" in out.text and "account_closed" in out.text
    assert "items omitted" in out.text and "en_settings" not in out.text


def _decolour_keeping_errors(text: str, ctx: CompressContext) -> Compressed:
    """A nested pass as the log compressor's: colour codes stripped, error lines and every tenth kept."""
    lines = [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in text.splitlines()]
    kept = [line for i, line in enumerate(lines) if i % 10 == 0 or is_critical(line)]
    marker, elision = ctx.marker(text, len(lines) - len(kept), "lines")
    out = "\n".join([*kept, marker])
    return Compressed(out, "log", "log", ctx.tokens(text), ctx.tokens(out), (elision,))


def test_a_nested_pass_that_only_decolours_an_error_line_is_kept() -> None:
    # The error line survives without its colour codes: those are no words, so nothing was lost.
    lines = [f"12:00:{i % 60:02d} \x1b[32mINFO\x1b[0m step {i} done in {i * 3} ms" for i in range(200)]
    detail = "operation error DynamoDB: DescribeTable, StatusCode: 400, " + "constraint failed; " * 30
    lines[150] = f"12:02:30 \x1b[31m|\x1b[0m \x1b[1m\x1b[31mError: \x1b[0m\x1b[1m{detail}\x1b[0m"
    ctx = CompressContext(store=MemoryStore(), nested=_decolour_keeping_errors)
    out = JsonCompressor().compress(json.dumps({"exit_code": 1, "output": "\n".join(lines)}), Policy(), ctx)
    assert "lines omitted" in out.text and "\x1b" not in out.text
    assert f"| Error: {detail}" in out.text.replace("\\n", "\n")


_LEAVES = st.sampled_from(
    [
        "ok",
        "Error: disk full",
        "no failure here",
        "https://x.test/failures",
        "",
        "FATAL 12 at 0x1f",
        None,
        0,
        3,
    ]
)
_ITEMS = st.recursive(
    _LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["error", "is_error", "msg", "failures", "id"]), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.lists(_ITEMS, min_size=1, max_size=5))
def test_signatures_read_through_a_shared_memo_equal_fresh_ones(items: list[object]) -> None:
    # A document's items share one memo of string signals: reading it never changes a signature.
    memo: SignalMemo = {}
    shared = [critical_signature(item, memo) for item in items]
    again = [critical_signature(item, memo) for item in items]
    assert shared == again == [critical_signature(item) for item in items]
