"""Budgets a user can choose: answer survival at 2×, 3× and 5× per QA dataset, engines side by side.

    python benchmarks/kompress_budgets.py CORPUS [--rates 0.5 0.33 0.2] [--per-dataset 60]
        [--engines extractive first-half [kompress]] [--split tune test] [--json PATH]

The datasets are the corpus's ``qa/`` files, read with the loader snippets of ``qa/FORMATS.md``
(each builds ``triples`` of (context, question, answers); companion files, "0 questions", are
skipped). Per dataset, questions are drawn in a seeded order; a question counts when its
context has at least ``--min-tokens`` tokens and some gold answer's content words all occur in
it — the others are reported (``answer_not_in_context``), not counted. Each counted context is
compressed with its question as the query at every rate, in one run, by each engine:
``extractive`` (the prose engine that runs without a model, routed by content as ``headroom
compress`` does), ``first-half`` (the first ``rate`` share of the context's tokens: the baseline)
and, when asked, ``kompress`` (the model forced on every block; slow on a CPU). Reported per
dataset, engine and rate: the share of questions whose answer survives (every content word of
some gold answer still in the output), the share whose output reaches the rate (tokens out ≤
rate × tokens in), and the share doing both, with 95% Wilson intervals.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._bench_common import machine
from benchmarks.kompress_quality import content_words, engine_policy, survives
from headroom import compress_text
from headroom.ccr import MemoryStore
from headroom.tokens import count_tokens, get_encoding

_SECTION = re.compile(r"^## (qa/\S+)\n(.*?)(?=^## |\Z)", re.S | re.M)
_SNIPPET = re.compile(r"```python\n(.*?)```", re.S)
_QUESTIONS = re.compile(r"(\d+) questions")


def datasets(corpus: Path) -> dict[str, str]:
    """Loader snippet per dataset file (companions without questions of their own left out)."""
    found = {}
    for name, body in _SECTION.findall((corpus / "qa" / "FORMATS.md").read_text(encoding="utf-8")):
        count, snippet = _QUESTIONS.search(body), _SNIPPET.search(body)
        if snippet and count and int(count.group(1)) > 0:
            found[name] = snippet.group(1)
    return found


def load_triples(corpus: Path, snippet: str) -> list[tuple[str, str, list[str]]]:
    """Run a FORMATS.md loader from the corpus root; answers become strings."""
    here = os.getcwd()
    os.chdir(corpus)
    try:
        scope: dict[str, Any] = {}
        exec(snippet, scope)  # the corpus's own documented loader, measurement only
    finally:
        os.chdir(here)
    out = []
    for context, question, answers in scope["triples"]:
        listed = answers if isinstance(answers, list) else [answers]
        out.append((str(context), str(question), [_answer_text(a) for a in listed]))
    return out


def _answer_text(answer: Any) -> str:
    """An answer as text; a record (the bios needles' fields) is the text of its values."""
    if isinstance(answer, str):
        return answer
    if isinstance(answer, dict):
        return " ".join(_answer_text(v) for v in answer.values())
    if isinstance(answer, list):
        return " ".join(_answer_text(v) for v in answer)
    return str(answer)


def wilson(hits: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """95% Wilson score interval of a proportion."""
    if n == 0:
        return (0.0, 0.0)
    p = hits / n
    centre, half = p + z * z / (2 * n), z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    low, high = (centre - half) / (1 + z * z / n), (centre + half) / (1 + z * z / n)
    return (round(max(low, 0.0), 3), round(min(high, 1.0), 3))


def first_share(context: str, rate: float) -> str:
    """The first ``rate`` share of the context's tokens (the baseline)."""
    encoding = get_encoding()
    ids = encoding.encode(context)
    return str(encoding.decode(ids[: int(rate * len(ids))]))


def compressed(engine: str, context: str, question: str, rate: float) -> tuple[str, int, str]:
    """(output text, its tokens, what compressed it)."""
    if engine == "first-half":
        text = first_share(context, rate)
        return text, count_tokens(text), "first-half"
    out = compress_text(context, engine_policy(engine, rate, None), question, store=MemoryStore())
    return out.text, out.tokens_out, out.compressor


def sample(
    triples: list[tuple[str, str, list[str]]], n: int, min_tokens: int, seed: int
) -> tuple[list[Any], Counter[str]]:
    """Up to ``n`` countable questions in a seeded order, and why the others were skipped."""
    order = list(range(len(triples)))
    random.Random(seed).shuffle(order)
    chosen, skipped = [], Counter[str]()
    for i in order:
        if len(chosen) >= n:
            break
        context, question, answers = triples[i]
        tokens = count_tokens(context)
        words = content_words(context)
        checkable = [a for a in answers if content_words(a)]
        if tokens < min_tokens:
            skipped["context_too_short"] += 1
        elif not any(content_words(a) <= words for a in checkable):
            skipped["answer_not_in_context"] += 1
        else:
            chosen.append((context, question, checkable, tokens))
    return chosen, skipped


def measure_dataset(chosen: list[Any], engines: list[str], rates: list[float]) -> list[dict[str, Any]]:
    """One row per engine and rate over the chosen questions."""
    rows = []
    for engine in engines:
        for rate in rates:
            kept = reached = both = 0
            by = Counter[str]()
            for context, question, answers, tokens in chosen:
                text, out_tokens, who = compressed(engine, context, question, rate)
                ok, _ = survives(tuple(answers), text)
                hit = out_tokens <= rate * tokens
                kept, reached, both = kept + ok, reached + hit, both + (ok and hit)
                by[who] += 1
            n = len(chosen)
            rows.append({"engine": engine, "rate": rate, "questions": n,
                         "survives": round(kept / max(n, 1), 3), "survives_ci": wilson(kept, n),
                         "reaches_rate": round(reached / max(n, 1), 3),
                         "survives_at_rate": round(both / max(n, 1), 3), "survives_at_rate_ci": wilson(both, n),
                         "compressors": dict(by)})  # fmt: skip
    return rows


def _splits(corpus: Path) -> dict[str, str]:
    out = {}
    for line in (corpus / "MANIFEST.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            record = json.loads(line)
            out[record["file"]] = record.get("split", "")
    return out


def main(argv: list[str] | None = None) -> int:
    """Measure every dataset of the chosen splits and print a table (``--json`` for every number)."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--rates", type=float, nargs="+", default=[0.5, 0.33, 0.2])
    parser.add_argument("--engines", nargs="+", default=["extractive", "first-half"])
    parser.add_argument("--per-dataset", type=int, default=60)
    parser.add_argument("--min-tokens", type=int, default=300)
    parser.add_argument("--split", nargs="+", default=["tune", "test"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    splits = _splits(args.corpus)
    report: dict[str, Any] = {"machine": machine(), "settings": vars(args) | {"corpus": str(args.corpus)}}
    report["settings"]["json"] = str(args.json)
    results = []
    for name, snippet in datasets(args.corpus).items():
        if splits.get(name) not in args.split:
            continue
        try:
            triples = load_triples(args.corpus, snippet)
        except Exception as exc:  # one unreadable dataset is reported, the others still run
            results.append(
                {"dataset": name, "split": splits.get(name), "error": f"{type(exc).__name__}: {exc}"}
            )
            continue
        chosen, skipped = sample(triples, args.per_dataset, args.min_tokens, args.seed)
        rows = measure_dataset(chosen, args.engines, args.rates)
        results.append({"dataset": name, "split": splits.get(name), "skipped": dict(skipped), "rows": rows})
        for row in rows:
            lo, hi = row["survives_at_rate_ci"]
            print(f"{splits.get(name):5s} {name:46s} {row['engine']:10s} rate {row['rate']:.2f}  n={row['questions']:3d}  "
                  f"survives {row['survives']:.3f}  reaches {row['reaches_rate']:.3f}  both {row['survives_at_rate']:.3f} "
                  f"[{lo:.2f}, {hi:.2f}]", flush=True)  # fmt: skip
    report["datasets"] = results
    report["machine"]["load_after"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
