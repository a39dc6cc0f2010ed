"""QA probes: compressed as a tool result with the question as the query, scored against gold."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from evals.probes import SYSTEM_PROMPT, load_probes, probe_from_mapping, probe_messages, run_probe, run_probes
from headroom.errors import ConfigError
from headroom.policy import Policy, policy_from_mapping
from tests.evals._fakes import Retriever, Spotter
from tests.evals._fixtures import DEGRADED, make_probes


def test_probe_messages_put_the_context_in_a_tool_result() -> None:
    probe = make_probes()[0]
    messages = probe_messages(probe)
    assert messages[0] == {"role": "system", "content": SYSTEM_PROMPT}
    assert messages[1] == {"role": "user", "content": probe.question}
    assert messages[2]["tool_calls"][0]["id"] == messages[3]["tool_call_id"]
    assert messages[3]["content"] == probe.context


def test_default_policy_keeps_answers_and_saves_tokens() -> None:
    probes = make_probes()
    spotter = Spotter(probes)
    results = asyncio.run(run_probes(probes, Policy(), spotter, "m", concurrency=2))
    assert [r.probe_id for r in results] == [p.id for p in probes]
    assert all(r.exact_match == 1.0 and r.token_f1 == 1.0 for r in results)
    log = results[0]
    assert log.content_type == "log" and log.markers > 0
    assert log.context_tokens_out < log.context_tokens_in
    assert log.input_tokens > 0 and log.output_tokens == 1
    assert spotter.requests[0].policy_hash == Policy().policy_hash
    assert spotter.requests[0].tools, "the retrieval tool is offered when markers were emitted"


def test_degraded_policy_loses_answers() -> None:
    probes = make_probes()
    results = asyncio.run(run_probes(probes, policy_from_mapping(DEGRADED), Spotter(probes), "m"))
    assert sum(r.exact_match for r in results) < len(probes)
    assert {r.prediction for r in results if r.exact_match == 0} == {"unknown"}


def test_retrieval_calls_are_answered_from_the_store() -> None:
    probes = make_probes()[3:]
    result = asyncio.run(run_probe(probes[0], policy_from_mapping(DEGRADED), Retriever(probes), "m"))
    assert result.retrievals == 1
    assert result.exact_match == 1.0, "the original came back through the retrieval tool"


def test_load_probes_validates(tmp_path: Path) -> None:
    good = {"id": "a", "context": "ctx", "question": "q?", "answers": ["x"]}
    path = tmp_path / "p.jsonl"
    path.write_text(json.dumps(good) + "\n\n" + json.dumps({**good, "id": "b", "tool": "grep"}) + "\n")
    assert [p.tool for p in load_probes(path)] == ["read_output", "grep"]
    path.write_text(json.dumps(good) + "\n" + json.dumps(good) + "\n")
    with pytest.raises(ConfigError, match="duplicate probe id"):
        load_probes(path)
    path.write_text("{not json\n")
    with pytest.raises(ConfigError, match=r"p\.jsonl:1"):
        load_probes(path)
    with pytest.raises(ConfigError, match="answers"):
        probe_from_mapping({**good, "answers": "x"})
    with pytest.raises(ConfigError, match="unknown"):
        probe_from_mapping({**good, "gold": ["x"]})
