from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import pytest

HEAVY = ("torch", "transformers", "optuna", "mlflow")


def test_import_headroom_stays_light() -> None:
    # Structured content and extractive prose never need the model: torch stays unimported.
    code = (
        "import sys, json, headroom, headroom.cli; from headroom.policy import Policy, ProsePolicy; "
        "headroom.compress_text(json.dumps([{'id': i, 'ok': True} for i in range(200)])); "
        "headroom.compress_text('x ' * 500, Policy(prose=ProsePolicy(engine='extractive'))); "
        f"print([m for m in {HEAVY!r} if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("root", ["headroom", "evals", "training"])
def test_every_package_all_is_sorted_and_resolvable(root: str) -> None:
    package = importlib.import_module(root)
    for info in pkgutil.walk_packages(package.__path__, f"{root}."):
        if not info.ispkg or info.name.endswith("__main__"):
            continue
        module = importlib.import_module(info.name)
        exported = getattr(module, "__all__", None)
        if exported is None:
            continue
        assert list(exported) == sorted(exported), info.name
        for name in exported:
            assert hasattr(module, name), f"{info.name}.{name}"


def test_error_tree_is_rooted() -> None:
    from headroom import errors

    for name in dir(errors):
        obj = getattr(errors, name)
        if isinstance(obj, type) and issubclass(obj, Exception) and obj.__module__ == errors.__name__:
            assert issubclass(obj, errors.HeadroomError), name
