"""Deployment settings, read once at an entry point (``HEADROOM_`` environment prefix)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Knobs for where Headroom keeps things; compression behaviour lives in the policy."""

    model_config = SettingsConfigDict(env_prefix="HEADROOM_", frozen=True, extra="ignore")

    policy: Path | None = Field(None, description="Policy YAML to load instead of the default.")
    store_path: Path | None = Field(
        None, description="SQLite file of the reversible store (default: user cache dir)."
    )
    store_ttl_seconds: float = Field(7 * 24 * 3600, gt=0, description="How long originals are kept.")
    store_max_bytes: int = Field(1024**3, gt=0, description="Size cap of the store; LRU beyond it.")
