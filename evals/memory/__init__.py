"""The memory eval: recall of facts saved in earlier sessions, and the token cost of injecting them.

``python -m evals.memory`` (or ``headroom eval memory``) builds a LoCoMo-style set from a corpus's
agent traces, split by split, and runs it through a real memory store.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from evals.memory._dataset import Fact, Project, Question, anchors, build
from evals.memory._run import KS, evaluate
from headroom.memory import MemoryStore, RedisMemory, SqliteMemory

__all__ = ["Fact", "KS", "Project", "Question", "anchors", "build", "evaluate", "run_splits"]


def run_splits(
    corpus: Path, splits: Sequence[str], *, redis_url: str | None = None, budget: int = 400
) -> dict[str, Any]:
    """Each split's figures, each on a fresh memory (a temporary SQLite file, or a Redis namespace)."""
    results: dict[str, Any] = {}
    for split in splits:
        projects = build(corpus, split)
        with tempfile.TemporaryDirectory(prefix="headroom-memory-eval-") as folder:
            results[split] = evaluate(projects, _opener(Path(folder), split, redis_url), budget)
    return results


def _opener(folder: Path, split: str, redis_url: str | None) -> Any:
    def open_store() -> MemoryStore:
        if redis_url is None:
            return SqliteMemory(folder / "memory.sqlite3")
        return RedisMemory(redis_url, namespace=f"headroom-memory-eval:{folder.name}:{split}")

    return open_store
