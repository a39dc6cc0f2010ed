"""Deployment settings, read once at an entry point (``HEADROOM_`` environment prefix)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

if TYPE_CHECKING:
    from headroom.ccr import SqliteStore


class Settings(BaseSettings):
    """Knobs for where Headroom keeps things; compression behaviour lives in the policy."""

    model_config = SettingsConfigDict(env_prefix="HEADROOM_", frozen=True, extra="ignore")

    policy: Path | None = Field(None, description="Policy YAML to load instead of the default.")
    store_path: Path | None = Field(
        None, description="SQLite file of the reversible store (default: user cache dir)."
    )
    store_ttl_seconds: float = Field(7 * 24 * 3600, gt=0, description="How long originals are kept.")
    store_max_bytes: int = Field(1024**3, gt=0, description="Size cap of the store; LRU beyond it.")
    store_scope: str = Field(
        "default",
        min_length=1,
        description="Project, session or tenant: a store serves only the entries its own scope wrote.",
    )
    store_secret: SecretStr | None = Field(
        None,
        description="Secret the store's keys are derived from (default: a per-installation file beside the store).",
    )

    store_busy_timeout_s: float = Field(
        30.0,
        gt=0,
        description="How long a put waits for another process's write before its block passes through.",
    )

    def open_store(self) -> SqliteStore:
        """The SQLite store these settings describe."""
        from headroom.ccr import SqliteStore

        secret = self.store_secret.get_secret_value().encode() if self.store_secret else None
        return SqliteStore(
            self.store_path,
            self.store_ttl_seconds,
            self.store_max_bytes,
            scope=self.store_scope,
            secret=secret,
            busy_timeout_s=self.store_busy_timeout_s,
        )
