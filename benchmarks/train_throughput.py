"""Kompress training throughput: sequences/s of the real training step, by sequence length and batch.

    python benchmarks/train_throughput.py [--config YAML] [--lengths 128 256 512]
        [--batch-sizes 16] [--steps 20] [--warmup 3] [--threads N] [--base DIR] [--json PATH]

Each measurement builds the LoRA model of the training recipe (default:
configs/training/default.yaml; rank, alpha, target modules and the classifier in
``modules_to_save``) and times ``training._train._step`` — the very step ``headroom train`` runs:
collation, forward (bf16 autocast on CUDA, fp32 on CPU), the must-keep-weighted loss, backward,
gradient clipping, AdamW and the scheduler — on full-length batches of real vocabulary tokens with
one label per word. Speed does not depend on the text, only on the shape, so no corpus is needed;
real training batches are shorter on average (a row's last chunk), so real runs go somewhat faster.

The device is the one training picks: CUDA when torch sees a GPU, else the CPU (hide the GPU with
``CUDA_VISIBLE_DEVICES=`` to time the CPU of a GPU machine). Reported per (length, batch):
sequences/s, tokens/s, ms per step (p50 of the timed steps) and peak memory (CUDA allocator, or
the process's peak RSS on CPU), with the machine and the GPU named. Needs ``[ml]`` (torch,
transformers, peft); no ``datasets``, ``evaluate`` or ``mlflow``.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._bench_common import machine
from training._features import Chunk
from training._model import build_model, device, load_tokenizer
from training._train import Prepared, _optimiser, _step, seed_everything
from training.config import TrainConfig, load_config

DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "configs" / "training" / "default.yaml"
MUST_KEEP_SHARE = 0.1


def synthetic_chunks(tokenizer: Any, length: int, count: int, seed: int) -> list[Chunk]:
    """``count`` chunks that collate to exactly ``length`` positions, one word per token."""
    rng = random.Random(seed)
    special = set(tokenizer.all_special_ids)
    vocabulary = [i for i in range(tokenizer.vocab_size) if i not in special]
    room = length - 2
    chunks = []
    for row in range(count):
        ids = [rng.choice(vocabulary) for _ in range(room)]
        labels = [rng.randint(0, 1) for _ in range(room)]
        must = [rng.random() < MUST_KEEP_SHARE for _ in range(room)]
        chunks.append(Chunk(row, 0, ids, list(range(room)), labels, must))
    return chunks


def gpu_name() -> str | None:
    """The CUDA device's name, or None on CPU."""
    import torch

    return torch.cuda.get_device_name(0) if torch.cuda.is_available() else None


def measure(
    config: TrainConfig, tokenizer: Any, length: int, batch_size: int, steps: int, warmup: int
) -> dict[str, Any]:
    """Time ``steps`` training steps (after ``warmup``) at one (length, batch size)."""
    import torch

    seed_everything(config.seed)
    sized = config.model_copy(
        update={"max_length": length, "optim": config.optim.model_copy(update={"batch_size": batch_size})}
    )
    where = device()
    model = build_model(sized).to(where)
    chunks = synthetic_chunks(tokenizer, length, batch_size * (steps + warmup), config.seed)
    prep = Prepared(sized, Path("."), tokenizer, model, {}, {"train": chunks}, [])
    optimiser, scheduler, _ = _optimiser(prep)
    if where.type == "cuda":
        torch.cuda.reset_peak_memory_stats()
    times = []
    for index in range(steps + warmup):
        batch = chunks[index * batch_size : (index + 1) * batch_size]
        started = time.perf_counter()
        _step(prep, batch, optimiser, scheduler)  # returns float(loss): the device is synchronised
        if index >= warmup:
            times.append(time.perf_counter() - started)
    seconds = sum(times)
    peak = (
        torch.cuda.max_memory_allocated() / 2**20
        if where.type == "cuda"
        else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    )
    del model, optimiser, scheduler, prep
    if where.type == "cuda":
        torch.cuda.empty_cache()
    return {
        "length": length,
        "batch_size": batch_size,
        "steps": steps,
        "sequences_per_second": round(batch_size * steps / seconds, 2),
        "tokens_per_second": round(batch_size * steps * length / seconds),
        "ms_per_step_p50": round(statistics.median(times) * 1000, 1),
        "peak_mib": round(peak),
        "device": where.type,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    parser.add_argument("--lengths", type=int, nargs="+", default=[128, 256, 512])
    parser.add_argument("--batch-sizes", type=int, nargs="+", default=[16])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: the config's)")
    parser.add_argument("--base", default=None, help="base encoder directory (default: the config's)")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    import torch

    config = load_config(args.config)
    if args.base:
        config = config.model_copy(update={"base": args.base})
    threads = args.threads or config.threads
    if threads:
        torch.set_num_threads(threads)
    tokenizer = load_tokenizer(config.base)
    info = {
        **machine(),
        "gpu": gpu_name(),
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "config": str(args.config),
        "lora": config.lora.model_dump(mode="json"),
    }
    print(
        f"machine: {info['cpu']}, {info['cores']} cores, torch {info['torch']}, "
        f"{info['threads']} threads, GPU: {info['gpu'] or 'none'}"
    )
    print(f"{'length':>6} {'batch':>5} {'seq/s':>8} {'tokens/s':>9} {'ms/step':>8} {'peak MiB':>8}")
    results = []
    for length in args.lengths:
        for batch_size in args.batch_sizes:
            row = measure(config, tokenizer, length, batch_size, args.steps, args.warmup)
            results.append(row)
            print(
                f"{length:>6} {batch_size:>5} {row['sequences_per_second']:>8.1f} "
                f"{row['tokens_per_second']:>9} {row['ms_per_step_p50']:>8.1f} {row['peak_mib']:>8}",
                flush=True,
            )
    if args.json:
        args.json.write_text(json.dumps({"machine": info, "results": results}, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
