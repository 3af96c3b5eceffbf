#!/usr/bin/env bash
# A registry to try `./pants publish` with: Debian's docker-registry (the distribution registry)
# on 127.0.0.1:5000, the address pants.toml names. Data and log live in ~/.cache/bbc-pants/registry.
#   build-support/local-registry.sh start|stop|status
set -euo pipefail

ADDRESS=${BBC_LOCAL_REGISTRY:-127.0.0.1:5000}
DIR=${BBC_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/bbc-pants}/registry
PID=$DIR/registry.pid

running() { [[ -f $PID ]] && kill -0 "$(cat "$PID")" 2>/dev/null; }

case ${1:-} in
start)
  running && { echo "running at $ADDRESS (pid $(cat "$PID"))"; exit 0; }
  command -v docker-registry >/dev/null ||
    { echo "docker-registry is not installed: run ./pants once, or apt-get install docker-registry" >&2; exit 1; }
  mkdir -p "$DIR/data"
  cat >"$DIR/config.yml" <<CONFIG
version: 0.1
log:
  level: warn
storage:
  filesystem:
    rootdirectory: $DIR/data
  delete:
    enabled: true
http:
  addr: $ADDRESS
CONFIG
  nohup docker-registry serve "$DIR/config.yml" >"$DIR/registry.log" 2>&1 &
  echo $! >"$PID"
  for _ in $(seq 50); do
    curl -fsS "http://$ADDRESS/v2/" >/dev/null 2>&1 && { echo "running at $ADDRESS"; exit 0; }
    running || break
    sleep 0.1
  done
  echo "docker-registry did not start; see $DIR/registry.log" >&2
  exit 1
  ;;
stop)
  running && kill "$(cat "$PID")" && echo stopped
  rm -f "$PID"
  ;;
status)
  running && echo "running at $ADDRESS (pid $(cat "$PID"))" || { echo "not running"; exit 1; }
  ;;
*)
  echo "usage: $0 start|stop|status" >&2
  exit 2
  ;;
esac
