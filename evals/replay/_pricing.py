"""Model prices from ``configs/pricing.yaml`` (USD per 1M tokens) and cost arithmetic."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from headroom.errors import ConfigError
from headroom.yaml_io import read_yaml

ProviderName = Literal["openai", "anthropic"]
DEFAULT_PRICING_PATH = Path(__file__).resolve().parents[2] / "configs" / "pricing.yaml"
_PER_TOKEN = 1e-6


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ModelPrice(_Frozen):
    """One model's list prices."""

    provider: ProviderName = Field(description="Whose caching rules the model is served under.")
    input: float = Field(ge=0, description="Uncached input, USD per 1M tokens.")
    cached_input: float = Field(ge=0, description="Prompt-cache reads, USD per 1M tokens.")
    cache_write: float = Field(ge=0, description="Prompt-cache writes, USD per 1M tokens.")
    output: float = Field(ge=0, description="Output tokens, USD per 1M tokens.")
    aliases: tuple[str, ...] = Field((), description="Other names (or name prefixes) of the model.")
    source: str = Field(description="Where the prices were read.")
    as_of: str = Field(description="When the prices were read (YYYY-MM).")


class Pricing(_Frozen):
    """The whole pricing table with a default model per provider."""

    defaults: dict[ProviderName, str] = Field(description="Model used when a trace's model is unknown.")
    models: dict[str, ModelPrice] = Field(description="Prices by canonical model name.")

    @model_validator(mode="after")
    def _defaults_exist(self) -> Pricing:
        for provider, name in self.defaults.items():
            if name not in self.models:
                raise ValueError(f"default model {name!r} for {provider} has no price entry")
        return self

    def lookup(self, model: str | None) -> str | None:
        """Canonical name for ``model``: exact name or alias, else the longest prefixing name."""
        if not model:
            return None
        wanted = model.lower().split("/")[-1]
        best: tuple[int, str] | None = None
        for name, price in self.models.items():
            for candidate in (name, *price.aliases):
                if wanted == candidate:
                    return name
                if wanted.startswith(candidate) and (best is None or len(candidate) > best[0]):
                    best = (len(candidate), name)
        return best[1] if best else None

    def resolve(self, model: str | None, provider: ProviderName) -> str:
        """The model to price with: ``model`` when known and served by ``provider``, else the default."""
        name = self.lookup(model)
        if name is not None and self.models[name].provider == provider:
            return name
        return self.defaults[provider]


def load_pricing(path: str | Path | None = None) -> Pricing:
    """Load and validate the pricing table (``configs/pricing.yaml`` by default)."""
    file = Path(path) if path is not None else DEFAULT_PRICING_PATH
    data = read_yaml(file, "pricing")
    try:
        return Pricing.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors())
        raise ConfigError(f"{file}: invalid pricing: {problems}") from exc


def cost_usd(price: ModelPrice, input_tokens: int, cache_read: int, cache_write: int, output: int) -> float:
    """Cost of one call; ``input_tokens`` counts every prompt token, cached or not."""
    uncached = input_tokens - cache_read - cache_write
    total = (
        uncached * price.input
        + cache_read * price.cached_input
        + cache_write * price.cache_write
        + output * price.output
    )
    return total * _PER_TOKEN
