"""The redactor: text rules, JSON structure rules and the process's configured credentials."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from headroom.critical import json_record
from headroom.redaction._rules import TEXT_PASSES, numeric_secret_key, placeholder, secret_key

MIN_CREDENTIAL_LENGTH = 8
"""Shorter configured values are not matched verbatim: ``"x"`` as a dummy key would erase every x."""

_lock = threading.Lock()
_credentials: set[str] = set()


def register_credential(value: str | None) -> None:
    """Remember a credential this process was configured with, so it is redacted wherever it shows.

    Providers call this with every API key they are built with; bearer-prefixed header values
    register their token too. Values shorter than :data:`MIN_CREDENTIAL_LENGTH` are ignored.
    """
    if not value:
        return
    candidates = {value.strip()}
    scheme, _, token = value.strip().partition(" ")
    if token and scheme.lower() in {"bearer", "basic", "token"}:
        candidates.add(token.strip())
    with _lock:
        _credentials.update(c for c in candidates if len(c) >= MIN_CREDENTIAL_LENGTH)


def registered_credentials() -> frozenset[str]:
    """Every credential registered so far."""
    with _lock:
        return frozenset(_credentials)


def forget_credentials() -> None:
    """Drop every registered credential (tests use this to start clean)."""
    with _lock:
        _credentials.clear()


@dataclass(frozen=True)
class Redactor:
    """Replaces secrets with ``[REDACTED:kind]`` in text and in JSON-shaped data.

    Three layers: known token formats anywhere in text; values under secret-looking key names
    at any depth (and ``name=value`` in text); and ``credentials``, matched exactly. Redacting
    is idempotent, keeps JSON valid and never changes the shape of the data.
    """

    credentials: frozenset[str] = field(default_factory=frozenset)
    """Exact values to redact wherever they appear (the configured API keys)."""

    def with_credentials(self, values: Iterable[str]) -> Redactor:
        """A redactor that also knows ``values``."""
        extra = {v for v in values if v and len(v) >= MIN_CREDENTIAL_LENGTH}
        return Redactor(self.credentials | extra)

    def text(self, text: str) -> str:
        """``text`` with every secret replaced."""
        # Longest first, so a key that contains another registered key goes whole.
        for credential in sorted(self.credentials, key=len, reverse=True):
            if credential in text:
                text = text.replace(credential, placeholder("credential"))
        for redact_pass in TEXT_PASSES:
            text = redact_pass(text)
        return text

    def value(self, data: Any) -> Any:
        """A redacted copy of JSON-shaped ``data`` (dicts, lists, tuples, strings, numbers)."""
        if isinstance(data, dict):
            return {k: self._field(str(k), v) for k, v in data.items()}
        if isinstance(data, list | tuple):
            return [self.value(v) for v in data]
        if isinstance(data, str):
            return self._string(data)
        return data

    def _field(self, name: str, value: Any) -> Any:
        if secret_key(name):
            return _blank(value, numbers=numeric_secret_key(name))
        return self.value(value)

    def _string(self, text: str) -> str:
        embedded = json_record(text)
        if embedded is not None:
            # Tool-call arguments are JSON inside a string: redact by key, then re-encode,
            # but only when something changed, so clean arguments stay byte-identical.
            clean = self.value(embedded)
            if clean != embedded:
                return json.dumps(clean, ensure_ascii=False)
        return self.text(text)


def _blank(value: Any, numbers: bool) -> Any:
    """Every string under a secret-looking key, replaced (numbers too when ``numbers``).

    Numbers usually stay because counters share the words (``token_f1``); booleans and
    ``None`` always stay. The shape is kept, so readers of the data keep working.
    """
    if isinstance(value, dict):
        return {k: _blank(v, numbers) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_blank(v, numbers) for v in value]
    if isinstance(value, str):
        return value if not value or value.startswith("[REDACTED") else placeholder("secret")
    if numbers and isinstance(value, int | float) and not isinstance(value, bool):
        return placeholder("secret")
    return value


def default_redactor() -> Redactor:
    """A redactor that knows every credential registered in this process."""
    return Redactor(registered_credentials())


def redact_text(text: str) -> str:
    """:meth:`Redactor.text` with the registered credentials."""
    return default_redactor().text(text)


def redact_value(data: Any) -> Any:
    """:meth:`Redactor.value` with the registered credentials."""
    return default_redactor().value(data)
