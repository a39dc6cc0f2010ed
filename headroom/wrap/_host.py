"""``python -m headroom.wrap._host <proxy args>``: ``headroom proxy`` plus a watchdog, for wrap-started proxies.

The watchdog stops the proxy once no wrap holds a lease on its port for two checks in a row:
a wrap that was killed outright (``kill -9``, a closed terminal) cannot stop its proxy itself,
and a proxy nobody uses should not keep running for days.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
from pathlib import Path

from headroom.wrap._leases import INTERVAL_ENV, LEASES_ENV, PortLeases


def watch(leases: PortLeases, interval_s: float) -> None:
    idle = 0
    while True:
        time.sleep(interval_s)
        idle = 0 if leases.live() else idle + 1
        if idle >= 2:
            print("headroom proxy: no wrap session uses this proxy any more; stopping", file=sys.stderr)
            os.kill(os.getpid(), signal.SIGTERM)  # uvicorn's own graceful shutdown
            return


def main() -> None:
    folder = os.environ.get(LEASES_ENV)
    if folder:
        root = Path(folder)
        leases = PortLeases(root.parent.parent, int(root.name))
        interval = float(os.environ.get(INTERVAL_ENV, "30"))
        threading.Thread(target=watch, args=(leases, interval), daemon=True, name="wrap-watchdog").start()
    from headroom.cli import main as cli_main

    sys.argv = ["headroom", "proxy", *sys.argv[1:]]
    cli_main()


if __name__ == "__main__":
    main()
