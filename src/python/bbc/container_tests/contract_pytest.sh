#!/usr/bin/env bash
# Runs the contract tests' pytest: contract_pytest.sh <time limit, 0: none> <pytest argv...>.
# Its containers and volumes carry $BBC_RUN_LABEL=$BBC_TEST_RUN, an owner and an expiry
# (bbc_contract.py puts them on them) and are removed when this script ends, however it ends. process_owner.sh
# comes before it.
set -u
limit=$1; shift
BBC_TEST_RUN="bbc-pytest-$$-$RANDOM"
# Its containers' owner and expiry (0: never, without a time limit): see sweep_containers.sh.
BBC_TEST_EXPIRES=0
[ "$limit" = 0 ] || BBC_TEST_EXPIRES=$(( $(date +%s) + limit + BBC_GRACE ))
started=$(started $$)
BBC_TEST_OWNER="$(here) $$ $started"
export BBC_TEST_RUN BBC_TEST_EXPIRES BBC_TEST_OWNER
# Outside this process group: removes what the run left once this script is gone (the same
# process: its start time is checked, a pid can be reused), however it ends.
# shellcheck disable=SC2016 # expanded by the watchdog's own bash
setsid bash -c 'while [ "$(started "$1")" = "$3" ]; do sleep 1; done
  ids=$("$DOCKER" ps -aq --filter "label=$BBC_RUN_LABEL=$2"); [ -z "$ids" ] || "$DOCKER" rm -f -v $ids
  ids=$("$DOCKER" volume ls -q --filter "label=$BBC_RUN_LABEL=$2"); [ -z "$ids" ] || "$DOCKER" volume rm -f $ids' \
  watchdog $$ "$BBC_TEST_RUN" "$started" </dev/null >/dev/null 2>&1 &
detached $!
start=$(date +%s)
# --foreground: pytest stays in this process group, so Ctrl-C reaches it too.
if [ "$limit" -gt 0 ]; then timeout --foreground -k 20 "$limit" "$@"; else "$@"; fi
code=$?
if [ "$limit" -gt 0 ] && { [ "$code" = 124 ] ||
   { [ "$code" = 137 ] && [ $(( $(date +%s) - start )) -ge "$limit" ]; }; }; then
  echo "timed out after $limit s: pytest was stopped and its containers removed"; exit 124
fi
exit "$code"
