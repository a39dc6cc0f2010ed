"""Results of the retrieval tool are forwarded untouched: the model must see what was cut."""

from __future__ import annotations

import json
from typing import Any

import pytest

from headroom import compress
from headroom.ccr import RETRIEVE_TOOL_NAME, MemoryStore
from tests.conftest import make_log


def chat(name: str, text: str) -> list[dict[str, Any]]:
    call = {"id": "r1", "type": "function", "function": {"name": name, "arguments": '{"key": "hr1"}'}}
    return [
        {"role": "user", "content": "What failed?"},
        {"role": "assistant", "content": None, "tool_calls": [call]},
        {"role": "tool", "tool_call_id": "r1", "content": text},
    ]


def responses(name: str, text: str) -> dict[str, Any]:
    return {
        "input": [
            {"role": "user", "content": "What failed?"},
            {"type": "function_call", "call_id": "r1", "name": name, "arguments": "{}"},
            {"type": "function_call_output", "call_id": "r1", "output": text},
        ]
    }


def anthropic(name: str, text: str) -> dict[str, Any]:
    return {
        "system": "Be careful.",
        "messages": [
            {"role": "user", "content": "What failed?"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "r1", "name": name, "input": {}}]},
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "r1", "content": [{"type": "text", "text": text}]}
                ],
            },
        ],
    }


@pytest.mark.parametrize("build", [chat, responses, anthropic])
def test_retrieval_results_pass_through_in_every_format(build: Any) -> None:
    store = MemoryStore()
    log = make_log(300)
    assert compress(build("read_logs", log), store=store).tokens_saved > 0, (
        "other tools' output is compressed"
    )
    request = build(RETRIEVE_TOOL_NAME, log)
    result = compress(request, store=store)
    assert json.dumps(result.messages) == json.dumps(request)
    (block,) = result.blocks
    assert block.tokens_out == block.tokens_in and block.reason == "retrieval tool result: passed through"
    assert result.tools_added == ()
