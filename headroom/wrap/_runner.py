"""Running the agent in the foreground: signals forwarded, its exit code passed through.

SIGTERM and SIGHUP sent to the wrapper go to the agent, which gets ``grace_s`` to exit before
it is killed. SIGINT is forwarded too, except when the wrapper is the terminal's foreground
process group: then the terminal's Ctrl-C has already reached the agent (same group), and a
second copy would read as a double Ctrl-C, which makes Claude Code and Codex quit.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from types import FrameType

FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def exit_code(returncode: int) -> int:
    """A shell's exit status: a child killed by signal N reads as 128 + N."""
    return 128 - returncode if returncode < 0 else returncode


def terminal_delivers_sigint() -> bool:
    """The wrapper is in the terminal's foreground group, so Ctrl-C reached the agent already."""
    try:
        return os.isatty(sys.stdin.fileno()) and os.tcgetpgrp(sys.stdin.fileno()) == os.getpgrp()
    except (OSError, ValueError):
        return False


class _Forwarder:
    def __init__(self, child: subprocess.Popen[bytes] | None) -> None:
        self.child = child
        self.first_stop: float | None = None
        self.stopped_by: int | None = None
        self.wake = threading.Event()

    def __call__(self, signum: int, _frame: FrameType | None) -> None:
        if self.child is None:  # nothing to forward to: the signal ends the wait
            self.stopped_by = signum
            self.wake.set()
            return
        if signum == signal.SIGINT and terminal_delivers_sigint():
            return
        if self.first_stop is None:
            self.first_stop, self.stopped_by = time.monotonic(), signum
        if self.child.poll() is None:
            self.child.send_signal(signum)


def run(argv: Sequence[str], env: Mapping[str, str], grace_s: float = 10.0) -> int:
    """Run ``argv`` to its end and return its exit status (128 + N when killed by signal N)."""
    child = subprocess.Popen(list(argv), env=dict(env))
    forward = _Forwarder(child)
    previous = {sig: signal.signal(sig, forward) for sig in FORWARDED}
    killed = False
    try:
        while True:
            try:
                child.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                if forward.first_stop is not None and time.monotonic() - forward.first_stop > grace_s:
                    child.kill()
                    killed = True
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if killed and forward.stopped_by is not None:
        return 128 + forward.stopped_by
    return exit_code(child.returncode)


def wait_for_signal(ready: Callable[[], None] = lambda: None) -> int:
    """Block until SIGINT, SIGTERM or SIGHUP (the GUI-agent mode: the proxy serves meanwhile).

    ``ready`` runs once the handlers are in place (so a signal sent on its word is caught).
    """
    forward = _Forwarder(None)
    previous = {sig: signal.signal(sig, forward) for sig in FORWARDED}
    try:
        ready()
        while not forward.wake.wait(0.2):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 0
