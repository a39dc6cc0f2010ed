"""ONNX Runtime backend for Kompress: export the loaded model once, quantize it to int8, run it.

The merged token classifier is exported with ``torch.onnx.export`` (dynamic batch and sequence
axes), optionally quantized with ``onnxruntime.quantization.quantize_dynamic`` (per-channel int8
weights), and cached under the user cache dir keyed by a hash of the weight files, the options
and the library versions, so the export cost is paid once per model. At inference the session
stands in for the torch module: :class:`OnnxClassifier` is called like a Hugging Face model and
returns an object whose ``logits`` is a torch tensor.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

Backend = Literal["auto", "torch", "onnx"]
Head = Literal["logits", "embedding"]
OPSET = 17
_INPUTS = ("input_ids", "attention_mask")
_WEIGHT_SUFFIXES = (".json", ".safetensors", ".bin", ".txt", ".model")
_HASH_BLOCK = 1 << 20
log = logging.getLogger(__name__)


@functools.cache
def onnx_missing() -> tuple[str, ...]:
    """The modules the ONNX backend needs that cannot be imported (empty when it can run)."""
    return tuple(n for n in ("onnxruntime", "onnx") if importlib.util.find_spec(n) is None)


def resolve_backend(backend: Backend) -> Literal["torch", "onnx"]:
    """``auto`` → ``onnx`` when onnxruntime and onnx import, else ``torch``."""
    if backend == "auto":
        return "torch" if onnx_missing() else "onnx"
    return backend


def cache_dir() -> Path:
    """Where exported models are kept (``HEADROOM_CACHE_DIR`` overrides the platform cache dir)."""
    root = os.environ.get("HEADROOM_CACHE_DIR")
    if root:
        return Path(root).expanduser() / "kompress-onnx"
    import platformdirs

    return Path(platformdirs.user_cache_dir("headroom")) / "kompress-onnx"


def content_hash(dirs: list[Path], options: str) -> str:
    """Hash of the weight and config files in ``dirs`` (contents, not times) plus ``options``.

    Each file's digest is remembered by path, size and modification time (``digests.json`` in the
    cache dir), so a process that loads a cached export reads no weights to find it.
    """
    memo = _DigestMemo(cache_dir() / "digests.json")
    digest = hashlib.sha256(options.encode())
    for folder in dirs:
        for path in sorted(p for p in folder.iterdir() if p.is_file() and p.suffix in _WEIGHT_SUFFIXES):
            digest.update(path.name.encode())
            digest.update(memo.digest(path).encode())
    memo.save()
    return digest.hexdigest()[:24]


class _DigestMemo:
    """File digests keyed by ``path|size|mtime_ns``; a changed file gets a new key, hence a new digest."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._changed = False
        try:
            loaded = json.loads(path.read_text(encoding="utf-8"))
            self._known: dict[str, str] = loaded if isinstance(loaded, dict) else {}
        except (OSError, ValueError):
            self._known = {}

    def digest(self, path: Path) -> str:
        stat = path.stat()
        key = f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
        found = self._known.get(key)
        if found is None:
            found = _file_digest(path)
            self._known[key] = found
            self._changed = True
        return found

    def save(self) -> None:
        if not self._changed:
            return
        try:
            self._path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self._path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps(self._known, sort_keys=True), encoding="utf-8")
            tmp.replace(self._path)  # atomic: a concurrent reader sees the old or the new file
        except OSError as exc:  # a read-only cache only costs the hashing next time
            log.debug("kompress: digest memo not saved: %s", exc)


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "none"


def options_key(quantize: bool) -> str:
    """The export options and library versions an exported file depends on (no heavy import)."""
    return f"v3;opset={OPSET};int8={quantize};torch={_version('torch')};ort={_version('onnxruntime')}"


def export(model: Any, path: Path, head: Head = "logits") -> None:
    """Export a model taking ``input_ids`` and ``attention_mask`` to ONNX at ``path``.

    ``head``: ``logits`` for a token classifier; ``embedding`` for an encoder, mean-pooled over
    the attention mask and L2-normalised inside the graph (one vector per sequence).
    """
    import torch

    ids = torch.ones((2, 16), dtype=torch.long)
    dynamic: dict[str, dict[int, str]] = {name: {0: "batch", 1: "sequence"} for name in _INPUTS}
    dynamic[head] = {0: "batch", 1: "sequence"} if head == "logits" else {0: "batch"}
    with _quiet(), torch.inference_mode(), _eager_attention(model):
        torch.onnx.export(
            _single_output(model, head),
            (ids, torch.ones_like(ids)),
            str(path),
            input_names=list(_INPUTS),
            output_names=[head],
            dynamic_axes=dynamic,
            opset_version=OPSET,
            dynamo=False,
        )


def quantize(src: Path, dst: Path) -> None:
    """Dynamic int8 quantization (per-channel QInt8 weights) of the ONNX model at ``src``."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # the quantizer logs pre-processing advice on the root logger
    try:
        with _quiet():
            quantize_dynamic(str(src), str(dst), per_channel=True, weight_type=QuantType.QInt8)
    finally:
        root.setLevel(level)


def export_path(weight_dirs: list[Path], int8: bool, head: Head = "logits") -> Path:
    """Where the export of the model in ``weight_dirs`` lives (whether or not it exists yet)."""
    key = content_hash(weight_dirs, options_key(int8) + ("" if head == "logits" else f";head={head}"))
    return cache_dir() / f"{key}{'.int8' if int8 else ''}.onnx"


def exported_model(model: Any, weight_dirs: list[Path], int8: bool, head: Head = "logits") -> Path:
    """The cached ONNX file for ``model`` (exporting, and quantizing, on first use)."""
    target = export_path(weight_dirs, int8, head)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        fp32 = Path(tmp) / "model.onnx"
        export(model, fp32, head)
        final = Path(tmp) / "final.onnx"
        if int8:
            quantize(fp32, final)
        else:
            fp32.replace(final)
        # Written under a temporary name then renamed: a concurrent loader never sees a partial file.
        final.replace(target)
    log.info("kompress: exported ONNX model to %s", target)
    return target


@dataclass(frozen=True)
class _Output:
    logits: Any


class OnnxClassifier:
    """An onnxruntime session that answers like a Hugging Face token classifier."""

    def __init__(self, path: Path, config: Any, threads: int) -> None:
        self.session = _session(path, threads)
        self.config = config
        self.path = path

    def __call__(self, input_ids: Any, attention_mask: Any) -> _Output:
        """Torch tensors in, an object with torch ``logits`` out (as the Hugging Face model answers)."""
        import torch

        return _Output(torch.from_numpy(self.logits(input_ids.numpy(), attention_mask.numpy())))

    def logits(self, input_ids: Any, attention_mask: Any) -> Any:
        """Int64 numpy inputs → float32 numpy logits (batch, sequence, labels); no torch involved."""
        (logits,) = self.session.run(["logits"], {"input_ids": input_ids, "attention_mask": attention_mask})
        return logits


def onnx_classifier(model: Any, weight_dirs: list[Path], int8: bool, threads: int) -> OnnxClassifier:
    """Export (or reuse the cached export of) ``model`` and open an inference session on it."""
    return OnnxClassifier(exported_model(model, weight_dirs, int8), model.config, threads)


class OnnxEncoder:
    """An onnxruntime session over an encoder exported with the ``embedding`` head."""

    def __init__(self, path: Path, threads: int) -> None:
        self.session = _session(path, threads)

    def __call__(self, input_ids: Any, attention_mask: Any) -> Any:
        """Unit-length embeddings (numpy, one row per sequence) for int64 numpy inputs."""
        feeds = {"input_ids": input_ids, "attention_mask": attention_mask}
        (vectors,) = self.session.run(["embedding"], feeds)
        return vectors


def onnx_encoder(model: Any, weight_dirs: list[Path], int8: bool, threads: int) -> OnnxEncoder:
    """Export (or reuse the cached export of) a sentence encoder and open a session on it."""
    return OnnxEncoder(exported_model(model, weight_dirs, int8, head="embedding"), threads)


def _session(path: Path, threads: int) -> Any:
    """An inference session on ``path``, from its saved optimized graph when there is one.

    Optimizing the graph is most of what opening a session costs (0.3 s against 0.09 s
    measured); the first session writes the optimized graph next to the export (under a
    temporary name, then renamed), and later processes open that with optimization off.
    """
    import onnxruntime as ort

    optimized = path.with_name(path.name.removesuffix(".onnx") + ".opt.onnx")
    if optimized.is_file():
        try:
            return ort.InferenceSession(
                str(optimized), _options(ort, threads, ort.GraphOptimizationLevel.ORT_DISABLE_ALL),
                providers=["CPUExecutionProvider"],
            )  # fmt: skip
        except Exception as exc:  # a damaged file: optimize again from the export
            log.warning("kompress: saved optimized graph %s unusable (%s); rebuilding", optimized, exc)
    options = _options(ort, threads, ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED)
    partial = optimized.with_name(f"{optimized.name}.{os.getpid()}.tmp")
    options.optimized_model_filepath = str(partial)
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    with contextlib.suppress(OSError):  # a read-only cache only costs the optimization next time
        partial.replace(optimized)
    return session


def _options(ort: Any, threads: int, level: Any) -> Any:
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = level
    # Idle worker threads sleep instead of spinning: on a shared CPU (a proxy, other processes)
    # spinning burns the cores the other work needs, and measured slower here under load.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return options


def mean_pool(hidden: Any, attention_mask: Any) -> Any:
    """Sentence-transformers pooling: the mean of the unmasked token states, L2-normalised."""
    import torch

    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
    return torch.nn.functional.normalize(pooled, dim=-1)


def _single_output(model: Any, head: Head) -> Any:
    """Wrap the HF model so the exported graph has exactly one output named ``head``."""
    import torch

    class SingleOutput(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            out = self.inner(input_ids=input_ids, attention_mask=attention_mask)
            return out.logits if head == "logits" else mean_pool(out.last_hidden_state, attention_mask)

    return SingleOutput()


@contextlib.contextmanager
def _eager_attention(model: Any) -> Iterator[None]:
    """Trace the plain attention: the tracer decomposes torch's SDPA into a graph about 1.5x slower."""
    setter = getattr(model, "set_attn_implementation", None)
    before = getattr(model.config, "_attn_implementation", None)
    if setter is None or before in (None, "eager"):
        yield
        return
    try:
        setter("eager")
    except (ValueError, NotImplementedError):  # a model without an eager path exports as it is
        yield
        return
    try:
        yield
    finally:
        setter(before)


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """Silence exporter and quantizer warnings (tracer notices, pre-processing hints) for one block."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        yield
