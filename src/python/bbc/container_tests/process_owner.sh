#!/usr/bin/env bash
# What the container scripts share (util_rules/scripts.py puts it before each): a process's
# owner identity, as test containers' $BBC_OWNER_LABEL writes it, and its start time, which
# tells it from a later process with the same pid.

# The start time of process $1, or nothing when it is gone (exported: watchdogs use it too).
started() {
  local stat fields
  { stat=$(<"/proc/$1/stat"); } 2>/dev/null || return 0
  stat=${stat##*) }; read -r -a fields <<< "$stat"; echo "${fields[19]}"
}
export -f started

# This machine, pid namespace and user: "<hostname>/<boot id>/<pid namespace>/<uid>". The
# hostname tells apart virtual machines cloned from one running snapshot (same boot id) that
# share an engine.
here() {
  echo "$(</proc/sys/kernel/hostname)/$(</proc/sys/kernel/random/boot_id)/$(readlink /proc/$$/ns/pid)/$UID"
}

# Until process $1 (a watchdog started with setsid) has left this script's process group, or is
# gone: a kill of the group (Pants stopping the check) must never reach a watchdog that has not
# detached yet, which on a busy machine can take a while after it is started.
detached() {
  local stat fields ours
  ours=$(ps_group $$)
  while { stat=$(<"/proc/$1/stat"); } 2>/dev/null; do
    stat=${stat##*) }; read -r -a fields <<< "$stat"
    [ "${fields[2]}" = "$ours" ] || return 0
    sleep 0.02
  done
}

# The process group of process $1.
ps_group() {
  local stat fields
  { stat=$(<"/proc/$1/stat"); } 2>/dev/null || return 0
  stat=${stat##*) }; read -r -a fields <<< "$stat"; echo "${fields[2]}"
}
