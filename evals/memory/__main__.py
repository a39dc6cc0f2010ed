"""``python -m evals.memory``: the same command as ``headroom eval memory``."""

import sys

from headroom.cli import cli

if __name__ == "__main__":
    cli(["eval", "memory", *sys.argv[1:]], prog_name="headroom")
