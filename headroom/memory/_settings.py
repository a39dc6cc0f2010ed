"""Where the memory lives and its caps, read once at an entry point (``HEADROOM_MEMORY_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from headroom.memory._model import MemoryLimits, MemoryStore

_REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


class MemorySettings(BaseSettings):
    """Deployment knobs of the shared memory."""

    model_config = SettingsConfigDict(env_prefix="HEADROOM_MEMORY_", frozen=True, extra="ignore")

    store: SecretStr | None = Field(
        None,
        description="URL of a shared memory (redis://[:password@]host:port/db); unset: the Redis store of"
        " HEADROOM_STORE when that is Redis, else the SQLite file at HEADROOM_MEMORY_PATH.",
    )
    redis_namespace: str = Field(
        "headroom:memory", min_length=1, description="Prefix of every Redis key the memory writes."
    )
    path: Path | None = Field(None, description="SQLite file of the memory (default: user data dir).")
    max_fact_chars: int = Field(2000, gt=0, description="Longest fact accepted (longer ones are refused).")
    max_facts: int = Field(1000, gt=0, description="Facts kept per project (least recently used evicted).")
    max_bytes: int = Field(1_000_000, gt=0, description="Content bytes kept per project.")
    ccr_store: SecretStr | None = Field(None, validation_alias="HEADROOM_STORE", description="(read only)")

    def limits(self) -> MemoryLimits:
        return MemoryLimits(
            max_fact_chars=self.max_fact_chars, max_facts=self.max_facts, max_bytes=self.max_bytes
        )

    def location(self) -> str | Path | None:
        """The memory's URL or file: its own setting, else a Redis CCR store's server, else the file."""
        if self.store is not None:
            return self.store.get_secret_value()
        shared = self.ccr_store.get_secret_value() if self.ccr_store is not None else ""
        return shared if shared.lower().startswith(_REDIS_SCHEMES) else self.path

    def open(self) -> MemoryStore:
        from headroom.memory._registry import open_memory

        return open_memory(self.location(), self.limits(), namespace=self.redis_namespace)
