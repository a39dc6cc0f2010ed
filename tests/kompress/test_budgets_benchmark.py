"""benchmarks/kompress_budgets.py on a corpus the test writes: loaders, filters, engines, intervals."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import kompress_budgets

CONTEXT = (
    " ".join(
        f"Section {i} of the harbour log records that the ferry Aurora left pier {i} on schedule."
        for i in range(40)
    )
    + " The harbour master on duty that winter was Ingrid Solberg."
)
FORMATS = """# QA sets

## qa/mine.jsonl

Test data. 3 questions.

```python
import json
rows = [json.loads(l) for l in open("qa/mine.jsonl", encoding="utf-8")]
triples = [(r["c"], r["q"], r["a"]) for r in rows]
```

## qa/companion.jsonl

Holds contexts for another file. 0 questions.

```python
triples = []
```
"""


def _corpus(root: Path) -> Path:
    (root / "qa").mkdir(parents=True)
    (root / "qa" / "FORMATS.md").write_text(FORMATS, encoding="utf-8")
    rows = [
        {"c": CONTEXT, "q": "Who was the harbour master?", "a": ["Ingrid Solberg"]},
        {"c": CONTEXT, "q": "Which ship?", "a": [{"name": "Aurora"}]},
        {"c": "Too short a context.", "q": "q", "a": ["short"]},
        {"c": CONTEXT, "q": "Who owned it?", "a": ["Magnus Berg"]},
    ]
    (root / "qa" / "mine.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    manifest = [{"file": "qa/mine.jsonl", "split": "test"}, {"file": "qa/companion.jsonl", "split": "test"}]
    (root / "MANIFEST.jsonl").write_text("".join(json.dumps(m) + "\n" for m in manifest), encoding="utf-8")
    return root


def test_datasets_skip_companions_and_questions_without_their_answer(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "c")
    found = kompress_budgets.datasets(root)
    assert list(found) == ["qa/mine.jsonl"]
    triples = kompress_budgets.load_triples(root, found["qa/mine.jsonl"])
    assert triples[1][2] == ["Aurora"]  # a record answer is the text of its values
    chosen, skipped = kompress_budgets.sample(triples, 10, min_tokens=300, seed=0)
    assert len(chosen) == 2
    assert skipped == {"context_too_short": 1, "answer_not_in_context": 1}


def test_engines_and_rates_in_one_run(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "c")
    out = tmp_path / "r.json"
    assert (
        kompress_budgets.main([str(root), "--split", "test", "--rates", "0.5", "0.2", "--json", str(out)])
        == 0
    )
    (dataset,) = json.loads(out.read_text(encoding="utf-8"))["datasets"]
    rows = {(r["engine"], r["rate"]): r for r in dataset["rows"]}
    assert set(rows) == {(e, r) for e in ("selector", "extractive", "first-half") for r in (0.5, 0.2)}
    assert rows[("first-half", 0.5)]["reaches_rate"] == 1.0
    # "Aurora" is in every sentence, the harbour master only in the last: the first share keeps one.
    assert rows[("first-half", 0.2)]["survives"] == rows[("first-half", 0.5)]["survives"] == 0.5
    low, high = rows[("first-half", 0.5)]["survives_ci"]
    assert 0.0 <= low <= rows[("first-half", 0.5)]["survives"] <= high <= 1.0


def test_the_query_selector_and_the_rule_ablation_side_by_side(tmp_path: Path) -> None:
    root = _corpus(tmp_path / "c")
    out = tmp_path / "r.json"
    engines = ["selector", "selector-alone", "selector+rules", "rules-alone", "first-half"]
    args = [str(root), "--split", "test", "--rates", "0.2", "--engines", *engines, "--json", str(out)]
    assert kompress_budgets.main(args) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    rows = {r["engine"]: r for r in report["datasets"][0]["rows"]}
    # The question names the harbour master, who is only in the last sentence: the selector keeps
    # it at 5x. The rules force every section and pier number, which alone cost more than 5x allows.
    assert rows["selector"]["survives_at_rate"] == rows["selector-alone"]["survives_at_rate"] == 1.0
    assert rows["selector+rules"]["reaches_rate"] == rows["rules-alone"]["reaches_rate"] == 0.0
    assert rows["first-half"]["survives"] == 0.5
    pooled = {(p["split"], p["engine"]): p for p in report["pooled"]}
    assert pooled[("test", "selector")]["questions"] == 2


def test_wilson_interval() -> None:
    assert kompress_budgets.wilson(0, 0) == (0.0, 0.0)
    low, high = kompress_budgets.wilson(50, 100)
    assert low < 0.5 < high and round(low + high, 6) == 1.0
    assert kompress_budgets.wilson(10, 10)[1] == 1.0
