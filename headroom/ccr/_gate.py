"""One writer at a time across processes, handed on within a fraction of a millisecond.

SQLite serialises writers itself, but a writer that finds the lock taken sleeps 1, 2, 5, 10, 25 ms
and more between retries (its busy handler), so under eight writers a 0.2 ms put often waits 10
to 50 ms for a lock that was free after 0.3. Here writers first take an advisory lock on a
sidecar file (``<store>.lock``), polled every few tens of microseconds, so that the SQLite write
lock is almost always free when they ask for it. The lock goes with the process: a writer that
crashes releases it. A writer that waits past the busy timeout gets a ``StoreError``, as SQLite's
own timeout gives one, and its block passes through: a hung process never stalls the others.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from headroom.errors import StoreError

try:
    import fcntl
except ImportError:  # Windows: SQLite's own busy handler serialises writers there
    fcntl = None  # type: ignore[assignment]

_FIRST_WAIT_S = 25e-6
_LONGEST_WAIT_S = 500e-6


class WriteGate:
    """An exclusive inter-process lock on ``<path>.lock``; a no-op where there is no file to lock."""

    def __init__(self, path: Path | None, timeout_s: float) -> None:
        self._timeout = timeout_s
        self._path = None if path is None or fcntl is None else path.with_name(path.name + ".lock")
        self._fd: int | None = None

    @contextlib.contextmanager
    def held(self, *, wait: bool = True) -> Iterator[bool]:
        """Hold the gate for the body; yields False (without waiting) when ``wait`` is off and it is taken."""
        fd = self._descriptor()
        if fd is None:
            yield True
            return
        if not self._acquire(fd, self._timeout if wait else 0.0):
            if wait:
                raise StoreError(
                    f"CCR store is busy: no write slot within {self._timeout:g} s ({self._path})"
                )
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None

    def _descriptor(self) -> int | None:
        if self._path is None:
            return None
        if self._fd is None:
            try:
                self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
            except OSError:  # a read-only place: SQLite's own locking still serialises any writer
                self._path = None
                return None
        return self._fd

    @staticmethod
    def _acquire(fd: int, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        pause = _FIRST_WAIT_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
            time.sleep(pause)
            pause = min(pause * 2, _LONGEST_WAIT_S)
