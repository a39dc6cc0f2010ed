"""Must-keep recall of the deployed Kompress compressor on the held-out split, at keep rate 0.5.

    python benchmarks/kompress_recall.py [CORPUS_DIR] [--model DIR] [--config YAML] [--rate 0.5] [--split tune|test|all]

The held-out files are the ``test`` sources of the training recipe (default:
configs/training/corpus.yaml; split by source file, so no file was seen in training or used for
checkpoint selection). Rows are labelled exactly as in training, one per question or tool output:

* QA (COVID-QA SQuAD, NQ-open): must-keep = the content words of that question's gold answer;
  the query is the question;
* traces: must-keep = the content words of a tool output that later turns used; the query is the
  user text before it (what the runtime uses as a block's query).

Each row is compressed by the whole compressor (force-keep rules, model, query relevance, budget)
and the word-level decisions are scored: must-keep recall and keep rate (words and tokens kept /
total), pooled over all rows and per kind, beside the same model with no query (the query-free
classifier plus rules). ``--split`` further keeps the held-out files the corpus's
``MANIFEST.jsonl`` puts on that side (default ``all``; a corpus whose manifest marks no split is
measured whole and says so); ``settings.split`` reports the side measured. Without a corpus it
says so and exits 0. Needs ``[ml]``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._bench_common import corpus_has_splits, emit_json, list_corpus
from headroom.ccr import MemoryStore
from headroom.compressors import CompressContext
from headroom.kompress import KompressCompressor, load_model
from headroom.kompress._words import token_costs
from headroom.policy import Policy, ProsePolicy
from headroom.tokens import count_tokens
from training.config import load_config
from training.data._build import source_path
from training.data._weak import occurrences, qa_row, squad_answers, tool_outputs, tool_row
from training.data._words import Row

_WORD = re.compile(r"\S+")
DEFAULT_CONFIG = Path(__file__).resolve().parents[1] / "configs/training/corpus.yaml"
MIN_WORDS = 8


@dataclass(frozen=True)
class Case:
    """One labelled text and the query the runtime would compress it with."""

    kind: str
    text: str
    row: Row
    query: str


def squad_cases(path: Path, budget: float) -> Iterator[Case]:
    """One case per COVID-QA question."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            context = str(paragraph["context"])
            for qa in paragraph["qas"]:
                spans, questions = squad_answers([qa])
                yield Case("qa", context, qa_row(context, spans, questions, path.name, budget), questions[0])


def nq_cases(path: Path, budget: float) -> Iterator[Case]:
    """One case per NQ-open record (its gold passage; every answer occurrence is must-keep)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        ctx = record["ctxs"][0]
        text = f"{ctx.get('title', '')}\n{ctx.get('text', '')}"
        spans = occurrences(text, [str(a) for a in record["answers"]])
        row = qa_row(text, spans, [record["question"]], path.name, budget)
        yield Case("qa", text, row, str(record["question"]))


def trace_cases(path: Path, budget: float) -> Iterator[Case]:
    """One case per tool output, lines intact, cut after the last word the labels cover."""
    for output in tool_outputs(path):
        row = tool_row(output.text, output.used, path.name, budget)
        ends = [m.end() for m in _WORD.finditer(output.text)]
        text = output.text[: ends[len(row.words) - 1]] if row.words else ""
        yield Case("trace", text, row, output.query)


def held_out_cases(config_path: Path, corpus: Path, min_tokens: int = 0, split: str = "all") -> list[Case]:
    """Every case of the recipe's test split (on manifest side ``split``) with ≥ ``min_tokens`` tokens."""
    config = load_config(config_path, [f"data.root={corpus}"])
    data, budget = config.data, config.data.keep_budget
    readers = {"squad": squad_cases, "nq": nq_cases, "traces": trace_cases}
    on_side = {f.path.resolve() for f in list_corpus(corpus, ("qa", "agent-trace"), split)}
    cases: list[Case] = []
    for source in data.sources:
        if source.split != "test" or source.kind not in readers:
            continue
        if split != "all" and source_path(data, source).resolve() not in on_side:
            continue
        found = readers[source.kind](source_path(data, source), budget)
        cases.extend(
            c
            for c in found
            if len(c.row.words) >= MIN_WORDS and any(c.row.must_keep) and count_tokens(c.text) >= min_tokens
        )
    return cases


def score(
    cases: list[Case], compressor: KompressCompressor, policy: Policy, use_query: bool
) -> dict[str, Any]:
    """Pooled must-keep recall and keep rates, overall and per kind."""
    totals: dict[str, dict[str, float]] = {}
    for case in cases:
        ctx = CompressContext(store=MemoryStore(), query=case.query if use_query else None)
        keep = compressor.decide(case.text, policy, ctx)
        if len(keep) != len(case.row.words):
            raise RuntimeError(
                f"word count mismatch in {case.row.source}: {len(keep)} != {len(case.row.words)}"
            )
        costs = token_costs(case.row.words, ctx.encoding)
        for group in ("all", case.kind):
            t = totals.setdefault(
                group,
                dict.fromkeys(("rows", "must", "must_kept", "words", "kept", "tokens", "tokens_kept"), 0.0),
            )
            t["rows"] += 1
            t["must"] += sum(case.row.must_keep)
            t["must_kept"] += sum(k for k, m in zip(keep, case.row.must_keep, strict=True) if m)
            t["words"] += len(keep)
            t["kept"] += sum(keep)
            t["tokens"] += sum(costs)
            t["tokens_kept"] += sum(c for c, k in zip(costs, keep, strict=True) if k)
    return {
        group: {
            "rows": int(t["rows"]),
            "must_keep_words": int(t["must"]),
            "must_keep_recall": round(t["must_kept"] / max(t["must"], 1), 4),
            "keep_rate_words": round(t["kept"] / max(t["words"], 1), 4),
            "keep_rate_tokens": round(t["tokens_kept"] / max(t["tokens"], 1), 4),
        }
        for group, t in totals.items()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path, nargs="?", default=Path("../shared/corpus"))
    parser.add_argument("--model", type=Path, default=None, help="Kompress model dir (default: bundled)")
    parser.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="recipe naming the test split")
    parser.add_argument("--rate", type=float, default=0.5, help="keep rate (share of tokens)")
    parser.add_argument(
        "--min-tokens",
        type=int,
        default=ProsePolicy().min_tokens,
        help="skip texts the runtime would pass through unread (default: the policy's prose min_tokens)",
    )
    parser.add_argument("--split", choices=("tune", "test", "all"), default="all", help="manifest side")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if not (args.corpus / "qa").is_dir():
        print(f"no corpus at {args.corpus}; nothing to measure")
        return 0
    split = args.split
    if split != "all" and not corpus_has_splits(args.corpus):
        print(f"the corpus at {args.corpus} marks no split: measuring every file", file=sys.stderr)
        split = "all"
    cases = held_out_cases(args.config, args.corpus, args.min_tokens, split)
    model = load_model(args.model)
    compressor = KompressCompressor(scorer=model.score_lines, embedder=model.embedder())
    policy = Policy(prose=ProsePolicy(keep_rate=args.rate, min_tokens=0, engine="kompress"))
    result = {
        "with_query": score(cases, compressor, policy, use_query=True),
        "without_query": score(cases, compressor, policy, use_query=False),
        "settings": {
            "rate": args.rate,
            "min_tokens": args.min_tokens,
            "model": str(args.model or "bundled default"),
            "config": str(args.config),
            "split": split,
            "cases": len(cases),
        },
    }
    emit_json(result, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
