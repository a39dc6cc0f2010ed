"""Train Kompress's query selector: a logistic regression over question/sentence features.

Examples are (context, question, answers) triples, from a folder of QA files (the kinds
``headroom train`` reads: SQuAD JSON, QA JSON/JSONL, NQ-open; other files are skipped and
counted) or from any loader (the corpus recipe, ``benchmarks/kompress_selector_fit.py``). Each
context is split into the sentences the runtime selects from; a sentence is a positive when it
holds every content word of some gold answer (the same test the answer-survival benchmark
applies), and questions whose answer no single sentence holds are left out of the fit and counted.
The weights go to ``query_selector.json`` (read by :func:`headroom.kompress.load_selector`) with a
manifest of the data beside it.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from headroom.errors import ConfigError
from headroom.extras import require
from headroom.kompress import (
    FEATURES,
    SELECTOR_FILE,
    QuerySelector,
    layout,
    segment_features,
    segments_of,
    typed_segments,
)

MANIFEST_FILE = "query_selector_manifest.json"
_WORD = re.compile(r"[\w.-]+")
_STOP = frozenset(
    "a an the of in on at to for and or by with from as is are was were be it its that this".split()
)
QA_KINDS = ("squad", "qa", "nq")


def content_words(text: str) -> set[str]:
    """Lower-cased words without edge punctuation and function words (the benchmark's answer test)."""
    found = {w.strip(".-").lower() for w in _WORD.findall(text)}
    return {w for w in found if w and w not in _STOP}


@dataclass(frozen=True)
class Example:
    """One question with its context and gold answers, and where it came from."""

    context: str
    question: str
    answers: tuple[str, ...]
    source: str


@dataclass
class Labelled:
    """Feature vectors and labels of every usable question, and why the others were left out."""

    vectors: list[list[float]] = field(default_factory=list)
    labels: list[int] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)
    skipped: Counter[str] = field(default_factory=Counter)
    per_source: Counter[str] = field(default_factory=Counter)


def label_example(example: Example) -> tuple[list[list[float]], list[int]] | str:
    """(features, labels) per sentence of the context, or why the example cannot be labelled."""
    answers = [content_words(a) for a in example.answers]
    answers = [a for a in answers if a]
    if not answers:
        return "no answer words"
    words_ = layout(example.context)
    ranges, segments = segments_of(words_)
    if len(segments) < 2:
        return "fewer than two sentences"
    held = [content_words(s) for s in segments]
    labels = [int(any(a <= h for a in answers)) for h in held]
    if not any(labels):
        return "no sentence holds an answer"
    typed = typed_segments(words_, ranges, example.question)
    return segment_features(segments, example.question, typed), labels


def label_all(examples: Iterable[Example]) -> Labelled:
    """Label every example (grouped per question, so selection is by question)."""
    out = Labelled()
    for n, example in enumerate(examples):
        got = label_example(example)
        if isinstance(got, str):
            out.skipped[got] += 1
            continue
        vectors, labels = got
        out.vectors.extend(vectors)
        out.labels.extend(labels)
        out.groups.extend([n] * len(labels))
        out.per_source[example.source] += 1
    return out


def fit(labelled: Labelled, rules: bool = True, l2: float = 1.0, rounds: int = 25) -> QuerySelector:
    """A standardised, L2-regularised logistic regression on the labelled sentences (Newton steps).

    Fifteen features need no solver library: numpy's least squares does each step exactly.
    """
    if len(set(labelled.labels)) < 2:
        raise ConfigError(
            f"query selector: nothing to learn from ({len(labelled.labels)} sentences, "
            f"skipped: {dict(labelled.skipped)}); it needs QA examples whose answers occur in their context"
        )
    np = require("numpy", "train")
    x = np.asarray(labelled.vectors, dtype=float)
    y = np.asarray(labelled.labels, dtype=float)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0.0] = 1.0
    design = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    penalty = l2 * np.eye(design.shape[1])
    penalty[0, 0] = 0.0  # the intercept is not shrunk
    w = np.zeros(design.shape[1])
    for _ in range(rounds):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ w, -30.0, 30.0)))
        gradient = design.T @ (p - y) + penalty @ w
        hessian = (design * (p * (1.0 - p))[:, None]).T @ design + penalty
        step = np.linalg.lstsq(hessian, gradient, rcond=None)[0]
        w = w - step
        if float(np.abs(step).max()) < 1e-8:
            break
    return QuerySelector(
        coef=tuple(float(v) for v in w[1:]),
        intercept=float(w[0]),
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        rules=rules,
    )


def examples_from_folder(root: Path) -> tuple[list[Example], dict[str, Any]]:
    """Every QA example under ``root`` (kinds found by content), and a manifest of the files read."""
    from training.config import DataConfig
    from training.data._discover import discover

    examples: list[Example] = []
    files: list[dict[str, Any]] = []
    for source in discover(DataConfig(root=str(root))):
        path = root / source.path
        entry: dict[str, Any] = {"path": source.path, "kind": source.kind, "sha256": _sha256(path)}
        if source.kind in QA_KINDS:
            found = list(_read(path, source.kind, source.path))
            examples.extend(found)
            entry["questions"] = len(found)
        else:
            entry["skipped"] = f"{source.kind}: not QA (the selector learns from questions)"
        files.append(entry)
    return examples, {"root": str(root), "files": files}


def _read(path: Path, kind: str, name: str) -> Iterator[Example]:
    from training.data._weak import json_lines, qa_records, read_json

    if kind == "squad":
        for article in read_json(path)["data"]:
            for paragraph in article["paragraphs"]:
                for qa in paragraph["qas"]:
                    answers = tuple(_text(a) for a in qa.get("answers", []))
                    yield Example(str(paragraph["context"]), str(qa["question"]), answers, name)
    elif kind == "nq":
        for _, record in json_lines(path):
            ctxs = record.get("ctxs") or []
            if ctxs:
                first = ctxs[0]
                context = first.get("text", "") if isinstance(first, dict) else str(first)
                answers = tuple(_text(a) for a in record["answers"])
                yield Example(str(context), str(record["question"]), answers, name)
    else:
        for _, record in qa_records(path):
            for qa in record.get("qas", [record]):
                answers = qa["answers"]
                listed = [answers] if isinstance(answers, str) else answers
                yield Example(
                    str(record["context"]), str(qa["question"]), tuple(_text(a) for a in listed), name
                )


def _text(answer: Any) -> str:
    return str(answer.get("text", "")) if isinstance(answer, dict) else str(answer)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def subsample(examples: Sequence[Example], per_source: int, seed: int = 0) -> list[Example]:
    """At most ``per_source`` examples of each source, drawn in a seeded order."""
    order = list(range(len(examples)))
    random.Random(seed).shuffle(order)
    taken: Counter[str] = Counter()
    out = []
    for i in order:
        if taken[examples[i].source] < per_source:
            taken[examples[i].source] += 1
            out.append(examples[i])
    return out


def train_selector(
    examples: Sequence[Example], out: Path, manifest: dict[str, Any], rules: bool = True
) -> QuerySelector:
    """Fit on ``examples`` and write ``query_selector.json`` and its manifest into ``out``."""
    labelled = label_all(examples)
    selector = fit(labelled, rules=rules)
    out.mkdir(parents=True, exist_ok=True)
    (out / SELECTOR_FILE).write_text(json.dumps(selector.to_json(), indent=2) + "\n", encoding="utf-8")
    record = manifest | {
        "features": list(FEATURES),
        "questions_used": dict(labelled.per_source),
        "questions_skipped": dict(labelled.skipped),
        "sentences": len(labelled.labels),
        "positives": sum(labelled.labels),
        "rules": rules,
    }
    (out / MANIFEST_FILE).write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return selector
