"""Kompress answer retention on the corpus QA sets, beside the extractive fallback, in one run.

    python benchmarks/kompress_quality.py CORPUS_DIR [--model DIR] [--rate 0.5] [--split tune|test|all] [--json PATH]

For every question of the corpus QA files (COVID-QA SQuAD articles, NQ-open oracle passages,
key-value retrieval records) the context is compressed with the question as the query the way
``headroom compress FILE --query Q --rate R`` does (routed by content, size gates off), once with
Kompress as the prose engine (default: the bundled model) and once with the extractive prose
compressor, at the same keep rate. The key-value records are JSON, so the router gives them to
the JSON compressor under both engines; each row names the compressor that ran. Per engine it reports the compression ratio (tokens in / out,
o200k_base, marker included) and whether the gold answer survived:

* ``answer``: every content word of the gold answer (lower-cased, punctuation stripped, stopwords
  ignored) is still among the output's words;
* ``verbatim``: the gold answer appears verbatim (case and spacing normalised).

The headline is the share of questions whose answer survived at a ratio of 2× or more. Both
engines price their markers with the text's own key and Kompress measures its rendered output,
so ``--rate 0.5`` is 2× wherever 2× is possible (a text whose marker alone costs half of it
cannot get there). Files of
the default training recipe's test split are marked ``held_out``; the others were seen (or used
for checkpoint selection) in training. ``--split`` keeps the QA files the corpus's
``MANIFEST.jsonl`` puts on that side (default ``all``; a corpus whose manifest marks no split is
measured whole and says so); ``settings.split`` reports the side measured. Without a corpus it
says so and exits 0. Needs ``[ml]``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._bench_common import corpus_has_splits, emit_json, list_corpus
from headroom import compress_text
from headroom.ccr import MemoryStore
from headroom.policy import Policy, ProsePolicy

STOP = frozenset(
    "a an the of in on at to for and or by with from as is are was were be it its that this".split()
)
HELD_OUT = frozenset({"covidqa-squad-article20.json"})
TARGET_RATIO = 2.0
_WORD = re.compile(r"[\w.-]+")


@dataclass(frozen=True)
class Item:
    """One question: where it came from, its context, the question and gold answers."""

    file: str
    context: str
    question: str
    answers: tuple[str, ...]


def squad_items(path: Path) -> Iterator[Item]:
    """COVID-QA questions (answer text spans of one article)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    for article in data["data"]:
        for paragraph in article["paragraphs"]:
            for qa in paragraph["qas"]:
                answers = tuple(str(a["text"]) for a in qa["answers"])
                yield Item(path.name, paragraph["context"], qa["question"], answers)


def nq_items(path: Path) -> Iterator[Item]:
    """NQ-open oracle: the gold passage and the question."""
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        ctx = record["ctxs"][0]
        context = f"{ctx['title']}\n{ctx['text']}"
        yield Item(path.name, context, record["question"], tuple(record["answers"]))


def kv_items(path: Path) -> Iterator[Item]:
    """Key-value retrieval: 140 JSON pairs, one per line; the answer is the queried key's value."""
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        body = ",\n".join(f'  "{k}": "{v}"' for k, v in record["ordered_kv_records"])
        question = (
            f'Extract the value corresponding to the specified key in the JSON object. Key: "{record["key"]}"'
        )
        yield Item(path.name, "{\n" + body + "\n}", question, (record["value"],))


def corpus_items(root: Path, split: str = "all") -> list[Item]:
    """Every question of the corpus QA files on side ``split`` of the manifest."""
    qa = root / "qa"
    on_side = {f.rel for f in list_corpus(root, ("qa",), split)}
    items: list[Item] = []
    for pattern, reader in (
        ("covidqa-squad-*.json", squad_items),
        ("*nq-open*.jsonl", nq_items),
        ("*kv-retrieval*.jsonl", kv_items),
    ):
        for path in sorted(qa.glob(pattern)):
            if path.relative_to(root).as_posix() in on_side:
                items.extend(reader(path))
    return items


def measured_split(root: Path, split: str) -> str:
    """The side actually measured: ``split``, or ``all`` when the manifest marks none (said on stderr)."""
    if split != "all" and not corpus_has_splits(root):
        print(f"the corpus at {root} marks no split: measuring every file", file=sys.stderr)
        return "all"
    return split


def content_words(text: str) -> set[str]:
    """Lower-cased words without edge punctuation, stopwords dropped."""
    found = {w.strip(".-").lower() for w in _WORD.findall(text)}
    return {w for w in found if w and w not in STOP}


def squash(text: str) -> str:
    """Lower case with runs of whitespace as one space."""
    return " ".join(text.lower().split())


def survives(answers: tuple[str, ...], output: str) -> tuple[bool, bool]:
    """(all content words of some answer survive, some answer survives verbatim)."""
    kept = content_words(output)
    words_ok = any(content_words(a) <= kept for a in answers)
    verbatim = any(squash(a) in squash(output) for a in answers)
    return words_ok, verbatim


def engine_policy(engine: str, rate: float, model: Path | None) -> Policy:
    """The default policy with ``engine`` for prose at keep rate ``rate``, every size gate off."""
    base = Policy()
    prose = ProsePolicy(keep_rate=rate, min_tokens=0, engine=engine, model_path=str(model) if model else None)
    live_zone = base.live_zone.model_copy(update={"min_block_tokens": 0})
    return base.model_copy(update={"prose": prose, "live_zone": live_zone})


def measure(items: list[Item], engines: dict[str, Policy]) -> list[dict[str, Any]]:
    """One result row per question and engine, each compressed the way ``headroom compress`` would."""
    rows = []
    for item in items:
        for name, policy in engines.items():
            out = compress_text(item.context, policy, item.question, store=MemoryStore())
            words_ok, verbatim = survives(item.answers, out.text)
            ratio = out.tokens_in / max(out.tokens_out, 1)
            rows.append(
                {
                    "engine": name,
                    "file": item.file,
                    "held_out": item.file in HELD_OUT,
                    "compressor": out.compressor,
                    "ratio": ratio,
                    "answer": words_ok,
                    "verbatim": verbatim,
                    "reason": out.reason,
                }
            )
    return rows


def summarise(rows: list[dict[str, Any]], **where: Any) -> dict[str, Any]:
    """Shares and mean ratio over the rows matching ``where``."""
    chosen = [r for r in rows if all(r[k] == v for k, v in where.items())]
    n = len(chosen)
    if not n:
        return {"questions": 0}
    at_target = [r for r in chosen if r["ratio"] >= TARGET_RATIO]
    return {
        "questions": n,
        "mean_ratio": round(sum(r["ratio"] for r in chosen) / n, 2),
        "share_at_2x": round(len(at_target) / n, 3),
        "answer_survives": round(sum(r["answer"] for r in chosen) / n, 3),
        "answer_survives_at_2x": round(sum(r["answer"] for r in at_target) / n, 3),
        "verbatim_survives": round(sum(r["verbatim"] for r in chosen) / n, 3),
        "compressors": dict(Counter(r["compressor"] for r in chosen)),
    }


def report(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per engine: overall, held-out, and per file."""
    out: dict[str, Any] = {}
    for engine in dict.fromkeys(r["engine"] for r in rows):
        files = dict.fromkeys(r["file"] for r in rows)
        out[engine] = {
            "all": summarise(rows, engine=engine),
            "held_out": summarise(rows, engine=engine, held_out=True),
            "files": {f: summarise(rows, engine=engine, file=f) for f in files},
        }
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("corpus", type=Path, nargs="?", default=Path("../shared/corpus"))
    parser.add_argument("--model", type=Path, default=None, help="Kompress model dir (default: bundled)")
    parser.add_argument(
        "--rate", type=float, default=0.5, help="keep rate (share of tokens) for both engines"
    )
    parser.add_argument("--split", choices=("tune", "test", "all"), default="all", help="manifest side")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    if not (args.corpus / "qa").is_dir():
        print(f"no corpus QA sets at {args.corpus / 'qa'}; nothing to measure")
        return 0
    split = measured_split(args.corpus, args.split)
    items = corpus_items(args.corpus, split)
    engines = {
        "kompress": engine_policy("kompress", args.rate, args.model),
        "extractive": engine_policy("extractive", args.rate, None),
    }
    result = report(measure(items, engines))
    result["settings"] = {
        "rate": args.rate,
        "model": str(args.model or "bundled default"),
        "items": len(items),
        "split": split,
    }
    emit_json(result, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
