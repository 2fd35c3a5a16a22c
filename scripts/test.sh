#!/usr/bin/env bash
# The whole test suite against real PostgreSQL and Redis started here on loopback.
# Extra arguments go to pytest (e.g. scripts/test.sh tests/test_foundation.py -x).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$(mktemp -d /tmp/sce-test.XXXXXX)
trap 'scripts/services.sh stop "$dir"' EXIT
eval "$(scripts/services.sh start "$dir")"
export DJANGO_SETTINGS_MODULE=cms.settings.test
.venv/bin/python -m pytest "$@"
