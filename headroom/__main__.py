"""``python -m headroom`` behaves exactly like the ``headroom`` command."""

from headroom.cli import main

main()
