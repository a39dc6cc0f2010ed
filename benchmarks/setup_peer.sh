#!/usr/bin/env bash
# Create the peer's own virtual environment for benchmarks/compress_corpus.py.
# headroom-ai imports as `headroom`, like this project, so it cannot share our venv.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m venv .bench/peer
.bench/peer/bin/pip install --quiet headroom-ai==0.42.0
echo "peer ready: $(pwd)/.bench/peer/bin/python (set HEADROOM_PEER_PYTHON to use another)"
