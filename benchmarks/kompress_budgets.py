"""Budgets a user can choose: answer survival at 2×, 3× and 5× per QA dataset, engines side by side.

    python benchmarks/kompress_budgets.py CORPUS [--rates 0.5 0.33 0.2] [--per-dataset 60]
        [--engines extractive first-half selector [kompress-prev] [selector-alone rules-alone]]
        [--selector DIR] [--prev-max-tokens N] [--split tune test] [--json PATH]

The datasets are the corpus's ``qa/`` files, read with the loader snippets of ``qa/FORMATS.md``
(each builds ``triples`` of (context, question, answers); companion files, "0 questions", are
skipped). Per dataset, questions are drawn in a seeded order; a question counts when its
context has at least ``--min-tokens`` tokens and some gold answer's content words all occur in
it — the others are reported (``answer_not_in_context``), not counted. Each counted context is
compressed with its question as the query at every rate, in one run, by each engine:
``extractive`` (the prose engine that runs without a model, routed by content as ``headroom
compress`` does), ``first-half`` (the first ``rate`` share of the context's tokens: the baseline)
``selector`` (the default path, ``engine: auto``: with the question as the query Kompress's query
selector decides; ``--selector DIR`` measures the ``query_selector.json`` in DIR instead of the
bundled one), and, when asked, ``kompress-prev`` (the previous default: the word classifier with
the coarse relevance step, forced on every block without the selector; slow on a CPU, so only
contexts up to ``--prev-max-tokens`` are given to it, the others counted as not measured) and the
ablation of the force-keep rules: ``selector-alone`` (the selector without the rules),
``selector+rules`` (with them, whatever the artefact records) and ``rules-alone`` (the rules,
then sentences in text order: the selector with position as its only feature). Reported per
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

import tempfile

from benchmarks._bench_common import machine
from benchmarks.kompress_quality import content_words, engine_policy, survives
from headroom import compress_text
from headroom.ccr import MemoryStore
from headroom.compressors._base import CompressContext
from headroom.kompress import KompressCompressor, QuerySelector, default_model_dir, load_selector
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


ABLATIONS = ("selector-alone", "selector+rules", "rules-alone")
_PREVIOUS = KompressCompressor(budget=None, use_selector=False)


def ablation_dirs(selector_dir: Path, root: Path) -> dict[str, Path]:
    """A selector directory per ablation, written under ``root`` from the measured artefact."""
    base = load_selector(selector_dir)
    if base is None:
        raise SystemExit(f"no query_selector.json in {selector_dir}")
    lead = QuerySelector(
        coef=tuple(-1.0 if f == "position" else 0.0 for f in base.features),
        intercept=0.0, mean=base.mean, scale=base.scale, rules=True, features=base.features,
    )  # fmt: skip
    variants = {
        "selector-alone": QuerySelector(
            base.coef, base.intercept, base.mean, base.scale, False, base.features
        ),
        "selector+rules": QuerySelector(
            base.coef, base.intercept, base.mean, base.scale, True, base.features
        ),
        "rules-alone": lead,
    }
    out = {}
    for name, selector in variants.items():
        folder = root / name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "query_selector.json").write_text(json.dumps(selector.to_json()), encoding="utf-8")
        out[name] = folder
    return out


def compressed(
    engine: str, context: str, question: str, rate: float, dirs: dict[str, Path] | None = None
) -> tuple[str, int, str]:
    """(output text, its tokens, what compressed it)."""
    if engine == "first-half":
        text = first_share(context, rate)
        return text, count_tokens(text), "first-half"
    if engine == "kompress-prev":
        policy = engine_policy("kompress", rate, None)
        ctx = CompressContext(store=MemoryStore(), query=question, encoding=policy.encoding, batched=True)
        out = _PREVIOUS.compress(context, policy, ctx)
        return out.text, out.tokens_out, out.compressor
    dirs = dirs or {}
    if engine in ABLATIONS or engine == "selector":
        policy = engine_policy("auto", rate, dirs.get(engine))
    else:
        policy = engine_policy(engine, rate, None)
    out = compress_text(context, policy, question, store=MemoryStore())
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


def measure_dataset(
    chosen: list[Any],
    engines: list[str],
    rates: list[float],
    dirs: dict[str, Path] | None = None,
    prev_max_tokens: int | None = None,
) -> list[dict[str, Any]]:
    """One row per engine and rate over the chosen questions (``kompress-prev``: short contexts only)."""
    rows = []
    for engine in engines:
        for rate in rates:
            kept = reached = both = 0
            by = Counter[str]()
            todo = chosen
            if engine == "kompress-prev" and prev_max_tokens is not None:
                todo = [c for c in chosen if c[3] <= prev_max_tokens]
                by["not measured: context over --prev-max-tokens"] = len(chosen) - len(todo)
            for context, question, answers, tokens in todo:
                text, out_tokens, who = compressed(engine, context, question, rate, dirs)
                ok, _ = survives(tuple(answers), text)
                hit = out_tokens <= rate * tokens
                kept, reached, both = kept + ok, reached + hit, both + (ok and hit)
                by[who] += 1
            n = len(todo)
            rows.append({"engine": engine, "rate": rate, "questions": n,
                         "survives": round(kept / max(n, 1), 3), "survives_ci": wilson(kept, n),
                         "reaches_rate": round(reached / max(n, 1), 3),
                         "survives_at_rate": round(both / max(n, 1), 3), "survives_at_rate_ci": wilson(both, n),
                         "compressors": dict(by)})  # fmt: skip
    return rows


def pooled(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per split, engine and rate: the questions of every dataset together, with intervals."""
    sums: dict[tuple[str, str, float], list[int]] = {}
    for result in results:
        for row in result.get("rows", []):
            n = row["questions"]
            cell = sums.setdefault((result["split"], row["engine"], row["rate"]), [0, 0, 0])
            cell[0] += n
            cell[1] += round(row["survives"] * n)
            cell[2] += round(row["survives_at_rate"] * n)
    out = []
    for (split, engine, rate), (n, kept, both) in sums.items():
        out.append({"split": split, "engine": engine, "rate": rate, "questions": n,
                    "survives": round(kept / max(n, 1), 3), "survives_ci": wilson(kept, n),
                    "survives_at_rate": round(both / max(n, 1), 3), "survives_at_rate_ci": wilson(both, n)})  # fmt: skip
    return out


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
    parser.add_argument("--engines", nargs="+", default=["selector", "extractive", "first-half"])
    parser.add_argument("--per-dataset", type=int, default=60)
    parser.add_argument("--min-tokens", type=int, default=300)
    parser.add_argument("--split", nargs="+", default=["tune", "test"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--only", nargs="+", default=None, help="measure only these dataset files (qa/...)")
    parser.add_argument("--selector", type=Path, default=None, help="a folder with query_selector.json")
    parser.add_argument("--prev-max-tokens", type=int, default=1500)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    scratch = Path(tempfile.mkdtemp(prefix="kompress-budgets-"))
    selector_dir = args.selector or default_model_dir()
    dirs = ablation_dirs(selector_dir, scratch) if set(args.engines) & set(ABLATIONS) else {}
    if args.selector:
        dirs["selector"] = args.selector
    splits = _splits(args.corpus)
    report: dict[str, Any] = {"machine": machine(), "settings": vars(args) | {"corpus": str(args.corpus)}}
    report["settings"] = {k: str(v) if isinstance(v, Path) else v for k, v in report["settings"].items()}
    results = []
    for name, snippet in datasets(args.corpus).items():
        if splits.get(name) not in args.split or (args.only and name not in args.only):
            continue
        try:
            triples = load_triples(args.corpus, snippet)
        except Exception as exc:  # one unreadable dataset is reported, the others still run
            results.append(
                {"dataset": name, "split": splits.get(name), "error": f"{type(exc).__name__}: {exc}"}
            )
            continue
        chosen, skipped = sample(triples, args.per_dataset, args.min_tokens, args.seed)
        rows = measure_dataset(chosen, args.engines, args.rates, dirs, args.prev_max_tokens)
        results.append({"dataset": name, "split": splits.get(name), "skipped": dict(skipped), "rows": rows})
        for row in rows:
            lo, hi = row["survives_at_rate_ci"]
            print(f"{splits.get(name):5s} {name:46s} {row['engine']:14s} rate {row['rate']:.2f}  n={row['questions']:3d}  "
                  f"survives {row['survives']:.3f}  reaches {row['reaches_rate']:.3f}  both {row['survives_at_rate']:.3f} "
                  f"[{lo:.2f}, {hi:.2f}]", flush=True)  # fmt: skip
    report["datasets"] = results
    report["pooled"] = pooled(results)
    for row in report["pooled"]:
        lo, hi = row["survives_at_rate_ci"]
        print(f"POOLED {row['split']:5s} {row['engine']:14s} rate {row['rate']:.2f}  n={row['questions']:4d}  "
              f"survives {row['survives']:.3f}  both {row['survives_at_rate']:.3f} [{lo:.2f}, {hi:.2f}]")  # fmt: skip
    report["machine"]["load_after"] = os.getloadavg()
    if args.json:
        args.json.write_text(json.dumps(report, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
