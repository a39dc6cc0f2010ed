"""A command whose extra is not installed names the extra to install, never a traceback."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from types import ModuleType

import pytest
from click.testing import CliRunner

from headroom.cli import cli
from headroom.errors import MissingDependency
from headroom.extras import needs_extra, require


def test_a_missing_third_party_module_names_the_extra() -> None:
    with (
        pytest.raises(MissingDependency, match=r"'optuna'.*pip install 'headroom\[evals\]'"),
        needs_extra("evals"),
    ):
        raise ModuleNotFoundError("No module named 'optuna'", name="optuna")


def test_our_own_broken_imports_stay_bugs() -> None:
    with pytest.raises(ModuleNotFoundError), needs_extra("evals"):
        raise ModuleNotFoundError("No module named 'evals.tune._gone'", name="evals.tune._gone")


def test_require_imports_what_is_there() -> None:
    assert require("json", "evals").dumps([1]) == "[1]"


def test_require_turns_an_injected_import_failure_into_the_install_line() -> None:
    def broken(name: str) -> ModuleType:
        raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    with pytest.raises(MissingDependency, match=r"'mlflow'.*pip install 'headroom\[train\]'"):
        require("mlflow.tracking", "train", importer=broken)


def test_require_of_our_own_broken_module_stays_a_bug() -> None:
    def broken(name: str) -> ModuleType:
        raise ModuleNotFoundError("No module named 'evals.gone'", name="evals.gone")

    with pytest.raises(ModuleNotFoundError):
        require("evals.gone", "evals", importer=broken)


def _without(monkeypatch: pytest.MonkeyPatch, package: str) -> None:
    """Make ``package`` unimportable, and forget our modules that imported it."""
    ours = ("evals", "training")
    for name in [m for m in sys.modules if m in ours or m.startswith(tuple(f"{p}." for p in ours))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, package, None)


SUITE = Path(__file__).resolve().parents[1] / "configs" / "suites" / "demo.yaml"


@pytest.mark.parametrize(
    ("argv", "missing", "extra", "exit_code"),
    [
        (["tune", "--corpus", "CORPUS", "--content-type", "log", "--trials", "1"], "optuna", "evals", 2),
        (["tune", "export", "headroom-log", "--storage", "sqlite:///OUT/optuna.db"], "optuna", "evals", 2),
        (["eval", "run", "--suite", "SUITE", "--no-mlflow", "--json"], "httpx", "evals", 2),
        (
            ["eval", "gate", "--suite", "SUITE", "--baseline", "default", "--candidate", "default"],
            "httpx",
            "evals",
            1,
        ),
        (["eval", "replay", "CORPUS/log/a.log"], "numpy", "evals", 2),
        (["train", "--out", "OUT", "--set", "data.root=CORPUS/qa"], "torch", "train", 1),
    ],
)
def test_commands_without_their_extra_say_what_to_install(
    argv: list[str], missing: str, extra: str, exit_code: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "log").mkdir()
    (tmp_path / "log" / "a.log").write_text("2026-12-03 INFO ok\n" * 50, encoding="utf-8")
    (tmp_path / "qa").mkdir()
    record = {
        "context": "The cache lives in Oslo. " * 20,
        "question": "Where is the cache?",
        "answers": ["Oslo"],
    }
    (tmp_path / "qa" / "q.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    _without(monkeypatch, missing)
    replaced = {"CORPUS": str(tmp_path), "OUT": str(tmp_path / "out"), "SUITE": str(SUITE)}
    args = [_fill(a, replaced) for a in argv]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == exit_code, result.output
    assert f"pip install 'headroom[{extra}]'" in " ".join(result.output.split())
    assert "Traceback" not in result.output


def _fill(arg: str, replaced: dict[str, str]) -> str:
    for key, value in replaced.items():
        arg = arg.replace(key, value)
    return arg
