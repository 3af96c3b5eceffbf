#!/usr/bin/env bash
# Runs one check in a new container: run_container.sh <time limit, 0: none> <path to copy out>
# <docker create arguments...>. The container is labelled with its owner, this process
# ($BBC_OWNER_LABEL: see sweep_containers.sh), and with when others may remove it
# ($BBC_EXPIRES_LABEL; 0: never, for a check without a time limit), and removed (by id) when
# this script ends, however it ends (containers.py). process_owner.sh comes before it.
set -u
limit=$1; copy_out=$2; shift 2
expires=0
[ "${limit:-0}" = 0 ] || expires=$(( $(date +%s) + limit + BBC_GRACE ))
start=$(started $$)
owner="$(here) $$ $start"
id=$("$DOCKER" create --name "bbc-test-$$-$RANDOM" --label "$BBC_EXPIRES_LABEL=$expires" \
  --label "$BBC_OWNER_LABEL=$owner" "$@") && [ -n "$id" ] || exit 125
# Outside this process group: removes the container once this script is gone (the same
# process: its start time is checked, a pid can be reused), however it ends.
# shellcheck disable=SC2016 # expanded by the watchdog's own bash
setsid bash -c 'while [ "$(started "$1")" = "$3" ]; do sleep 1; done; "$DOCKER" rm -f "$2"' \
  watchdog $$ "$id" "$start" </dev/null >/dev/null 2>&1 &
detached $!
"$DOCKER" start "$id" >/dev/null || exit 125
code=$(timeout "$limit" "$DOCKER" wait "$id")
waited=$?
"$DOCKER" logs "$id" 2>&1
if [ -n "$copy_out" ]; then "$DOCKER" cp "$id:$copy_out" ./bbc-out >/dev/null 2>&1; fi
"$DOCKER" rm -f "$id" >/dev/null 2>&1
if [ "$waited" = 124 ]; then echo "timed out after $limit s: the container was stopped"; exit 124; fi
[ "$waited" = 0 ] || exit 125
exit "$code"
