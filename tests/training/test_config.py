"""The training config: YAML, dotted overrides, hash, split discipline."""

from __future__ import annotations

from pathlib import Path

import pytest

from headroom.errors import ConfigError
from training.config import config_hash, load_config
from training.data import check_disjoint

CONFIGS = Path(__file__).resolve().parents[2] / "configs" / "training"


@pytest.mark.parametrize("name", ["default.yaml", "tiny.yaml", "corpus.yaml"])
def test_shipped_configs_load(name: str) -> None:
    config = load_config(CONFIGS / name)
    # corpus.yaml names the shipped model's files; the others find the files under data.root.
    assert bool(config.data.sources) == (name == "corpus.yaml")
    check_disjoint(config.data)


def test_packaged_recipe_is_the_documented_default() -> None:
    from training.cli import DEFAULT_RECIPE

    assert DEFAULT_RECIPE.read_bytes() == (CONFIGS / "default.yaml").read_bytes()


def test_overrides_change_values_and_hash() -> None:
    base = load_config(CONFIGS / "tiny.yaml")
    changed = load_config(CONFIGS / "tiny.yaml", ["lora.r=16", "optim.learning_rate=1e-4", "data.root=/x"])
    assert (changed.lora.r, changed.optim.learning_rate, changed.data.root) == (16, 1e-4, "/x")
    assert config_hash(base) != config_hash(changed)
    assert config_hash(base) == config_hash(load_config(CONFIGS / "tiny.yaml"))


@pytest.mark.parametrize("override", ["lora.r", "optim.nope=1", "lora.r=-1", "seed.x=1"])
def test_bad_overrides_are_config_errors(override: str) -> None:
    with pytest.raises(ConfigError):
        load_config(CONFIGS / "tiny.yaml", [override])


def test_a_file_in_two_splits_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "data:\n  sources:\n    - {kind: squad, path: a.json, split: train}\n"
        "    - {kind: squad, path: ./a.json, split: test}\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match="both"):
        check_disjoint(load_config(path).data)
