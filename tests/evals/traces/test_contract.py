"""The contract every trace importer keeps, run over one synthetic fixture per format and layout.

For each registered importer: it claims its own fixtures and no other importer's; it finds every
turn, tool call and tool result; it reads usage and the model where the format records them;
a malformed line of a JSONL file is a warning naming the file and line, and the rest of the
file still imports; a malformed JSON document is an error naming the file.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from evals.traces import IMPORTERS, Trace, detect_format, load_traces
from headroom.errors import TraceFormatError
from tests.evals.traces._trace_cases import CASES
from tests.evals.traces._trace_cases_shared import Case

_IDS = [case.id for case in CASES]


def _written(case: Case, tmp_path: Path) -> Path:
    folder = tmp_path / case.id
    folder.mkdir()
    return case.write(folder)


def _calls(traces: list[Trace]) -> int:
    return sum(trace.tool_calls for trace in traces)


def _results(traces: list[Trace]) -> int:
    return sum(turn.role == "tool" for trace in traces for turn in trace.turns)


@pytest.mark.parametrize("name", [importer.name for importer in IMPORTERS])
def test_every_registered_importer_has_a_contract_fixture(name: str) -> None:
    assert name in {case.format for case in CASES}


@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_the_fixture_is_claimed_by_its_importer_and_by_no_other(case: Case, tmp_path: Path) -> None:
    path = _written(case, tmp_path)
    claims = [importer.name for importer in IMPORTERS if importer.sniff(path)]
    assert claims == [case.format]
    assert detect_format(path).name == case.format


@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_turns_tool_calls_and_tool_results_are_all_found(case: Case, tmp_path: Path) -> None:
    traces = load_traces(_written(case, tmp_path))
    assert traces and all(trace.format == case.format for trace in traces)
    assert all(trace.turns for trace in traces)
    assert any(turn.role == "user" for trace in traces for turn in trace.turns)
    assert _calls(traces) == case.calls
    assert _results(traces) == case.results
    assert not any(trace.warnings for trace in traces)


@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_results_answer_the_calls_they_name(case: Case, tmp_path: Path) -> None:
    for trace in load_traces(_written(case, tmp_path)):
        ids = {call.id for turn in trace.turns for call in turn.tool_calls}
        named = [t.tool_call_id for t in trace.turns if t.role == "tool" and t.tool_call_id is not None]
        assert set(named) <= ids
        assert all(t.tool_name for t in trace.turns if t.role == "tool")


@pytest.mark.parametrize("case", CASES, ids=_IDS)
def test_usage_and_model_are_read_where_recorded(case: Case, tmp_path: Path) -> None:
    traces = load_traces(_written(case, tmp_path))
    usages = [t.usage for trace in traces for t in trace.turns if t.usage] + [
        x.usage for x in traces if x.usage
    ]
    assert bool(usages) == case.usage
    for usage in usages:
        assert usage.input_tokens is not None or usage.output_tokens is not None
    if case.model is not None:
        models = {trace.model for trace in traces} | {t.model for trace in traces for t in trace.turns}
        assert case.model in models


@pytest.mark.parametrize("case", [c for c in CASES if c.jsonl], ids=[c.id for c in CASES if c.jsonl])
def test_a_malformed_line_is_a_warning_naming_file_and_line_and_the_rest_imports(
    case: Case, tmp_path: Path
) -> None:
    clean = _written(case, tmp_path)
    lines = clean.read_text(encoding="utf-8").splitlines(keepends=True)
    broken = clean.with_name("broken" + clean.suffix)
    at = min(2, len(lines))
    broken.write_text("".join([*lines[:at], '{"type": "message", "torn\n', *lines[at:]]), encoding="utf-8")
    traces = load_traces(broken, format=case.format)
    assert _calls(traces) == case.calls and _results(traces) == case.results
    warnings = {w for trace in traces for w in trace.warnings}
    assert len(warnings) == 1
    assert next(iter(warnings)).startswith(f"{broken}:{at + 1}: invalid JSON")
    assert detect_format(broken).name == case.format


_DOCUMENTS = [c for c in CASES if not c.jsonl and c.format not in ("aider", "cursor-specstory")]


@pytest.mark.parametrize("case", _DOCUMENTS, ids=[c.id for c in _DOCUMENTS])
def test_a_malformed_json_document_is_an_error_naming_the_file_and_line(case: Case, tmp_path: Path) -> None:
    clean = _written(case, tmp_path)
    text = clean.read_text(encoding="utf-8")
    clean.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(TraceFormatError) as error:
        load_traces(clean, format=case.format)
    assert str(clean) in str(error.value) and error.value.line is not None
