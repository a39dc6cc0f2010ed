"""Packages meet at public seams: no package imports another package's private module.

``headroom``, ``evals`` and ``training`` may change their private modules (``_x``) freely; an
import of one across packages would break on the first refactor. Tests and benchmarks are not
covered here: tests are white-box on purpose, and benchmarks still reach into compressor
internals (listed in the README as work left).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("headroom", "evals", "training")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append(node.module)
            found.extend(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.extend(alias.name for alias in node.names)
    return found


def _crossings(package: str) -> list[str]:
    bad = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for module in _imports(path):
            parts = module.split(".")
            if parts[0] in PACKAGES and parts[0] != package and any(p.startswith("_") for p in parts[1:]):
                bad.append(f"{path.relative_to(ROOT)} imports {module}")
    return bad


@pytest.mark.parametrize("package", PACKAGES)
def test_no_package_imports_another_packages_private_module(package: str) -> None:
    assert _crossings(package) == []


def test_the_check_sees_a_private_crossing(tmp_path: Path) -> None:
    sample = tmp_path / "x.py"
    sample.write_text("from headroom._text import words\nfrom headroom.text import BM25\n", encoding="utf-8")
    assert "headroom._text" in _imports(sample) and "headroom.text.BM25" in _imports(sample)
