"""The memory eval's figures for the README: recall@k and injection cost per split, and search latency.

Runs ``evals.memory`` (the LoCoMo-style set built from the corpus's agent traces: facts saved in
earlier sessions of a project, questions asked in later ones) on ``tune`` and ``test``, on SQLite
(default) or Redis, then times ``search`` on one memory holding every ``tune`` fact.

    python benchmarks/memory_eval.py --corpus ../shared/corpus
    python benchmarks/memory_eval.py --corpus ../shared/corpus --redis-url redis://:pw@127.0.0.1:6379/0 --json out.json
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _bench_common import emit_json, machine

from evals.memory import build, run_splits
from headroom.memory import MemoryStore, RedisMemory, SqliteMemory


def search_latency(corpus: Path, store: MemoryStore) -> dict[str, Any]:
    """Milliseconds per search over every tune question, on one project holding every tune fact."""
    projects = build(corpus, "tune")
    for project in projects:
        for facts, _ in project.sessions:
            for fact in facts:
                store.save("bench", fact.content, agent=fact.agent)
    queries = [q.query for project in projects for _, questions in project.sessions for q in questions]
    times = []
    for query in queries * 3:
        start = time.perf_counter()
        store.search("bench", query, k=10)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return {
        "facts": store.stats("bench").facts,
        "searches": len(times),
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(times[int(len(times) * 0.95)], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--redis-url", default=None)
    parser.add_argument("--budget", type=int, default=400)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    figures = run_splits(args.corpus, ["tune", "test"], redis_url=args.redis_url, budget=args.budget)
    with tempfile.TemporaryDirectory() as folder:
        store: MemoryStore = (
            RedisMemory(args.redis_url, namespace=f"headroom-memory-bench:{Path(folder).name}")
            if args.redis_url
            else SqliteMemory(Path(folder) / "bench.sqlite3")
        )
        try:
            latency = search_latency(args.corpus, store)
            for fact in store.recent("bench", limit=10_000):
                store.forget("bench", fact.id)
        finally:
            store.close()
    backend = "redis" if args.redis_url else "sqlite"
    emit_json({"backend": backend, "machine": machine(), "splits": figures, "search": latency}, args.json)


if __name__ == "__main__":
    main()
