#!/usr/bin/env bash
# Create/update .venv and the system packages the tests need (Debian; run as root or with sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
want=${1:-run}
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
if [ "$want" = test ]; then
  missing=()
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
  command -v redis-server >/dev/null || missing+=(redis-server)
  command -v chromium >/dev/null || missing+=(chromium)
  fc-list 2>/dev/null | grep -qi 'noto sans cjk\|wenquanyi' || missing+=(fonts-noto-cjk)
  if [ ${#missing[@]} -gt 0 ]; then
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  # The packaged cluster is not used; tests start their own.
  $SUDO service postgresql stop >/dev/null 2>&1 || true
fi
[ -x .venv/bin/python ] || python3.11 -m venv .venv 2>/dev/null || python3 -m venv .venv
.venv/bin/python -m pip install -q -U pip
if [ "$want" = test ]; then
  .venv/bin/pip install -q -r requirements-test.txt
else
  .venv/bin/pip install -q -r requirements.txt
fi
