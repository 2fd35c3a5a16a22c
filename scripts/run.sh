#!/usr/bin/env bash
# `make run`: the demo on the production stack, on this machine.
#
# Bootstraps (.venv, Debian packages), starts PostgreSQL and Redis with their data in .demo/ (kept
# between runs, so the demo keeps its content), migrates, compiles the translations, seeds the demo
# (idempotent), starts a Celery worker with beat and serves http://127.0.0.1:8000 in the
# foreground. Ctrl-C (or any exit) stops the server, the worker, Redis and PostgreSQL.
#
# Web requests connect as the non-owner role sce_app, so PostgreSQL's row-level security applies
# as in production (docs/deploy.md); migrate, seed_demo and the worker use the owner.
# Environment: RUN_PORT [8000], RUN_HOST [127.0.0.1].
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
started=$(date +%s)

scripts/bootstrap.sh run

DEMO=$ROOT/.demo
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
WEB_HOST=${RUN_HOST:-127.0.0.1}
WEB_PORT=${RUN_PORT:-8000}
as_pg=()
if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); fi

port_free() { python3 -c 'import socket,sys; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1])))' "$1" 2>/dev/null; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# The port recorded in .demo/NAME.port if still free, else PREFERRED if free, else any free port.
pick_port() {
  local name=$1 preferred=$2 port
  port=$(cat "$DEMO/$name.port" 2>/dev/null || echo "$preferred")
  port_free "$port" || port=$preferred
  port_free "$port" || port=$(free_port)
  echo "$port" >"$DEMO/$name.port"
  echo "$port"
}

if ! port_free "$WEB_PORT"; then
  echo "run: port $WEB_PORT is in use (another make run?); set RUN_PORT=... to use another" >&2
  exit 1
fi

mkdir -p "$DEMO/redis" "$DEMO/run"
# Leftovers of a run that was killed without its clean-up (kill -9, a crash) are stopped first.
if [ -f "$DEMO/pg/postmaster.pid" ]; then
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$DEMO/pg" -m fast -w stop >/dev/null 2>&1 || true
fi
if [ -f "$DEMO/redis/redis.pid" ] && kill -0 "$(cat "$DEMO/redis/redis.pid")" 2>/dev/null; then
  redis-cli -p "$(cat "$DEMO/redis.port")" shutdown >/dev/null 2>&1 || kill "$(cat "$DEMO/redis/redis.pid")" || true
  sleep 0.5
fi
chmod 755 "$DEMO"
touch "$DEMO/pg.log"
if [ "$(id -u)" = 0 ]; then chown postgres "$DEMO/run" "$DEMO/pg.log"; fi

worker_pid=""
web_pid=""
stop_pid() {  # TERM, up to 10 s, then KILL
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$pid" 2>/dev/null || true
}
stop_all() {
  trap - EXIT INT TERM
  echo
  echo "run: stopping the server, worker, Redis and PostgreSQL"
  stop_pid "$web_pid"
  stop_pid "$worker_pid"
  if [ -n "${redis_port:-}" ]; then
    redis-cli -p "$redis_port" shutdown >/dev/null 2>&1 || true
  fi
  if [ -f "$DEMO/pg/postmaster.pid" ]; then
    "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$DEMO/pg" -m fast -w stop >/dev/null 2>&1 || true
  fi
}
trap stop_all EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# PostgreSQL: one cluster in .demo/pg, created on the first run; durable (fsync on), commits
# acknowledged before the WAL flush (a crash can lose the last fraction of a second, never corrupt).
if [ ! -f "$DEMO/pg/PG_VERSION" ]; then
  rm -rf "$DEMO/pg"
  mkdir -p "$DEMO/pg"
  if [ "$(id -u)" = 0 ]; then chown postgres "$DEMO/pg"; fi
  "${as_pg[@]}" "$PGBIN/initdb" -D "$DEMO/pg" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 \
    >"$DEMO/initdb.log" 2>&1 || { cat "$DEMO/initdb.log" >&2; exit 1; }
fi
pg_port=$(pick_port pg 55432)
"${as_pg[@]}" "$PGBIN/pg_ctl" -D "$DEMO/pg" -l "$DEMO/pg.log" -w -o \
  "-c listen_addresses=127.0.0.1 -p $pg_port -k $DEMO/run -c synchronous_commit=off -c max_connections=100" \
  start >/dev/null || { tail -20 "$DEMO/pg.log" >&2; exit 1; }
psql=("$PGBIN/psql" -X -q -h 127.0.0.1 -p "$pg_port" -U postgres -v ON_ERROR_STOP=1)
if [ -z "$("${psql[@]}" -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'sce'")" ]; then
  "${psql[@]}" -d postgres -c "CREATE DATABASE sce"
fi

# Redis: append-only file in .demo/redis (the tracking event queue and Celery tasks survive a restart).
redis_port=$(pick_port redis 56379)
redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes --dir "$DEMO/redis" \
  --pidfile "$DEMO/redis/redis.pid" --logfile "$DEMO/redis/redis.log" \
  --appendonly yes --appendfsync everysec --save "" --maxmemory-policy noeviction
for _ in $(seq 50); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done

export DJANGO_SETTINGS_MODULE=cms.settings.dev
export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/sce"
export REDIS_URL="redis://127.0.0.1:$redis_port/0"
export CELERY_TASK_ALWAYS_EAGER=false
export PUBLIC_BASE_URL="http://$WEB_HOST:$WEB_PORT" WAGTAILADMIN_BASE_URL="http://$WEB_HOST:$WEB_PORT"
PY=.venv/bin/python

$PY manage.py migrate --noinput -v 0
if [ -d locale ]; then $PY manage.py compilemessages -v 0 --ignore=.venv; fi
$PY manage.py seed_demo | tee "$DEMO/seed.log" | grep -v '^  demo content:'

# The web server's role: no owner, no superuser, no BYPASSRLS (row-level security applies).
"${psql[@]}" -d sce <<'SQL'
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sce_app') THEN
    CREATE ROLE sce_app LOGIN NOSUPERUSER NOBYPASSRLS;
  END IF;
END $$;
GRANT USAGE ON SCHEMA public TO sce_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO sce_app;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO sce_app;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public
  GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO sce_app;
ALTER DEFAULT PRIVILEGES FOR ROLE postgres IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO sce_app;
SQL

# Celery worker with embedded beat (drains the tracking queue, partitions, reminders), as the owner:
# the daily partition task creates tables.
DEBUG=false .venv/bin/celery -A cms worker -B --concurrency 2 --loglevel WARNING \
  --schedule "$DEMO/celerybeat-schedule" >"$DEMO/celery.log" 2>&1 &
worker_pid=$!

# Not exec: the EXIT trap must run after the server stops.
DATABASE_URL="postgres://sce_app@127.0.0.1:$pg_port/sce" \
  $PY manage.py runserver --noreload "$WEB_HOST:$WEB_PORT" &
web_pid=$!
$PY - "http://$WEB_HOST:$WEB_PORT/healthz/" "$web_pid" <<'PY' || true
import os, sys, time, urllib.request
url, pid = sys.argv[1], int(sys.argv[2])
for _ in range(1200):
    try:
        urllib.request.urlopen(url, timeout=2).close()
        break
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            break
        time.sleep(0.2)
PY
echo
echo "run: serving the demo after $(($(date +%s) - started)) s: http://$WEB_HOST:$WEB_PORT/admin/ (H5 links: /h5/s/…)"
echo "run: log in with the users listed above (password demo-pass-2026)"
echo "run: data in .demo/ (delete it for a fresh demo); logs: .demo/celery.log, .demo/pg.log; Ctrl-C stops all"
echo
wait "$web_pid"
