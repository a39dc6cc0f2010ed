"""A command whose extra is not installed names the extra to install, never a traceback."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from headroom._extras import needs_extra
from headroom.cli import cli
from headroom.errors import MissingDependency


def test_a_missing_third_party_module_names_the_extra() -> None:
    with (
        pytest.raises(MissingDependency, match=r"'optuna'.*pip install 'headroom\[evals\]'"),
        needs_extra("evals"),
    ):
        raise ModuleNotFoundError("No module named 'optuna'", name="optuna")


def test_our_own_broken_imports_stay_bugs() -> None:
    with pytest.raises(ModuleNotFoundError), needs_extra("evals"):
        raise ModuleNotFoundError("No module named 'evals.tune._gone'", name="evals.tune._gone")


def _without(monkeypatch: pytest.MonkeyPatch, package: str) -> None:
    """Make ``package`` unimportable, and forget our modules that imported it."""
    for name in [m for m in sys.modules if m == "evals" or m.startswith("evals.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, package, None)


@pytest.mark.parametrize(
    "argv",
    [
        ["tune", "--corpus", "CORPUS", "--content-type", "log", "--trials", "1"],
        ["tune", "export", "headroom-log", "--storage", "sqlite:///OUT/optuna.db"],
    ],
)
def test_commands_without_the_evals_extra_say_what_to_install(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "log").mkdir()
    (tmp_path / "log" / "a.log").write_text("2026-12-03 INFO ok\n" * 50, encoding="utf-8")
    _without(monkeypatch, "optuna")
    args = [a.replace("CORPUS", str(tmp_path)).replace("OUT", str(tmp_path / "out")) for a in argv]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "pip install 'headroom[evals]'" in " ".join(result.output.split())
    assert "Traceback" not in result.output
