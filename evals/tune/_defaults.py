"""Defaults every study shares, in one place: settings, suites, the CLI and the exporter read them here."""

from __future__ import annotations

from pathlib import Path

DEFAULT_DELTA = 0.02
"""Largest tolerated drop of a study's quality measure (retention; shaping: token F1) below the baseline's."""
DEFAULT_OUT = Path(".headroom/tune")
"""Folder for the optuna storage, the mlflow store and each study's artifacts."""
DEFAULT_EXPORT_DIR = Path("configs/policies/tuned")
"""Where ``headroom tune export`` writes policies."""
DEFAULT_TRIALS = 200
"""Trials per corpus study."""
DEFAULT_SHAPING_TRIALS = 40
"""Every shaping trial sends every case to the provider, so the default is far below the corpus studies'."""
FACTS_SEED = 0
"""Facts are drawn with a fixed seed so studies with different sampler seeds share a yardstick."""
