from __future__ import annotations

from pathlib import Path

import pytest

from evals.suite import load_suite

REPO = Path(__file__).resolve().parents[2]


def test_user_policy_paths_resolve_from_where_the_user_stands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "mine.yaml").write_text("name: mine\nlog:\n  tail_lines: 3\n")
    monkeypatch.chdir(tmp_path)
    suite = load_suite(REPO / "configs" / "suites" / "demo.yaml")
    assert suite.policy("mine.yaml").log.tail_lines == 3
    assert suite.policy("degraded").name != "default", "suite entries still resolve from the suite file"
