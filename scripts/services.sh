#!/usr/bin/env bash
# Start (or stop) a throwaway PostgreSQL cluster and Redis on loopback, on free ports.
#   eval "$(scripts/services.sh start DIR)"   -> exports DATABASE_URL, REDIS_URL, SERVICES_DIR
#   scripts/services.sh stop DIR
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?directory}
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

case "$cmd" in
start)
  mkdir -p "$dir"
  chmod 777 "$dir"
  pgport=$(free_port); redisport=$(free_port)
  as_pg=()
  if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); fi
  "${as_pg[@]}" "$PGBIN/initdb" -D "$dir/pg" -U postgres --auth=trust --no-sync -E UTF8 >"$dir/initdb.log" 2>&1
  "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/pg" -l "$dir/pg.log" -w -o \
    "-c listen_addresses=127.0.0.1 -p $pgport -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" \
    start >/dev/null
  redis-server --bind 127.0.0.1 --port "$redisport" --daemonize yes --pidfile "$dir/redis.pid" \
    --save "" --appendonly no --dir "$dir" --logfile "$dir/redis.log"
  for _ in $(seq 50); do redis-cli -p "$redisport" ping >/dev/null 2>&1 && break; sleep 0.1; done
  echo "$pgport" >"$dir/pg.port"; echo "$redisport" >"$dir/redis.port"
  echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$pgport/sce"
  echo "export REDIS_URL=redis://127.0.0.1:$redisport/0"
  echo "export SERVICES_DIR=$dir"
  ;;
stop)
  as_pg=()
  if [ "$(id -u)" = 0 ]; then as_pg=(runuser -u postgres --); fi
  [ -f "$dir/redis.port" ] && redis-cli -p "$(cat "$dir/redis.port")" shutdown nosave >/dev/null 2>&1 || true
  [ -d "$dir/pg" ] && "${as_pg[@]}" "$PGBIN/pg_ctl" -D "$dir/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
  ;;
esac
