"""The proxy's parts on their own: SSE framing, body decoding, header policy, splice edge cases."""

from __future__ import annotations

import gzip
import json
from typing import Any

import pytest

from headroom.proxy._anthropic import AnthropicStream
from headroom.proxy._body import decode_body
from headroom.proxy._headers import client_headers, upstream_headers
from headroom.proxy._splice import Overflow
from headroom.proxy._sse import Frame, Framer, render


@pytest.mark.parametrize("end", [b"\n\n", b"\r\n\r\n", b"\r\r"])
def test_frames_split_anywhere_come_out_whole_and_byte_exact(end: bytes) -> None:
    stream = b"event: a" + end[: len(end) // 2] + b'data: {"x": 1}' + end + b"data: [DONE]" + end
    for cut in range(1, len(stream)):
        framer = Framer()
        frames = framer.feed(stream[:cut]) + framer.feed(stream[cut:])
        assert b"".join(f.raw for f in frames) == stream and framer.rest() == b""
    assert Framer().feed(b"data: [DONE]" + end)[0].json() is None


def test_frame_fields() -> None:
    frame = Frame(b'event: message_start\ndata: {"a":\ndata: 1}\n\n')
    assert frame.event == "message_start" and frame.json() == {"a": 1}
    assert render("ping", {"type": "ping"}) == b'event: ping\ndata: {"type":"ping"}\n\n'


def test_a_decompression_bomb_is_not_decoded() -> None:
    bomb = gzip.compress(b"0" * 5_000_000)
    body = decode_body(bomb, "gzip", cap=1_000_000)
    assert body.decoded is None and body.problem == "too_large" and body.raw == bomb
    assert decode_body(gzip.compress(b"{}"), "gzip", cap=100).decoded == b"{}"
    assert decode_body(b"{}", "compress", cap=100).problem == "encoding"


def test_header_policy() -> None:
    client = [
        ("Host", "localhost:8787"),
        ("Connection", "keep-alive, x-trace"),
        ("x-trace", "1"),
        ("Content-Length", "12"),
        ("Accept-Encoding", "gzip, br, zstd"),
        ("Anthropic-Beta", "a,b"),
        ("x-headroom-bypass", "1"),
        ("X-Forwarded-For", "10.0.0.1"),
        ("Authorization", "Bearer k"),
        ("x-stainless-retry-count", "0"),
        ("Expect", "100-continue"),
    ]
    assert upstream_headers(client, streaming=True) == [
        ("Anthropic-Beta", "a,b"),
        ("Authorization", "Bearer k"),
        ("x-stainless-retry-count", "0"),
        ("accept-encoding", "identity"),
    ]
    upstream = [
        ("content-length", "5"),
        ("transfer-encoding", "chunked"),
        ("request-id", "r1"),
        ("set-cookie", "a"),
        ("set-cookie", "b"),
    ]
    assert client_headers(upstream, [("x-headroom-tokens-in", "3")]) == [
        ("request-id", "r1"),
        ("set-cookie", "a"),
        ("set-cookie", "b"),
        ("x-headroom-tokens-in", "3"),
    ]


def frames(*events: dict[str, Any]) -> list[Frame]:
    return [Frame(render(e["type"], e)) for e in events]


def hidden_round(arguments: str, stop: str) -> list[Frame]:
    return frames(
        {"type": "message_start", "message": {"id": "m", "content": [], "usage": {"output_tokens": 1}}},
        {
            "type": "content_block_start",
            "index": 0,
            "content_block": {"type": "tool_use", "id": "t", "name": "headroom_retrieve", "input": {}},
        },
        {
            "type": "content_block_delta",
            "index": 0,
            "delta": {"type": "input_json_delta", "partial_json": arguments},
        },
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": stop}, "usage": {"output_tokens": 9}},
        {"type": "message_stop"},
    )


def fed(splice: AnthropicStream, round_frames: list[Frame]) -> list[bytes]:
    return [out for frame in round_frames for out in splice.feed(frame)]


def test_a_truncated_hidden_call_ends_the_turn_with_the_upstream_stop_reason() -> None:
    splice = AnthropicStream(max_withheld=10_000)
    shown = fed(splice, hidden_round('{"key": "hr0', "max_tokens"))
    assert len(shown) == 1 and b"message_start" in shown[0]
    assert splice.end_round(can_continue=True) is None
    tail = [Frame(raw).json() for raw in splice.tail()]
    assert tail[0]["delta"]["stop_reason"] == "max_tokens" and tail[1]["type"] == "message_stop"


def test_the_round_limit_ends_the_turn_as_end_turn() -> None:
    splice = AnthropicStream(max_withheld=10_000)
    fed(splice, hidden_round('{"key": "hr01"}', "tool_use"))
    assert splice.end_round(can_continue=False) is None
    assert Frame(splice.tail()[0]).json()["delta"]["stop_reason"] == "end_turn"


def test_hidden_calls_past_the_cap_raise_overflow() -> None:
    splice = AnthropicStream(max_withheld=50)
    with pytest.raises(Overflow):
        fed(splice, hidden_round(json.dumps({"key": "hr01", "query": "x" * 100}), "tool_use"))


@pytest.mark.parametrize(
    ("raw", "event", "data"),
    [
        (b"event: a\ndata: {}\n\n", "a", "{}"),
        (b"data: [DONE]\n\n", None, "[DONE]"),
        (b"data: x\ndata: y\n\n", None, "x\ny"),
        (b"event: a\r\ndata: 1\r\n\r\n", "a", "1"),
        (b": keep-alive\ndata: 1\n\n", None, "1"),
        (b"event:a\ndata:1\n\n", "a", "1"),
    ],
)
def test_every_spelling_of_a_frame_reads_the_same(raw: bytes, event: str | None, data: str) -> None:
    assert Frame(raw).fields() == (event, data)
