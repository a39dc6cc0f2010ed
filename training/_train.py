"""The training loop: seeded LoRA fine-tuning with weighted must-keep loss, resumable checkpoints,
checkpoint selection on must-keep recall and keep-F1, an mlflow run, and export."""

from __future__ import annotations

import json
import math
import random
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from headroom.errors import ConfigError
from training._evaluate import evaluate_split, selection_key
from training._export import export_merged, export_model
from training._features import Chunk, chunk_dataset, collate
from training._model import build_model, device, keep_probabilities, load_tokenizer
from training._runinfo import git_state, hardware, versions
from training._track import Tracker, tracking
from training.config import TrainConfig, config_hash
from training.data import build_datasets, resolved_sources

CHECKPOINT = "checkpoint"
BEST = "best"


@dataclass
class State:
    """Progress that a resumed run continues from."""

    config_hash: str
    step: int = 0
    examples: int = 0
    seconds: float = 0.0
    best_key: list[float] = field(default_factory=list)
    best_step: int = -1
    best_metrics: dict[str, float] = field(default_factory=dict)


@dataclass
class Prepared:
    """Everything the loop needs."""

    config: TrainConfig
    out: Path
    tokenizer: Any
    model: Any
    rows: dict[str, Any]
    chunks: dict[str, list[Chunk]]
    manifest: list[dict[str, Any]]


@dataclass(frozen=True)
class RunResult:
    """What a finished run produced."""

    model_dir: Path
    metrics: dict[str, float]
    config_hash: str
    steps: int
    examples_per_second: float


def seed_everything(seed: int) -> None:
    """Seed Python, and torch on every device."""
    import torch

    random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


def prepare(config: TrainConfig, out: Path) -> Prepared:
    """Build the data, tokenizer and LoRA model."""
    # Files are found and sniffed before torch loads: a wrong data.root fails in a second, not ten.
    sources = resolved_sources(config.data)
    import torch

    seed_everything(config.seed)
    if config.threads:
        torch.set_num_threads(config.threads)
    rows, manifest = build_datasets(config.data, sources)
    if len(rows["train"]) == 0:
        raise ConfigError(
            "no training rows: the train split is empty (files under data.root outside validation/ and "
            "test/, or data.sources with split: train, holding at least one labelled text)"
        )
    tokenizer = load_tokenizer(config.base)
    chunks = {split: chunk_dataset(ds, tokenizer, config.max_length) for split, ds in rows.items()}
    model = build_model(config).to(device())
    return Prepared(config, out, tokenizer, model, rows, chunks, manifest)


def train(config: TrainConfig, out: Path, progress: bool = True) -> RunResult:
    """Train, select the best checkpoint, evaluate on validation and test, export to ``out/model``."""
    digest = config_hash(config)
    _check_owner(out, digest)
    prep = prepare(config, out)
    tags = {
        "config_hash": digest,
        "seed": str(config.seed),
        **git_state(),
        **_prefixed(versions(), "version."),
    }
    tags.update(_prefixed(hardware(), "hardware."))
    with tracking(config, out, tags) as tracker:
        tracker.artifact_json("data_manifest.json", prep.manifest)
        state = _loop(prep, digest, tracker, progress)
        _restore(prep.model, out / BEST if (out / BEST).exists() else out / CHECKPOINT)
        metrics = _final_metrics(prep, tracker, state)
        training = _training_info(config, digest, state, tags, prep.manifest)
        model_dir = export_model(prep.model, config, out / "model", metrics, training)
        if config.merged:
            export_merged(prep.model, prep.tokenizer, out / "merged")
        tracker.artifact_dir(model_dir, "model")
    rate = state.examples / state.seconds if state.seconds else 0.0
    return RunResult(model_dir, metrics, digest, state.step, rate)


def _prefixed(values: dict[str, str], prefix: str) -> dict[str, str]:
    return {f"{prefix}{k}": v for k, v in values.items()}


def _optimiser(prep: Prepared) -> tuple[Any, Any, int]:
    import torch
    from transformers import get_linear_schedule_with_warmup

    optim = prep.config.optim
    per_epoch = math.ceil(len(prep.chunks["train"]) / optim.batch_size)
    total = optim.max_steps or max(1, math.ceil(per_epoch * optim.epochs))
    params = [p for p in prep.model.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW(params, lr=optim.learning_rate, weight_decay=optim.weight_decay)
    scheduler = get_linear_schedule_with_warmup(  # type: ignore[no-untyped-call]
        optimiser, int(optim.warmup_ratio * total), total
    )
    return optimiser, scheduler, total


def _loop(prep: Prepared, digest: str, tracker: Tracker, progress: bool) -> State:
    from tqdm.auto import tqdm

    optimiser, scheduler, total = _optimiser(prep)
    state = _resume(prep, digest, optimiser, scheduler)
    budget = prep.config.optim.max_seconds
    bar = tqdm(total=total, initial=state.step, desc="train", unit="step", disable=not progress)
    while state.step < total:
        started = time.monotonic()
        loss = _step(prep, _batch(prep, state.step), optimiser, scheduler)
        state.seconds += time.monotonic() - started
        state.step += 1
        state.examples += len(_batch(prep, state.step - 1))
        bar.update(1)
        bar.set_postfix(loss=f"{loss:.4f}")
        tracker.metrics({"loss": loss}, state.step, "train.")
        out_of_time = budget is not None and state.seconds >= budget
        if state.step % prep.config.optim.eval_every == 0 or state.step == total or out_of_time:
            _checkpoint(prep, state, tracker, optimiser, scheduler)
        if out_of_time:
            break
    bar.close()
    return state


def _batch(prep: Prepared, step: int) -> list[Chunk]:
    # The order of each epoch is a function of (seed, epoch), so a resumed run sees the same batches.
    chunks = prep.chunks["train"]
    size = prep.config.optim.batch_size
    per_epoch = math.ceil(len(chunks) / size)
    epoch, offset = divmod(step, per_epoch)
    order = list(range(len(chunks)))
    random.Random(prep.config.seed * 1_000_003 + epoch).shuffle(order)
    return [chunks[i] for i in order[offset * size : (offset + 1) * size]]


def _step(prep: Prepared, batch: list[Chunk], optimiser: Any, scheduler: Any) -> float:
    import torch

    where = device()
    prep.model.train()
    inputs = {
        k: v.to(where) for k, v in collate(batch, prep.tokenizer, prep.config.optim.must_keep_weight).items()
    }
    autocast = torch.autocast("cuda", dtype=torch.bfloat16) if where.type == "cuda" else _null()
    with autocast:
        logits = prep.model(input_ids=inputs["input_ids"], attention_mask=inputs["attention_mask"]).logits
    losses = torch.nn.functional.cross_entropy(
        logits.float().view(-1, logits.shape[-1]),
        inputs["labels"].view(-1),
        ignore_index=-100,
        reduction="none",
    )
    weights = inputs["weights"].view(-1)
    loss = (losses * weights).sum() / weights.sum().clamp(min=1.0)
    loss.backward()  # type: ignore[no-untyped-call]
    torch.nn.utils.clip_grad_norm_([p for p in prep.model.parameters() if p.requires_grad], 1.0)
    optimiser.step()
    scheduler.step()
    optimiser.zero_grad(set_to_none=True)
    return float(loss.detach())


def _null() -> Any:
    import contextlib

    return contextlib.nullcontext()


def _measure(prep: Prepared, split: str) -> dict[str, float]:
    probs = keep_probabilities(
        prep.model, prep.tokenizer, prep.chunks[split], prep.config.optim.batch_size * 2
    )
    return evaluate_split(prep.rows[split], probs, prep.config.select.threshold)


def _checkpoint(prep: Prepared, state: State, tracker: Tracker, optimiser: Any, scheduler: Any) -> None:
    split = "validation" if prep.chunks["validation"] else "train"
    metrics = _measure(prep, split)
    tracker.metrics(metrics, state.step, "validation.")
    key = list(selection_key(metrics, prep.config.select.recall_target))
    if not state.best_key or key > state.best_key:
        state.best_key, state.best_step, state.best_metrics = key, state.step, metrics
        _save_adapter(prep.model, prep.out / BEST)
    _save_checkpoint(prep, state, optimiser, scheduler)


def _save_adapter(model: Any, folder: Path) -> None:
    if folder.exists():
        shutil.rmtree(folder)
    model.save_pretrained(str(folder))


def _save_checkpoint(prep: Prepared, state: State, optimiser: Any, scheduler: Any) -> None:
    import torch

    folder = prep.out / CHECKPOINT
    _save_adapter(prep.model, folder)
    torch.save(
        {"optimiser": optimiser.state_dict(), "scheduler": scheduler.state_dict()}, folder / "optim.pt"
    )
    (folder / "state.json").write_text(json.dumps(asdict(state), indent=2), encoding="utf-8")


def _resume(prep: Prepared, digest: str, optimiser: Any, scheduler: Any) -> State:
    import torch

    folder = prep.out / CHECKPOINT
    if not (folder / "state.json").is_file():
        return State(digest)
    saved = json.loads((folder / "state.json").read_text(encoding="utf-8"))
    _restore(prep.model, folder)
    optim = torch.load(folder / "optim.pt", weights_only=False)
    optimiser.load_state_dict(optim["optimiser"])
    scheduler.load_state_dict(optim["scheduler"])
    return State(**saved)


def _check_owner(out: Path, digest: str) -> None:
    state = out / CHECKPOINT / "state.json"
    if state.is_file():
        owner = json.loads(state.read_text(encoding="utf-8")).get("config_hash")
        if owner != digest:
            raise ConfigError(f"{out} holds a run of another config ({owner}); use a new --out")


def _restore(model: Any, folder: Path) -> None:
    from peft import set_peft_model_state_dict
    from safetensors.torch import load_file

    set_peft_model_state_dict(model, load_file(str(folder / "adapter_model.safetensors")))


def _final_metrics(prep: Prepared, tracker: Tracker, state: State) -> dict[str, float]:
    metrics: dict[str, float] = {}
    for split in ("validation", "test"):
        if prep.chunks[split]:
            measured = _measure(prep, split)
            tracker.metrics(measured, state.step, f"final.{split}.")
            metrics.update({f"{split}.{k}": round(v, 4) for k, v in measured.items()})
    return metrics


def _training_info(
    config: TrainConfig, digest: str, state: State, tags: dict[str, str], manifest: list[dict[str, Any]]
) -> dict[str, Any]:
    return {
        "config_hash": digest,
        "config": config.model_dump(mode="json"),
        "seed": config.seed,
        "steps": state.step,
        "best_step": state.best_step,
        "train_seconds": round(state.seconds, 1),
        "train_examples_per_second": round(state.examples / state.seconds, 2) if state.seconds else 0.0,
        "run": tags,
        "data": manifest,
    }
