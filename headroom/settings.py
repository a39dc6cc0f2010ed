"""Deployment settings, read once at an entry point (``HEADROOM_`` environment prefix)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from headroom.errors import ConfigError

if TYPE_CHECKING:
    from headroom.ccr import SharedStore

_REDIS_SCHEMES = ("redis", "rediss", "unix")


class Settings(BaseSettings):
    """Knobs for where Headroom keeps things; compression behaviour lives in the policy."""

    model_config = SettingsConfigDict(env_prefix="HEADROOM_", frozen=True, extra="ignore")

    policy: Path | None = Field(None, description="Policy YAML to load instead of the default.")
    store: SecretStr | None = Field(
        None,
        description="URL of a shared store: redis://[:password@]host:port/db (also rediss://, unix://);"
        " unset: the SQLite file at store_path. Secret because it may carry a password.",
    )
    store_redis_namespace: str = Field(
        "headroom:ccr", min_length=1, description="Prefix of every Redis key the store writes."
    )
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
        description="How long a put waits for another process's write (SQLite) or the server's answer (Redis)"
        " before its block passes through.",
    )

    def open_store(self) -> SharedStore:
        """The store these settings describe: Redis when ``store`` is a Redis URL, else SQLite."""
        from headroom.ccr import RedisStore, SqliteStore

        secret = self.store_secret.get_secret_value().encode() if self.store_secret else None
        url = self._store_url()
        if url is not None:
            return RedisStore(
                url,
                self.store_ttl_seconds,
                self.store_max_bytes,
                scope=self.store_scope,
                secret=secret,
                namespace=self.store_redis_namespace,
                timeout_s=self.store_busy_timeout_s,
            )
        return SqliteStore(
            self.store_path,
            self.store_ttl_seconds,
            self.store_max_bytes,
            scope=self.store_scope,
            secret=secret,
            busy_timeout_s=self.store_busy_timeout_s,
        )

    def store_location(self) -> str:
        """Where the store is, as it may be shown (a Redis URL without its password, or the file)."""
        from headroom._redis import without_password
        from headroom.ccr import default_store_path

        url = self._store_url()
        if url is not None:
            return without_password(url)
        return str(self.store_path or default_store_path())

    def _store_url(self) -> str | None:
        """The Redis URL, None for the SQLite default; any other URL is a configuration error."""
        if self.store is None:
            return None
        url = self.store.get_secret_value()
        scheme = url.split("://", 1)[0].lower() if "://" in url else ""
        if scheme not in _REDIS_SCHEMES:
            raise ConfigError(
                f"HEADROOM_STORE must be a Redis URL ({', '.join(s + '://' for s in _REDIS_SCHEMES)});"
                " leave it unset for the SQLite store at HEADROOM_STORE_PATH"
            )
        return url
