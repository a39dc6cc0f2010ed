"""Big and odd inputs: over the old 4 MB cap, NULs and invalid UTF-8 in a log, ``\\r``-only progress."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from headroom import compress_text
from headroom.ccr import MARKER_PATTERN, MemoryStore
from headroom.cli import cli
from tests.conftest import make_log

GARBLED = b" \xff\xfe garbled \xc3"


@pytest.fixture(autouse=True)
def _isolated_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEADROOM_STORE_PATH", str(tmp_path / "store.sqlite3"))
    monkeypatch.delenv("HEADROOM_POLICY", raising=False)


def test_a_log_with_a_few_nul_bytes_is_still_a_log() -> None:
    text = make_log(400).replace(" served", "\x00 served", 20)
    out = compress_text(text, store=MemoryStore())
    assert out.compressor == "log" and out.tokens_out < out.tokens_in


def test_dense_control_bytes_are_still_binary() -> None:
    out = compress_text("\x00\x01\x02\x03 blob " * 600, store=MemoryStore())
    assert out.reason == "binary content"


def test_a_block_over_the_old_4_mb_cap_is_compressed() -> None:
    text = make_log(400)
    big = text * (4_200_000 // len(text) + 1)
    out = compress_text(big, store=MemoryStore())
    assert out.compressor == "log" and out.tokens_out < out.tokens_in / 10


def _garbled_log() -> bytes:
    lines = make_log(400).encode().split(b"\n")
    for index in range(5, len(lines), 40):
        lines[index] += GARBLED
    return b"\n".join(lines)


def test_cli_json_is_valid_json_around_invalid_utf8_and_keeps_the_bytes() -> None:
    raw = _garbled_log()
    runner = CliRunner()
    result = runner.invoke(cli, ["compress", "-", "--json"], input=raw)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout_bytes.decode("utf-8"))  # strict: valid UTF-8 and valid JSON
    assert data["compressor"] == "log" and data["tokens_out"] < data["tokens_in"]
    assert data["invalid_bytes"]["count"] == raw.count(b"\xff") * 3
    restored = runner.invoke(cli, ["retrieve", data["invalid_bytes"]["key"]])
    assert restored.stdout_bytes == raw


def test_cli_text_output_is_valid_utf8() -> None:
    result = CliRunner().invoke(cli, ["compress", "-"], input=_garbled_log())
    assert result.exit_code == 0
    text = result.stdout_bytes.decode("utf-8")
    assert MARKER_PATTERN.search(text) and "\ufffd garbled" in text


def test_cli_json_of_binary_input_is_valid_json() -> None:
    result = CliRunner().invoke(cli, ["compress", "-", "--json"], input=b"\xff\xfe\x00binary" * 50)
    data = json.loads(result.stdout_bytes.decode("utf-8"))
    assert data["reason"] == "binary content" and data["invalid_bytes"]["count"] == 100


def _progress(bars: int) -> str:
    redraws = "".join(f"Downloading model.bin {i % 100:3d}% [{'#' * (i % 40):<40}]\r" for i in range(bars))
    return "Fetching model\n" + redraws + "Downloaded model.bin\nERROR checksum mismatch for model.bin\n"


def test_cr_only_progress_goes_to_the_log_compressor() -> None:
    text = _progress(2000)
    out = compress_text(text, store=MemoryStore())
    assert out.compressor == "log" and out.tokens_out < out.tokens_in / 5
    assert "ERROR checksum mismatch for model.bin" in out.text
    # Kept segments plus the lines the markers count give back every segment of the input.
    segments = len(re.split(r"\r(?!\n)|\n", text.rstrip("\n")))
    shown = re.split(r"\r(?!\n)|\n", MARKER_PATTERN.sub("<marker>", out.text).rstrip("\n"))
    kept = [piece for piece in shown if piece != "<marker>"]
    assert len(kept) + sum(e.count for e in out.elisions) == segments
    assert len(shown) - len(kept) == len(out.elisions)
