"""Large originals as files beside the database, so a 3 MB put never holds the write lock for long.

SQLite's own measurements put the crossover near 100 KB: larger blobs read and write faster as
files than as rows, and a row of 1 MB keeps every other process's put waiting while it is copied
into the log. A large original is written here (to a temporary name, then renamed, so a reader
never sees half of one) before its row is inserted; the row records that its content is outside.

Every removal happens while the writer holds the store's write gate, and every insert of an
outside row checks, under the same gate, that its file is there (writing it again if another
process's eviction removed it meanwhile): so a committed row always has its file. A crash between
the file and its row leaves a file no row names; ``sweep`` removes those once they are old.
"""

from __future__ import annotations

import contextlib
import os
import re
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from headroom.errors import EntryNotFound, StoreError

_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}")
_ORPHAN_AGE_S = 3600.0


class BlobFiles:
    """Owner-only files named by store key in one owner-only directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def write(self, name: str, data: bytes) -> None:
        """Store ``data`` as ``name`` atomically (a concurrent writer of the same key writes the same bytes)."""
        target = self._path(name)
        self._ensure_directory()
        temporary = target.with_name(f".{name}.{os.getpid()}.{time.monotonic_ns()}")
        try:
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            os.replace(temporary, target)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise StoreError(f"cannot write a stored original under {self.directory}: {exc}") from exc

    def ensure(self, name: str, data: Callable[[], bytes]) -> None:
        """Write ``name`` again when it is missing (called with the write gate held)."""
        if not self._path(name).exists():
            self.write(name, data())

    def read(self, name: str) -> bytes:
        try:
            return self._path(name).read_bytes()
        except FileNotFoundError as exc:
            raise EntryNotFound(
                f"the stored original for key {name!r} is gone from {self.directory}"
            ) from exc
        except OSError as exc:
            raise StoreError(f"cannot read the stored original for key {name!r}: {exc}") from exc

    def remove(self, names: Iterable[str]) -> None:
        """Delete these files (called with the write gate held); a missing one is already gone."""
        for name in names:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self._path(name))

    def sweep(self, referenced: Callable[[list[str]], set[str]], older_than_s: float = _ORPHAN_AGE_S) -> int:
        """Delete files no row names that are older than ``older_than_s`` (and stale temporaries); how many."""
        if not self.directory.is_dir():
            return 0
        cutoff = time.time() - older_than_s
        candidates = []
        with os.scandir(self.directory) as entries:
            for entry in entries:
                with contextlib.suppress(FileNotFoundError):
                    if entry.is_file() and entry.stat().st_mtime < cutoff:
                        candidates.append(entry.name)
        stale = [name for name in candidates if name.startswith(".")]
        named = [name for name in candidates if _NAME.fullmatch(name)]
        kept = referenced(named) if named else set()
        orphans = stale + [name for name in named if name not in kept]
        for name in orphans:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.directory / name)
        return len(orphans)

    def _path(self, name: str) -> Path:
        if not _NAME.fullmatch(name):
            raise StoreError(f"refusing a stored-original file name {name!r}")
        return self.directory / name

    def _ensure_directory(self) -> None:
        if not self.directory.is_dir():
            self.directory.mkdir(parents=True, mode=0o700, exist_ok=True)
