"""The policy schema: one frozen model per compressor, composed into :class:`Policy`.

Every tunable field declares its search range through :func:`tunable`, so the tuner
derives its search space from this schema and can never write a key the runtime ignores.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from headroom._policy_fields import Frozen as _Frozen
from headroom._policy_fields import tunable
from headroom.errors import ConfigError
from headroom.yaml_io import read_yaml

SCHEMA_VERSION = 1
POLICY_ENV_VAR = "HEADROOM_POLICY"


class JsonPolicy(_Frozen):
    """SmartCrusher: lossless tables first, then budgeted item selection."""

    enabled: bool = Field(True, description="Compress JSON content at all.")
    max_items: int = tunable(
        15, "Items kept per array once selection starts (the budget).", low=3, high=200, log=True
    )
    min_items_to_select: int = tunable(
        8, "Arrays at or below this length are never subsampled.", low=3, high=100
    )
    keep_first: int = tunable(3, "Leading items always kept.", low=0, high=10)
    keep_last: int = tunable(2, "Trailing items always kept.", low=0, high=10)
    outlier_z: float = tunable(
        3.0, "Robust z-score above which a numeric value marks its item as an outlier.", low=1.5, high=6.0
    )
    tabulate: bool = Field(True, description="Render uniform arrays of objects as compact tables.")
    max_string_chars: int = tunable(
        0, "Truncate strings longer than this (0 = never truncate).", low=0, high=4000
    )


class TablePolicy(_Frozen):
    """CSV/TSV tables: constant columns into the header, then budgeted row selection."""

    enabled: bool = Field(True, description="Compress CSV/TSV tables at all.")
    max_rows: int = tunable(25, "Rows kept once selection starts (the budget).", low=3, high=500, log=True)
    min_rows_to_select: int = tunable(
        12, "Tables at or below this many rows are never subsampled.", low=3, high=200
    )
    keep_first: int = tunable(5, "Leading rows always kept.", low=0, high=20)
    keep_last: int = tunable(3, "Trailing rows always kept.", low=0, high=20)
    outlier_z: float = tunable(
        3.0, "Robust z-score above which a numeric cell marks its row as an outlier.", low=1.5, high=6.0
    )


class LogPolicy(_Frozen):
    """Template mining and repeat collapsing for logs and command output."""

    enabled: bool = Field(True, description="Compress log content at all.")
    head_lines: int = tunable(10, "Leading lines always kept verbatim.", low=0, high=100)
    tail_lines: int = tunable(15, "Trailing lines always kept verbatim.", low=0, high=200)
    max_examples_per_template: int = tunable(
        1, "Verbatim examples kept per non-critical template.", low=1, high=10
    )
    max_critical_examples: int = tunable(
        3, "Verbatim examples kept per critical (error/warn) template.", low=1, high=20
    )
    query_matches: int = tunable(20, "Lines matching the query kept verbatim.", low=0, high=200)
    min_repeat: int = tunable(
        3, "Templates seen at least this often are collapsed; rarer ones keep every line.", low=2, high=20
    )


class SearchPolicy(_Frozen):
    """Grep-style and search-API results."""

    enabled: bool = Field(True, description="Compress search results at all.")
    max_matches_per_file: int = tunable(3, "Best matches kept per file.", low=1, high=50)
    max_files: int = tunable(25, "Files kept (ranked by relevance to the query).", low=1, high=500, log=True)
    context_lines: int = tunable(
        1, "Context lines (from grep -C) kept on each side of a kept match.", low=0, high=10
    )


class DiffPolicy(_Frozen):
    """Unified diffs and patches."""

    enabled: bool = Field(True, description="Compress diffs at all.")
    context_lines: int = tunable(1, "Unchanged context lines kept around each change.", low=0, high=10)
    collapse_diffstat: bool = tunable(
        True, "Replace a patch's per-file diffstat lines with a marker.", choices=[True, False]
    )
    generated_run_lines: int = tunable(
        40,
        "Changed-line runs in generated or golden files longer than this are cut.",
        low=10,
        high=1000,
        log=True,
    )
    generated_keep_lines: int = tunable(
        6, "Lines kept at the head and at the tail of a cut run.", low=0, high=50
    )


class HtmlPolicy(_Frozen):
    """HTML pages: main-content extraction to markdown."""

    enabled: bool = Field(True, description="Compress HTML at all.")
    include_links: bool = tunable(False, "Keep hyperlink targets in the markdown.", choices=[False, True])
    include_tables: bool = tunable(True, "Keep tables from the main content.", choices=[False, True])
    favor_recall: bool = tunable(
        True, "Ask the extractor to keep more borderline text rather than less.", choices=[True, False]
    )


class ProsePolicy(_Frozen):
    """Prose and markdown: Kompress word-level deletion when available, else extractive sentence selection."""

    enabled: bool = Field(True, description="Compress prose at all.")
    keep_rate: float = tunable(0.45, "Share of tokens to keep.", low=0.1, high=1.0)
    min_tokens: int = tunable(150, "Texts shorter than this are passed through.", low=0, high=2000)
    query_weight: float = tunable(
        3.0, "Weight of query relevance (BM25) against the query-free prior.", low=0.5, high=10.0, log=True
    )
    short_code_tokens: int = tunable(
        60, "Fenced code blocks at or below this many tokens are preferred for keeping.", low=0, high=400
    )
    engine: Literal["auto", "kompress", "extractive"] = tunable(
        "auto",
        "auto: the word-level Kompress model when it can run (the [ml] extra and a model at "
        "model_path, the bundled one by default), else extractive with the reason noted; kompress: the "
        "same, asked for explicitly; extractive: sentence selection only. Tuning chooses between auto "
        "and extractive: Kompress keeps more of what a query asks for, sentence selection saves more.",
        choices=("auto", "extractive"),
    )
    model_path: str | None = Field(
        None,
        description="Kompress model directory (kompress.json or a HF checkpoint); None = bundled default.",
    )
    keep_label: int | None = Field(
        None, ge=0, description="Label index meaning keep, for checkpoints without kompress.json (default 1)."
    )
    threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Keep words whose keep probability reaches this (overrides keep_rate).",
    )
    query_boost: float = tunable(
        0.3,
        "Added to the keep probability of words matching the query (less for their neighbours).",
        low=0.0,
        high=1.0,
    )
    query_share: float = tunable(
        0.8,
        "Kompress with a query: share of the token budget given first to the sentences most relevant "
        "to it (kept whole), before word-level pruning of the rest.",
        low=0.0,
        high=1.0,
    )
    dense_weight: float = tunable(
        2.0,
        "Kompress with a query: weight of sentence-encoder similarity against BM25 when ranking "
        "sentences (both as z-scores).",
        low=0.0,
        high=4.0,
    )
    quantize: bool = Field(True, description="Run Kompress with int8 dynamic quantization on CPU.")
    backend: Literal["auto", "torch", "onnx"] = Field(
        "auto",
        description="Kompress inference backend: onnx exports the model once (cached, int8 when quantize) "
        "and runs it with onnxruntime; torch runs the torch module; auto: onnx when onnxruntime is "
        "installed, else torch (also torch when the export fails).",
    )


class CodePolicy(_Frozen):
    """Source code."""

    enabled: bool = Field(True, description="Compress code at all.")
    mode: Literal["skeleton", "query", "lines"] = tunable(
        "skeleton",
        "How code is reduced: skeleton (bodies elided; bodies the query names stay whole), query "
        "(also bodies the recent conversation names), lines (structure kept, long bodies line-pruned).",
        choices=["skeleton", "query", "lines"],
    )
    min_body_lines: int = tunable(3, "Function bodies shorter than this many lines are kept.", low=1, high=40)
    min_run_lines: int = tunable(
        4, "Runs of top-level executable statements shorter than this are kept.", low=1, high=60
    )
    call_depth: int = tunable(
        1, "Callers/callees (within the file) of a kept symbol also kept, in hops.", low=0, high=3
    )
    prune_over_lines: int = tunable(
        60, "Kept bodies longer than this are line-pruned (0 = never).", low=0, high=1000, log=False
    )
    prune_min_lines: int = tunable(
        3, "Shortest run of plain statements that pruning removes.", low=1, high=20
    )
    min_comment_lines: int = tunable(
        4, "Doc comments/docstrings of at least this many lines are cut to their first line.", low=2, high=50
    )
    protect_recent_files: bool = tunable(
        True,
        "Pass through a file whose name appears in the latest turns (being edited).",
        choices=[True, False],
    )
    protect_recent_symbols: bool = tunable(
        True, "Keep whole the bodies of symbols named in the latest turns.", choices=[True, False]
    )
    critical_per_marker: int = tunable(
        100, "Critical (error/exception…) lines echoed as comments beside each marker.", low=0, high=200
    )


class HistoryPolicy(_Frozen):
    """Observation masking of old tool outputs."""

    enabled: bool = Field(False, description="Replace old tool outputs with a stub and store key.")
    keep_last_observations: int = tunable(
        10, "The most recent tool outputs (agent steps) are never masked; older ones may be.", low=1, high=50
    )
    min_tokens: int = tunable(200, "Tool outputs shorter than this are never masked.", low=0, high=5000)


class ActivityPolicy(_Frozen):
    """Rules by what the agent was doing when a tool ran (:mod:`headroom.activity` reads the calls).

    A kept-verbatim tool result is forwarded as the tool returned it. A block that leaves the
    newest N changes once, from verbatim to compressed (one prompt-cache break at that point),
    which the session replay prices; the tuner weighs it against the facts it keeps.
    """

    enabled: bool = Field(True, description="Apply the activity rules at all.")
    read_verbatim_last: int = tunable(
        0,
        "The newest N results of file reads are forwarded verbatim; older ones are compressed.",
        low=0,
        high=30,
    )
    search_verbatim_last: int = tunable(
        0,
        "The newest N results of searches (grep, find, code search) are forwarded verbatim.",
        low=0,
        high=10,
    )
    test_verbatim_last: int = tunable(
        0, "The newest N results of test and lint runs are forwarded verbatim.", low=0, high=10
    )
    edited_read_verbatim: bool = tunable(
        False, "A file read is forwarded verbatim once a later call edits that file.", choices=[False, True]
    )


class ShapingPolicy(_Frozen):
    """Output shaping: a verbosity note at the end of the system prompt, and effort routing.

    The defaults change nothing; a tuned or hand-written policy turns the parts on.
    """

    enabled: bool = Field(True, description="Apply output shaping at all (the parts below still opt in).")
    verbosity: Literal["off", "concise", "terse"] = tunable(
        "off",
        "Verbosity note appended to the end of the system prompt: off, concise or terse.",
        choices=["off", "concise", "terse"],
    )
    note_style: Literal["plain", "bullets", "budget"] = tunable(
        "plain",
        "Wording of the verbosity note: plain (direct instruction), bullets (short lists), "
        "budget (a word budget).",
        choices=["plain", "bullets", "budget"],
    )
    effort_routing: bool = tunable(
        False,
        "Lower reasoning effort / thinking budget on turns that only continue after a routine tool "
        "result (never raised; never on a new user question or after an error).",
        choices=[False, True],
    )
    effort_steps: int = tunable(1, "How many levels effort is lowered on a routine turn.", low=1, high=2)
    min_reasoning_effort: Literal["minimal", "low", "medium"] = Field(
        "low",
        description=(
            "Lowest OpenAI reasoning_effort routing may set; 'minimal' only for models that accept it "
            "(o-series models reject it)."
        ),
    )
    min_thinking_budget: int = tunable(
        1024,
        "Lowest Anthropic thinking budget_tokens routing may set (the API minimum is 1024).",
        low=1024,
        high=32000,
        log=True,
    )


class LiveZonePolicy(_Frozen):
    """What may be compressed, and what is frozen for provider prompt caches."""

    min_block_tokens: int = tunable(
        120, "Blocks shorter than this are passed through untouched.", low=0, high=2000
    )
    compress_user_text_over: int = tunable(
        1500, "User text blocks at or above this many tokens count as pasted content.", low=200, high=20000
    )
    frozen_messages: int = Field(
        0, ge=0, description="Leading messages always frozen (besides system and cache breakpoints)."
    )
    freeze_cache_breakpoints: bool = Field(
        False,
        description=(
            "Also freeze every message up to the last cache_control breakpoint before the final "
            "message. Use it when the provider cached those messages uncompressed (Headroom was "
            "put in front mid-conversation); otherwise deterministic compression keeps caches hot."
        ),
    )
    max_block_chars: int = Field(
        64_000_000, ge=1000, description="Blocks longer than this are passed through (with a reason)."
    )
    block_budget_ms: float = Field(
        1000.0,
        ge=0,
        description="Time one block may take to compress, besides block_budget_ms_per_10k_tokens; a block "
        "that runs past its budget is forwarded unchanged (fail open). 0 with 0 below: no budget.",
    )
    block_budget_ms_per_10k_tokens: float = Field(
        200.0,
        ge=0,
        description="Extra time a block may take per 10,000 input tokens (big blocks get longer).",
    )


class Provenance(_Frozen):
    """Where a tuned policy came from."""

    study: str | None = Field(None, description="Optuna study name.")
    trial: int | None = Field(None, description="Trial number within the study.")
    mlflow_run_id: str | None = Field(None, description="mlflow run that recorded the trial.")
    suite_hash: str | None = Field(None, description="Hash of the suite or corpus tuned on.")
    metrics: dict[str, Any] = Field(
        default_factory=dict, description="Metrics with intervals, e.g. {'savings': [0.5, 0.47, 0.53]}."
    )


class Policy(_Frozen):
    """The whole runtime policy. Load with :func:`load_policy`."""

    schema_version: int = Field(SCHEMA_VERSION, description="Policy schema version.")
    name: str = Field("default", description="Human name of the policy.")
    encoding: Literal["o200k_base", "cl100k_base"] = Field(
        "o200k_base", description="Tokenizer used to count tokens."
    )
    live_zone: LiveZonePolicy = Field(default_factory=LiveZonePolicy, description="Live-zone rules.")
    json_: JsonPolicy = Field(default_factory=JsonPolicy, alias="json", description="JSON rules.")
    table: TablePolicy = Field(default_factory=TablePolicy, description="CSV/TSV table rules.")
    log: LogPolicy = Field(default_factory=LogPolicy, description="Log rules.")
    search: SearchPolicy = Field(default_factory=SearchPolicy, description="Search-result rules.")
    diff: DiffPolicy = Field(default_factory=DiffPolicy, description="Diff rules.")
    html: HtmlPolicy = Field(default_factory=HtmlPolicy, description="HTML rules.")
    prose: ProsePolicy = Field(default_factory=ProsePolicy, description="Prose/markdown rules.")
    code: CodePolicy = Field(default_factory=CodePolicy, description="Code rules.")
    history: HistoryPolicy = Field(default_factory=HistoryPolicy, description="History rules.")
    activity: ActivityPolicy = Field(
        default_factory=ActivityPolicy, description="Rules by what the agent was doing (read, edit, test...)."
    )
    shaping: ShapingPolicy = Field(
        default_factory=ShapingPolicy, description="Output shaping (verbosity note, effort routing)."
    )
    provenance: Provenance | None = Field(None, description="Where a tuned policy came from.")

    model_config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)

    @property
    def policy_hash(self) -> str:
        """Stable hash of everything that changes runtime behaviour (not name or provenance)."""
        body = self.model_dump(mode="json", by_alias=True, exclude={"name", "provenance"})
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def to_yaml(self) -> str:
        """Serialise with aliases, in a stable key order."""
        data = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        return yaml.safe_dump(data, sort_keys=False)


def policy_from_mapping(data: Any, source: str = "<mapping>") -> Policy:
    """Validate a mapping into a :class:`Policy`, naming the source on error."""
    if not isinstance(data, dict):
        raise ConfigError(f"{source}: a policy must be a mapping, got {type(data).__name__}")
    version = data.get("schema_version", SCHEMA_VERSION)
    if version != SCHEMA_VERSION:
        raise ConfigError(f"{source}: schema_version {version} is not supported (expected {SCHEMA_VERSION})")
    try:
        return Policy.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors())
        raise ConfigError(f"{source}: invalid policy: {problems}") from exc


def load_policy(path: str | os.PathLike[str] | None = None) -> Policy:
    """Load a policy from ``path``, else ``$HEADROOM_POLICY``, else the built-in default."""
    chosen = path if path is not None else os.environ.get(POLICY_ENV_VAR)
    if not chosen:
        return Policy()
    file = Path(chosen)
    data = read_yaml(file, "policy")
    return policy_from_mapping(data if data is not None else {}, source=str(file))


def search_space(model: type[BaseModel] = Policy, prefix: str = "") -> dict[str, dict[str, Any]]:
    """Flatten every tunable field into ``{"json.max_items": {"low":..,"high":..}, ...}``."""
    space: dict[str, dict[str, Any]] = {}
    for name, field in model.model_fields.items():
        key = f"{prefix}{field.alias or name}"
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            space.update(search_space(annotation, prefix=f"{key}."))
            continue
        extra = field.json_schema_extra
        if isinstance(extra, dict) and "tunable" in extra:
            spec = dict(extra["tunable"])  # type: ignore[arg-type]
            spec["default"] = field.default
            space[key] = spec
    return space
