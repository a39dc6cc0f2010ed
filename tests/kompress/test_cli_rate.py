"""``headroom compress --rate``: the share of prose tokens to keep."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from headroom.cli import cli

PROSE = (
    "\n\n".join(
        " ".join(
            f"The survey crew {p}-{s} walked the northern ridge and wrote down what the weather had done "
            "to the path."
            for s in range(5)
        )
        for p in range(8)
    )
    + "\n"
)


@pytest.fixture(autouse=True)
def _isolated_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HEADROOM_STORE_PATH", str(tmp_path / "store.sqlite3"))
    monkeypatch.delenv("HEADROOM_POLICY", raising=False)


def _tokens_out(rate: str) -> int:
    result = CliRunner().invoke(cli, ["compress", "-", "--rate", rate, "--json"], input=PROSE)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["content_type"] == "prose"
    return int(data["tokens_out"])


def test_a_lower_rate_keeps_fewer_tokens() -> None:
    assert _tokens_out("0.25") < _tokens_out("0.8")


def test_rate_out_of_range_is_a_usage_error() -> None:
    result = CliRunner().invoke(cli, ["compress", "-", "--rate", "1.5"], input=PROSE)
    assert result.exit_code == 2
