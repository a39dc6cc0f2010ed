"""The README's training section: its worked example builds, and its table names every config key."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import BaseModel

from training.config import DataConfig, TrainConfig
from training.data import build_datasets, discover

README = Path(__file__).resolve().parents[2] / "README.md"
_EXAMPLE = re.compile(r"<!-- train-example: (\S+) -->\n```\w*\n(.*?)```", re.S)


def _keys(model: type[BaseModel], prefix: str = "") -> set[str]:
    keys: set[str] = set()
    for name, field in model.model_fields.items():
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            keys |= _keys(kind, f"{prefix}{name}.")
        else:
            keys.add(f"{prefix}{name}")
    return keys


def test_worked_example_is_found_labelled_and_split(tmp_path: Path) -> None:
    pytest.importorskip("datasets")
    blocks = _EXAMPLE.findall(README.read_text(encoding="utf-8"))
    assert len(blocks) == 3
    for relative, body in blocks:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(body, encoding="utf-8")
    data = DataConfig(root=str(tmp_path / "my-data"))
    assert {(s.path, s.kind, s.split) for s in discover(data)} == {
        ("train/probes.jsonl", "qa", "train"),
        ("train/handbook.json", "squad", "train"),
        ("test/held-out.jsonl", "qa", "test"),
    }
    rows, _ = build_datasets(data)
    assert (len(rows["train"]), len(rows["test"])) == (2, 1)
    for row in rows["train"]:
        must = {w.strip(".,") for w, m in zip(row["words"], row["must_keep"], strict=True) if m}
        assert must & {"migrate-db", "Priya", "Monday", "09:00"}  # each gold answer was found


def test_config_table_names_every_key() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("**Every config key**") : text.index("How it trains:")]
    documented = {
        key
        for cell in re.findall(r"^\| ([^|]+) \|", section, re.M)
        for key in re.findall(r"`([\w.]+)`", cell)
    }
    assert _keys(TrainConfig) == documented - {"key"}
