"""Open a model's cached ONNX export without torch, transformers or peft (the cold start that matters).

The first load of a model exports it (torch, transformers and peft: seconds) and caches the
export keyed by the weights' content; every later process finds that file from the weights'
remembered digests and needs only onnxruntime and the ``tokenizers`` library, which load in a
fraction of a second. ``None`` from these functions means "no usable export yet": the caller
takes the full path, which writes one.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from headroom.kompress._onnx import OnnxClassifier, OnnxEncoder, export_path
from headroom.kompress._tokens import FastTokenizer, fast_tokenizer

if TYPE_CHECKING:
    from headroom.kompress._model import ModelSpec


def classifier_dirs(spec: ModelSpec) -> list[Path]:
    """The folders whose files identify the merged classifier (base, plus the adapter if any)."""
    return [spec.weights] if spec.adapter is None else [spec.weights, spec.adapter]


def cached_classifier(
    spec: ModelSpec, quantize: bool, threads: int
) -> tuple[FastTokenizer, OnnxClassifier] | None:
    """The tokenizer and an ONNX session on the classifier's cached export, when both are at hand."""
    path = export_path(classifier_dirs(spec), quantize)
    config = _config(spec.weights)
    if not path.is_file() or config is None:
        return None
    tokenizer = fast_tokenizer(spec.tokenizer)
    if tokenizer is None or tokenizer.cls_token_id is None or tokenizer.sep_token_id is None:
        return None
    return tokenizer, OnnxClassifier(path, config, threads)


def cached_encoder(folder: Path, quantize: bool, threads: int) -> tuple[FastTokenizer, OnnxEncoder] | None:
    """The tokenizer and an ONNX session on the sentence encoder's cached export, when both are at hand."""
    path = export_path([folder], quantize, head="embedding")
    if not path.is_file():
        return None
    tokenizer = fast_tokenizer(folder)
    return None if tokenizer is None else (tokenizer, OnnxEncoder(path, threads))


def _config(weights: Path) -> Any:
    """The fields of ``config.json`` the runtime reads (position table size, model type)."""
    try:
        data = json.loads((weights / "config.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    return SimpleNamespace(
        max_position_embeddings=data.get("max_position_embeddings"), model_type=data.get("model_type", "")
    )
