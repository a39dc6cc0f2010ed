#!/usr/bin/env bash
# The TypeScript SDK's tests: the pinned dev dependencies (npm ci), the build, then node:test against a
# real `headroom proxy` (run by $HEADROOM_PYTHON, else the repository's .venv from `make setup`) in
# front of a fake provider, all on this machine.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "SKIPPED the TypeScript SDK tests: node and npm are not installed (Node >= 20 runs them)" >&2
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
npm test
