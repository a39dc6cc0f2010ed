"""Benchmark policy tuning: trials per minute and default-vs-tuned results per content type.

Usage: ``python benchmarks/tune_corpus.py [--corpus DIR] [--split tune|test|all] [--trials N]
[--content-type T ...] [--out DIR] [--export-dir DIR] [--export-delta D] [--tracking-uri URI]``
(default corpus ``../shared/corpus``, split ``all``).
For each content type it runs (or continues) a seeded study with mlflow tracking, exactly as
``headroom tune`` does, then prints per content type: files, trials run, wall seconds, trials
per minute, cache hits, and the default policy's savings and retention next to the exported
trial's (with bootstrap ci95 over files). With ``--export-dir`` it also writes each tuned
policy there (``headroom tune export`` does the same from the stored study). ``--split`` tunes on
the files the corpus's ``MANIFEST.jsonl`` puts on that side (studies are then named
``headroom-<type>-<split>``); a corpus whose manifest marks no split is measured whole and says
so. Every row reports the split it measured.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._bench_common import corpus_has_splits
from evals.tune import TuneSettings, content_types, export_study, load_study, run_study

REPO = Path(__file__).resolve().parent.parent
STUDY_TYPES = ("json", "log", "code", "diff", "html", "prose", "search", "table")


def main(argv: list[str] | None = None) -> int:
    """Run the studies and print one row per content type."""
    args = _parse(argv)
    if not args.corpus.is_dir():
        print(f"no corpus at {args.corpus}: nothing to benchmark")
        return 0
    if args.split != "all" and not corpus_has_splits(args.corpus):
        print(f"the corpus at {args.corpus} marks no split: measuring every file", file=sys.stderr)
        args.split = "all"
    rows = [_row(args, kind) for kind in args.content_type]
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        _print(rows)
    return 0


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=REPO.parent / "shared" / "corpus")
    parser.add_argument("--split", choices=("tune", "test", "all"), default="all", help="manifest side")
    parser.add_argument("--trials", type=int, default=200)
    parser.add_argument(
        "--content-type", nargs="+", default=list(STUDY_TYPES), choices=sorted(content_types())
    )
    parser.add_argument("--out", type=Path, default=Path(".headroom/tune-bench"))
    parser.add_argument("--export-dir", type=Path, default=None)
    parser.add_argument(
        "--export-delta", type=float, default=None, help="retention drop allowed at export (default: δ)"
    )
    parser.add_argument("--tracking-uri", default=None, help="mlflow URI ('none' disables tracking)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    return parser.parse_args(argv)


def _row(args: argparse.Namespace, kind: str) -> dict[str, Any]:
    settings = TuneSettings(
        corpus=args.corpus,
        content_type=kind,
        split=args.split,
        trials=args.trials,
        seed=args.seed,
        out=args.out,
        tracking_uri=args.tracking_uri,
    )
    run = run_study(settings)
    row: dict[str, Any] = {
        "content_type": kind,
        "split": args.split,
        "files": len(run.files),
        "skipped": run.skipped,
    }
    if run.skipped or run.baseline is None:
        return row
    chosen = run.summary.get("chosen") or {}
    metrics = chosen.get("metrics", {})
    row.update(
        trials=run.trials_run,
        seconds=round(run.seconds, 1),
        trials_per_minute=round(60 * run.trials_run / run.seconds, 1) if run.seconds else 0.0,
        cache_hits=run.cache_hits,
        cache_misses=run.cache_misses,
        pruned=run.summary["trials"]["pruned"],
        default_savings=run.baseline.savings,
        default_retention=run.baseline.retention,
        tuned_trial=chosen.get("trial"),
        tuned_savings=metrics.get("savings"),
        tuned_retention=metrics.get("retention"),
        tuned_params=chosen.get("params"),
    )
    if args.export_dir is not None:
        study = load_study(run.study, settings.storage_url())
        done = export_study(study, args.export_dir, name=f"tuned-{kind}", delta=args.export_delta)
        row["exported"] = str(done.path)
    return row


def _print(rows: list[dict[str, Any]]) -> None:
    print(f"split: {rows[0]['split'] if rows else 'all'}")
    print(
        f"{'type':6} {'files':>5} {'trials':>6} {'sec':>6} {'tr/min':>7} {'hits':>5} "
        f"{'default sav':>11} {'default ret':>11} {'tuned sav [ci95]':>24} {'tuned ret [ci95]':>24}"
    )
    for row in rows:
        if row.get("skipped"):
            print(f"{row['content_type']:6} {row['files']:>5}  skipped: {row['skipped']}")
            continue
        print(
            f"{row['content_type']:6} {row['files']:>5} {row['trials']:>6} {row['seconds']:>6} "
            f"{row['trials_per_minute']:>7} {row['cache_hits']:>5} {row['default_savings']:>11.3f} "
            f"{row['default_retention']:>11.3f} {_ci(row['tuned_savings']):>24} {_ci(row['tuned_retention']):>24}"
        )


def _ci(values: list[float] | None) -> str:
    return "—" if not values else f"{values[0]:.3f} [{values[1]:.3f}, {values[2]:.3f}]"


if __name__ == "__main__":
    sys.exit(main())
