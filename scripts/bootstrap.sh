#!/usr/bin/env bash
# Create/update .venv and install the Debian packages the project needs (run as root or with sudo).
#   scripts/bootstrap.sh run    PostgreSQL, Redis, CJK font, gettext, python3-venv; requirements.txt
#   scripts/bootstrap.sh test   the same plus Chromium; requirements-test.txt
set -euo pipefail
cd "$(dirname "$0")/.."
want=${1:-run}
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
PY=python3.11; command -v "$PY" >/dev/null || PY=python3

missing=()
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
command -v redis-server >/dev/null || missing+=(redis-server)
command -v msgfmt >/dev/null || missing+=(gettext)
# Posters (Pillow) and the browser need a CJK font, else Chinese renders as boxes.
fonts=$(fc-list 2>/dev/null || true)  # not piped into grep -q: pipefail and SIGPIPE
grep -qi 'noto sans cjk\|noto serif cjk\|wenquanyi' <<<"$fonts" || missing+=(fonts-noto-cjk fontconfig)
# Debian's python3 has no ensurepip without python3-venv: `python3 -m venv` then half-makes .venv.
"$PY" -c 'import ensurepip, venv' >/dev/null 2>&1 || missing+=(python3-venv)
if [ "$want" = test ]; then
  command -v chromium >/dev/null || missing+=(chromium)
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# The packaged cluster is not used: `make run` and `make test` start their own.
$SUDO service postgresql stop >/dev/null 2>&1 || true

# A .venv without a working python and pip (an earlier run without python3-venv, an interrupted
# create) is removed and made again.
if [ -e .venv ] && ! .venv/bin/python -m pip --version >/dev/null 2>&1; then
  echo "bootstrap: .venv is incomplete; recreating it"
  rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
  .venv/bin/python -m pip install -q -U pip
fi

# Requirements: skipped when the files are unchanged since the last successful install.
if [ "$want" = test ]; then reqs=(requirements.txt requirements-test.txt); else reqs=(requirements.txt); fi
stamp=".venv/.installed-$want"
sum=$(cat "${reqs[@]}" | sha256sum | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$sum" ]; then
  .venv/bin/python -m pip install -q -U pip
  .venv/bin/pip install -q -r "${reqs[-1]}"
  echo "$sum" >"$stamp"
fi
