"""Store keys: keyed hashes of (scope, content), so a key says nothing to whoever lacks the secret.

A plain content hash lets anyone who can guess a tool output confirm it is stored and fetch it,
and gives two projects sharing a store the same key for the same text. Keys here are
HMAC-SHA256 under a per-installation secret, over the scope and the content: the same original
in the same scope always gets the same key (compression stays deterministic and cache-stable),
another scope or another installation gets another key, and the full 256-bit digest is kept
beside each entry so two contents that share a 60-bit key are told apart instead of served for
each other.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from headroom.errors import StoreError

KEY_PREFIX = "hr"
KEY_DIGITS = 18
DEFAULT_SCOPE = "default"
_SECRET_BYTES = 32


@dataclass(frozen=True)
class KeyScheme:
    """How one store names its entries: a secret and the scope the store serves."""

    secret: bytes
    """Per-installation secret (at least 16 bytes); never written into keys or markers."""
    scope: str = DEFAULT_SCOPE
    """Project, session or tenant whose entries this store writes and serves."""
    digits: int = KEY_DIGITS
    """Decimal digits of a key: tokenizers read digits three to a token (18 digits, 6 tokens)."""

    def __post_init__(self) -> None:
        if len(self.secret) < 16:
            raise StoreError("the store secret must be at least 16 bytes")
        if not self.scope or "\x00" in self.scope:
            raise StoreError(f"invalid store scope {self.scope!r}: non-empty, no NUL")

    def digest(self, content: bytes) -> bytes:
        """The full keyed digest of ``content`` in this scope (kept to detect key collisions)."""
        mac = hmac.new(self.secret, digestmod=hashlib.sha256)
        mac.update(self.scope.encode("utf-8", "surrogatepass") + b"\x00")
        mac.update(content)
        return mac.digest()

    def key(self, content: bytes) -> str:
        """The marker key of ``content``: ``hr`` + decimal digits of its keyed digest."""
        return key_from_digest(self.digest(content), self.digits)


def key_from_digest(digest: bytes, digits: int = KEY_DIGITS) -> str:
    """``hr`` + ``digits`` decimal digits taken from the first 8 bytes of ``digest``."""
    number = int.from_bytes(digest[:8], "big") % 10**digits
    return f"{KEY_PREFIX}{number:0{digits}d}"


def ephemeral_secret() -> bytes:
    """A fresh random secret, for stores that live only as long as the process."""
    return secrets.token_bytes(_SECRET_BYTES)


def installation_secret(path: Path) -> bytes:
    """The secret kept at ``path`` (owner-only), created on first use.

    Created by writing a private temporary file and linking it into place, so processes that
    start together on a fresh store all read the one secret that won, never a half-written one.
    """
    with contextlib.suppress(FileNotFoundError):
        return _read_secret(path)
    path.parent.mkdir(parents=True, mode=0o700, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secrets.token_bytes(_SECRET_BYTES))
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
    return _read_secret(path)


def _read_secret(path: Path) -> bytes:
    secret = path.read_bytes()
    if len(secret) < 16:
        raise StoreError(f"the store secret at {path} is shorter than 16 bytes; remove it to make a new one")
    return secret
