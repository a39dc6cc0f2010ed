"""Fit the shipped query selector on the corpus's ``tune`` QA datasets (the recipe of the artefact).

    python benchmarks/kompress_selector_fit.py CORPUS --out headroom/kompress/default
        [--per-dataset 300] [--min-tokens 150] [--split tune] [--no-rules] [--seed 0]

Each dataset of ``qa/FORMATS.md`` on the chosen split is read with its documented loader; up to
``--per-dataset`` questions per dataset are drawn in a seeded order among those whose context
has at least ``--min-tokens`` tokens; ``training.selector`` labels and fits them. The manifest
beside the artefact names every dataset file (with its sha256 and licence from the corpus
MANIFEST) and how many questions each gave.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.kompress_budgets import datasets, load_triples
from headroom.tokens import count_tokens
from training.selector import Example, train_selector


def manifest_records(corpus: Path) -> dict[str, dict[str, Any]]:
    """The corpus MANIFEST's record per file."""
    out = {}
    for line in (corpus / "MANIFEST.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            out[record["file"]] = record
    return out


def draw(
    triples: list[tuple[str, str, list[str]]], n: int, min_tokens: int, seed: int, name: str
) -> list[Example]:
    """Up to ``n`` examples with contexts of at least ``min_tokens`` tokens, in a seeded order."""
    order = list(range(len(triples)))
    random.Random(seed).shuffle(order)
    out: list[Example] = []
    for i in order:
        if len(out) >= n:
            break
        context, question, answers = triples[i]
        if count_tokens(context) >= min_tokens:
            out.append(Example(context, question, tuple(answers), name))
    return out


def main(argv: list[str] | None = None) -> int:
    """Draw, label, fit, write the artefact and its manifest."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--per-dataset", type=int, default=300)
    parser.add_argument("--min-tokens", type=int, default=150)
    parser.add_argument("--split", nargs="+", default=["tune"])
    parser.add_argument("--no-rules", action="store_true", help="record rules: false (selector alone)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    records = manifest_records(args.corpus)
    examples: list[Example] = []
    files = []
    for name, snippet in datasets(args.corpus).items():
        record = records.get(name, {})
        if record.get("split") not in args.split:
            continue
        drawn = draw(load_triples(args.corpus, snippet), args.per_dataset, args.min_tokens, args.seed, name)
        examples.extend(drawn)
        sha = hashlib.sha256((args.corpus / name).read_bytes()).hexdigest()
        licence = {k: record[k] for k in ("license", "licence", "repo", "path", "commit") if k in record}
        files.append(
            {"file": name, "split": record.get("split"), "sha256": sha, "drawn": len(drawn)} | licence
        )
        print(f"{name}: {len(drawn)} questions", flush=True)
    settings = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items()}
    selector = train_selector(
        examples, args.out, {"recipe": settings, "files": files}, rules=not args.no_rules
    )
    print(json.dumps(selector.to_json(), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
