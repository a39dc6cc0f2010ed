"""Reference retention as a local ``evaluate`` module.

A fact (identifier, path, number, error string) that the session later used is *kept* when it
appears verbatim in the compressed text, *retrievable* when it is absent there but present in
what the markers' store keys restore, and *lost* otherwise.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import evaluate

from headroom.local_metrics import metric_info

_DESCRIPTION = "Shares of facts kept verbatim, only retrievable through a store key, and lost."
_INPUTS = """
Args:
    predictions: list of compressed texts (str).
    references: list of lists of facts that must survive (each a list of str).
    retrievable: optional list of texts restorable from each sample's store keys.
Returns:
    kept, retrievable, lost: micro-averaged shares of all facts (sum to 1 when any fact exists);
    kept_macro: the mean per-sample kept share (samples without facts are skipped);
    facts: number of facts.
"""


class Retention(evaluate.Metric):  # type: ignore[misc]  # evaluate ships no type hints
    """Fact retention of compressed texts, split into verbatim and retrievable."""

    def _info(self) -> Any:
        return metric_info(
            _DESCRIPTION, _INPUTS, {"predictions": "string", "references": "string[]"}, extra="evals"
        )

    def _compute(
        self,
        predictions: list[str],
        references: list[list[str]],
        retrievable: Sequence[str] | None = None,
    ) -> dict[str, float]:
        restorable = list(retrievable) if retrievable is not None else [""] * len(predictions)
        kept = found = total = 0
        per_sample: list[float] = []
        for text, facts, restored in zip(predictions, references, restorable, strict=True):
            verbatim = sum(fact in text for fact in facts)
            kept += verbatim
            found += sum(fact not in text and fact in restored for fact in facts)
            total += len(facts)
            if facts:
                per_sample.append(verbatim / len(facts))
        return {
            "kept": _share(kept, total),
            "retrievable": _share(found, total),
            "lost": _share(total - kept - found, total),
            "kept_macro": sum(per_sample) / len(per_sample) if per_sample else 0.0,
            "facts": float(total),
        }


def _share(part: int, total: int) -> float:
    return part / total if total else 0.0
