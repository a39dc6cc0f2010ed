"""One exception tree for everything Headroom raises.

::

    HeadroomError
    ├── ConfigError              bad policy, settings or arguments
    ├── MessageFormatError       malformed provider message structure
    ├── TraceFormatError         a recorded agent trace is malformed (names file and line)
    ├── UnknownCompressor        a name not in the compressor registry
    ├── CompressionError         a compressor broke its contract
    │   └── TimeBudgetExceeded   a block ran past its time budget (it is forwarded unchanged)
    ├── StoreError               reversible store (CCR) failures
    │   ├── EntryNotFound
    │   ├── EntryExpired
    │   ├── StoreFull            no room beside the entries this call's markers point to
    │   └── KeyCollision         two contents share a key (never served for each other)
    ├── UpstreamError            provider / upstream HTTP failures
    │   ├── UpstreamTimeout
    │   └── UpstreamStatusError
    └── MissingDependency        an optional extra or data file is absent

Third-party errors are translated at the boundary with ``raise ... from``.
"""

from __future__ import annotations


class HeadroomError(Exception):
    """Root of every error Headroom raises on purpose."""


class ConfigError(HeadroomError):
    """A policy, setting or argument is invalid."""


class MessageFormatError(HeadroomError):
    """Provider messages do not have the structure their format requires."""


class TraceFormatError(HeadroomError):
    """A recorded agent trace cannot be read; the message names the file and line."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line


class UnknownCompressor(HeadroomError):
    """No compressor is registered under the requested name."""


class CompressionError(HeadroomError):
    """A compressor failed in a way that could not be passed through safely."""


class TimeBudgetExceeded(CompressionError):
    """A block's compression ran past ``live_zone.block_budget_ms``; the pipeline forwards it unchanged."""


class StoreError(HeadroomError):
    """The reversible store could not complete an operation."""


class StoreBoundary:
    """Where a storage backend's own errors (``errors``: sqlite3's, redis-py's) become a
    :class:`StoreError` saying what failed where, the backend's error as its cause. A context
    manager, a class rather than a generator: stores enter one per operation."""

    __slots__ = ("_errors", "_what", "_where")

    def __init__(
        self, errors: type[BaseException] | tuple[type[BaseException], ...], what: str, where: object
    ) -> None:
        self._errors = errors
        self._what = what
        self._where = where

    def __enter__(self) -> None:
        return None

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, self._errors):
            raise StoreError(f"{self._what} failed at {self._where}: {exc}") from exc


class EntryNotFound(StoreError):
    """No entry exists for the key."""


class EntryExpired(StoreError):
    """The entry existed but its time-to-live has passed."""


class StoreFull(StoreError):
    """The entry does not fit under the size cap without evicting entries pinned for this call."""


class KeyCollision(StoreError):
    """Another content (or another scope's entry) already holds this content's key."""


class UpstreamError(HeadroomError):
    """An upstream provider call failed."""


class UpstreamTimeout(UpstreamError):
    """An upstream provider call timed out."""


class UpstreamStatusError(UpstreamError):
    """An upstream provider answered with an error status."""

    def __init__(self, message: str, status_code: int) -> None:
        super().__init__(message)
        self.status_code = status_code


class MissingDependency(HeadroomError):
    """An optional dependency or bundled data file is not installed."""

    def __init__(self, what: str, extra: str | None = None) -> None:
        hint = f" Install it with: pip install 'headroom[{extra}]'" if extra else ""
        super().__init__(f"{what} is not available.{hint}")
        self.what = what
        self.extra = extra
