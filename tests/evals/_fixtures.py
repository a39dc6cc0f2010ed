"""A tiny suite written for the evals tests: probes, a degraded policy, a suite file."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from evals.probes import Probe

LOG = "\n".join(
    [
        f"2026-03-01 10:{i // 60:02d}:{i % 60:02d} INFO worker {i % 7} processed batch {i} in {i % 50} ms"
        for i in range(180)
    ][:90]
    + ["2026-03-01 10:01:30 INFO release v9.4.1 promoted to production by deployer"]
    + [
        f"2026-03-01 10:{i // 60:02d}:{i % 60:02d} INFO worker {i % 7} processed batch {i} in {i % 50} ms"
        for i in range(90, 180)
    ]
)
PROSE = " ".join(
    ["The platform team keeps every service behind the shared gateway and rotates credentials monthly."] * 6
    + ["The archive bucket is named cold-archive-eu and keeps objects for seven years."]
    + ["Dashboards are reviewed each week and alerts without an owner are removed."] * 6
)
ROWS = [{"id": i, "sku": f"SKU-{1000 + i}", "stock": (i * 7) % 40, "warehouse": "north"} for i in range(60)]
ROWS[41] = {"id": 41, "sku": "SKU-7777", "stock": 0, "warehouse": "quarantine"}


def make_probes() -> list[Probe]:
    return [
        Probe("log-release", LOG, "Which release was promoted to production?", ("v9.4.1",), label="log"),
        Probe(
            "prose-bucket", PROSE, "What is the archive bucket named?", ("cold-archive-eu",), label="prose"
        ),
        Probe(
            "json-quarantine",
            json.dumps(ROWS),
            "Which sku is in the quarantine warehouse?",
            ("SKU-7777",),
            label="json",
        ),
        Probe("log-batch", LOG, "How long did batch 17 take?", ("17 ms",), label="log"),
    ]


DEGRADED = {
    "schema_version": 1,
    "name": "degraded",
    "json": {"max_items": 3, "min_items_to_select": 3, "keep_first": 0, "keep_last": 0},
    "log": {"head_lines": 0, "tail_lines": 0, "query_matches": 0, "max_critical_examples": 1},
    "prose": {"keep_rate": 0.1, "min_tokens": 0, "query_weight": 0.5},
}


def write_suite(tmp_path: Path) -> Path:
    """Write probes, the degraded policy and a suite naming both into ``tmp_path``."""
    probes_file = tmp_path / "probes.jsonl"
    probes_file.write_text(
        "".join(
            json.dumps(
                {
                    "id": p.id,
                    "context": p.context,
                    "question": p.question,
                    "answers": list(p.answers),
                    "label": p.label,
                }
            )
            + "\n"
            for p in make_probes()
        )
    )
    (tmp_path / "degraded.yaml").write_text(yaml.safe_dump(DEGRADED))
    suite = {
        "name": "tiny",
        "probes": "probes.jsonl",
        "policies": {"default": "default", "degraded": "degraded.yaml"},
        "margin": 0.05,
        "bootstrap": {"resamples": 500, "seed": 1},
    }
    path = tmp_path / "suite.yaml"
    path.write_text(yaml.safe_dump(suite))
    return path
