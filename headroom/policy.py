"""The policy schema: one frozen model per compressor, composed into :class:`Policy`.

Every tunable field declares its search range through :func:`tunable`, so the tuner
derives its search space from this schema and can never write a key the runtime ignores.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    create_model,
    model_validator,
)
from pydantic.fields import FieldInfo

from headroom._lazy import lazy_attributes
from headroom._policy_fields import Frozen as Section
from headroom._policy_fields import Frozen as _Frozen
from headroom._policy_fields import tunable
from headroom.errors import ConfigError
from headroom.yaml_io import read_yaml

if TYPE_CHECKING:
    from headroom.compressors._code import CodePolicy
    from headroom.compressors._diff import DiffPolicy
    from headroom.compressors._html import HtmlPolicy
    from headroom.compressors._json import JsonPolicy
    from headroom.compressors._log import LogPolicy
    from headroom.compressors._prose import ProsePolicy
    from headroom.compressors._search import SearchPolicy
    from headroom.compressors._table import TablePolicy

__all__ = [
    "POLICY_ENV_VAR",
    "SCHEMA_VERSION",
    "CodePolicy",
    "DiffPolicy",
    "HistoryPolicy",
    "HtmlPolicy",
    "JsonPolicy",
    "LiveZonePolicy",
    "LogPolicy",
    "Policy",
    "ProsePolicy",
    "Provenance",
    "SearchPolicy",
    "Section",
    "ShapingPolicy",
    "TablePolicy",
    "compressor_sections",
    "load_policy",
    "policy_from_mapping",
    "search_space",
    "tunable",
]

SCHEMA_VERSION = 1
POLICY_ENV_VAR = "HEADROOM_POLICY"


class HistoryPolicy(_Frozen):
    """Observation masking of old tool outputs."""

    enabled: bool = tunable(
        False, "Replace old tool outputs with a stub and store key.", choices=[False, True]
    )
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
        56,
        "The newest N results of file reads are forwarded verbatim; older ones are compressed.",
        low=0,
        high=80,
    )
    search_verbatim_last: int = tunable(
        19,
        "The newest N results of searches (grep, find, code search) are forwarded verbatim.",
        low=0,
        high=20,
    )
    test_verbatim_last: int = tunable(
        1, "The newest N results of test and lint runs are forwarded verbatim.", low=0, high=10
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
    """The whole runtime policy. Load with :func:`load_policy`.

    Besides the keys below, a policy holds one section per registered compressor that declares
    one (``json``, ``log``…, and any plugin's), keyed by the compressor's name: validated by the
    section's model, part of the hash and of the search space. Read one as an attribute
    (``policy.log``; ``policy.json_`` for JSON, as ``json`` names a pydantic method) or with
    :meth:`section`.
    """

    schema_version: int = Field(SCHEMA_VERSION, description="Policy schema version.")
    name: str = Field("default", description="Human name of the policy.")
    encoding: Literal["o200k_base", "cl100k_base"] = Field(
        "o200k_base", description="Tokenizer used to count tokens."
    )
    live_zone: LiveZonePolicy = Field(default_factory=LiveZonePolicy, description="Live-zone rules.")
    history: HistoryPolicy = Field(default_factory=HistoryPolicy, description="History rules.")
    activity: ActivityPolicy = Field(
        default_factory=ActivityPolicy, description="Rules by what the agent was doing (read, edit, test...)."
    )
    shaping: ShapingPolicy = Field(
        default_factory=ShapingPolicy, description="Output shaping (verbosity note, effort routing)."
    )
    provenance: Provenance | None = Field(None, description="Where a tuned policy came from.")

    # Compressor sections are validated by the composed model below; nothing else gets in.
    model_config = ConfigDict(frozen=True, extra="allow", populate_by_name=True)

    @model_validator(mode="wrap")
    @classmethod
    def _compose(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Policy:
        if not isinstance(data, dict):
            return cast("Policy", handler(data))
        own = _own_keys()
        sections = _sections_model().model_validate(
            {_section_key(key): value for key, value in data.items() if key not in own}
        )
        policy = cast("Policy", handler({key: value for key, value in data.items() if key in own}))
        extra = policy.__pydantic_extra__
        assert extra is not None
        extra.update(
            {
                field.alias or name: getattr(sections, name)
                for name, field in type(sections).model_fields.items()
            }
        )
        return policy

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("__"):
            found = (self.__pydantic_extra__ or {}).get(_section_key(name))
            if found is not None:
                return found
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def section(self, name: str) -> BaseModel | None:
        """The section of compressor ``name``, or ``None`` when it declares none."""
        found = (self.__pydantic_extra__ or {}).get(name)
        return found if isinstance(found, BaseModel) else None

    @property
    def policy_hash(self) -> str:
        """Stable hash of everything that changes runtime behaviour (not name or provenance)."""
        body = self.model_dump(mode="json", by_alias=True, exclude={"name", "provenance"})
        canonical = json.dumps(body, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:16]

    def to_yaml(self) -> str:
        """Serialise with aliases, in a stable key order: the compressor sections after the live
        zone, then history, shaping and provenance."""
        data = self.model_dump(mode="json", by_alias=True, exclude_none=True)
        tail = {key: data.pop(key) for key in _TAIL if key in data}
        return yaml.safe_dump({**data, **tail}, sort_keys=False)


_TAIL = ("history", "shaping", "provenance")


def _own_keys() -> frozenset[str]:
    return frozenset(key for name, field in Policy.model_fields.items() for key in (name, field.alias) if key)


def _section_key(key: str) -> str:
    """``json_`` (the attribute name, as ``json`` is a pydantic method) is the ``json`` section."""
    return key[:-1] if key.endswith("_") else key


def compressor_sections() -> dict[str, type[BaseModel]]:
    """Every registered compressor's section model, keyed by the compressor's name."""
    from headroom.compressors._registry import policy_sections

    return policy_sections(reserved=_own_keys())


def _sections_model() -> type[BaseModel]:
    sections = compressor_sections()
    return _composed(tuple((key, model) for key, model in sections.items()))


@functools.lru_cache(maxsize=8)
def _composed(sections: tuple[tuple[str, type[BaseModel]], ...]) -> type[BaseModel]:
    """One model holding every section (extra keys forbidden), built once per registry state."""
    fields: dict[str, Any] = {
        # ``json`` names a BaseModel method: such a section's field gets a trailing underscore.
        (f"{key}_" if hasattr(BaseModel, key) else key): (
            model,
            Field(default_factory=model, alias=key, description=(model.__doc__ or "").strip()),
        )
        for key, model in sections
    }
    config = ConfigDict(frozen=True, extra="forbid", populate_by_name=True)
    return create_model("PolicySections", __config__=config, **fields)


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
    """Flatten every tunable field into ``{"json.max_items": {"low":..,"high":..}, ...}``.

    For :class:`Policy` that includes every registered compressor's section.
    """
    space: dict[str, dict[str, Any]] = {}
    for key, annotation, field in _fields(model, prefix):
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            space.update(search_space(annotation, prefix=f"{key}."))
            continue
        extra = field.json_schema_extra
        if isinstance(extra, dict) and "tunable" in extra:
            spec = dict(extra["tunable"])  # type: ignore[arg-type]
            spec["default"] = field.default
            space[key] = spec
    return space


def _fields(model: type[BaseModel], prefix: str) -> list[tuple[str, Any, FieldInfo]]:
    found = [
        (f"{prefix}{field.alias or name}", field.annotation, field)
        for name, field in model.model_fields.items()
    ]
    if model is Policy:
        found += [(f"{prefix}{key}", section, FieldInfo()) for key, section in compressor_sections().items()]
    return found


_MOVED = {
    "CodePolicy": "headroom.compressors._code",
    "DiffPolicy": "headroom.compressors._diff",
    "HtmlPolicy": "headroom.compressors._html",
    "JsonPolicy": "headroom.compressors._json",
    "LogPolicy": "headroom.compressors._log",
    "ProsePolicy": "headroom.compressors._prose",
    "SearchPolicy": "headroom.compressors._search",
    "TablePolicy": "headroom.compressors._table",
}
"""Section models that now live beside their compressors, still importable from here."""


__getattr__ = lazy_attributes(__name__, _MOVED)
