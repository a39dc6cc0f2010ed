"""WAL checkpoints off the put path: a put appends to the log and returns.

SQLite's automatic checkpoint runs inside whichever commit crosses the threshold, so one put
in a few hundred pays for copying the whole log into the database (and its fsync): a 0.1 ms put
becomes 10-50 ms. Here a small thread per store, with its own connection, runs a PASSIVE
checkpoint (it never blocks writers or readers) shortly after writes, and exits when the store
has been idle a while, so an idle process holds no thread.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from pathlib import Path

_COALESCE_S = 0.5
_IDLE_EXIT_S = 10.0


class WalCheckpointer:
    """Checkpoints one SQLite file's WAL in the background after it has been written to."""

    def __init__(self, path: Path, busy_timeout_s: float) -> None:
        self._path = path
        self._timeout = busy_timeout_s
        self._written = threading.Event()
        self._stopped = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def written(self) -> None:
        """Note a commit; a checkpoint follows within about half a second."""
        self._written.set()
        with self._lock:
            if self._stopped.is_set() or (self._thread is not None and self._thread.is_alive()):
                return
            self._thread = threading.Thread(
                target=self._run, name=f"headroom-wal-{self._path.name}", daemon=True
            )
            self._thread.start()

    def close(self) -> None:
        """Stop the thread after one last checkpoint of what was written."""
        self._stopped.set()
        self._written.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout=self._timeout)

    def _run(self) -> None:
        with contextlib.suppress(sqlite3.Error), contextlib.closing(self._connect()) as db:
            while self._written.wait(_IDLE_EXIT_S):
                self._stopped.wait(_COALESCE_S)  # let a burst of puts finish first
                self._written.clear()
                with contextlib.suppress(sqlite3.Error):  # busy or read-only: the next round retries
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                if self._stopped.is_set():
                    return

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(str(self._path), timeout=self._timeout, isolation_level=None)
