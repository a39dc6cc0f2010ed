"""Who is using a wrap-started proxy: one lease file per live ``headroom wrap`` process.

A proxy that a wrap started is stopped by the last wrap that leaves it (so the first one to
exit never kills a proxy another session still uses), and by its own watchdog when every wrap
died without cleaning up (``kill -9``). A proxy the user started has no owner file and is never
stopped. A process is named by pid and start time, so a reused pid is not mistaken for it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no cross-process lock, leases still work
    fcntl = None  # type: ignore[assignment]

LEASES_ENV = "HEADROOM_WRAP_LEASES"
"""The lease folder a wrap-started proxy's watchdog reads (set by the wrap that starts it)."""
INTERVAL_ENV = "HEADROOM_WRAP_WATCHDOG_S"
"""Seconds between watchdog checks (default 30)."""


@dataclass(frozen=True)
class ProcessId:
    """A process, named so that a later process with the same pid does not match."""

    pid: int
    started: str
    """Start time as the kernel gives it ("" where it cannot be read)."""

    @classmethod
    def of(cls, pid: int) -> ProcessId:
        return cls(pid, start_time(pid))

    def alive(self) -> bool:
        if not _pid_running(self.pid):
            return False
        return not self.started or start_time(self.pid) == self.started

    def as_dict(self) -> dict[str, object]:
        return {"pid": self.pid, "started": self.started}

    @classmethod
    def from_dict(cls, data: object) -> ProcessId | None:
        if not isinstance(data, dict) or not isinstance(data.get("pid"), int):
            return None
        return cls(data["pid"], str(data.get("started", "")))


def start_time(pid: int) -> str:
    """Field 22 of ``/proc/<pid>/stat`` (clock ticks since boot); "" where there is no procfs."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[-1].split()[19]


def _pid_running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie has exited; its parent simply has not collected it yet
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


class PortLeases:
    """The lease folder of one port: ``<state>/proxies/<port>/``."""

    def __init__(self, state_dir: Path, port: int) -> None:
        self.root = state_dir / "proxies" / str(port)
        self.port = port

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the port's lock (deciding to reuse, start or stop a proxy is one step for all wraps)."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root.with_suffix(".lock"), "a") as handle:
            if fcntl is not None:
                fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                if fcntl is not None:
                    fcntl.flock(handle, fcntl.LOCK_UN)

    def take(self, holder: ProcessId) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        path = self.root / f"{holder.pid}-{holder.started or 'x'}.lease"
        path.write_text(json.dumps(holder.as_dict()))
        return path

    def live(self, excluding: Path | None = None) -> list[ProcessId]:
        """Holders still running; the files of dead ones are removed on the way."""
        holders = []
        for path in sorted(self.root.glob("*.lease")):
            if path == excluding:
                continue
            holder = _read_id(path)
            if holder is not None and holder.alive():
                holders.append(holder)
            else:
                path.unlink(missing_ok=True)
        return holders

    def set_owner(self, proxy: ProcessId) -> None:
        (self.root / "owner.json").write_text(json.dumps(proxy.as_dict()))

    def owner(self) -> ProcessId | None:
        """The wrap-started proxy on this port, if it still runs."""
        owner = _read_id(self.root / "owner.json")
        return owner if owner is not None and owner.alive() else None

    def clear_owner(self) -> None:
        (self.root / "owner.json").unlink(missing_ok=True)


def _read_id(path: Path) -> ProcessId | None:
    try:
        return ProcessId.from_dict(json.loads(path.read_text()))
    except (OSError, ValueError):
        return None


def stop(proxy: ProcessId, grace_s: float = 10.0) -> None:
    """SIGTERM (uvicorn drains in-flight requests), then SIGKILL after ``grace_s``."""
    if not proxy.alive():
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(proxy.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace_s
    while proxy.alive():
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(proxy.pid, signal.SIGKILL)
            return
        time.sleep(0.05)
