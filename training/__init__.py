"""Training pipeline for Kompress, the keep/drop word labeller behind the prose compressor.

Data (weak labels from QA sets and agent traces, aligned pairs, a teacher model) becomes
``datasets.Dataset`` rows of ``words``, ``labels``, ``must_keep`` and ``source``; a LoRA adapter
plus a classification head is trained on a small encoder and exported in the runtime's
``kompress/1`` model-directory format. Nothing here is imported by ``import headroom``.
"""

from training.config import TrainConfig, config_hash, load_config

__all__ = ["TrainConfig", "config_hash", "load_config"]
