#!/usr/bin/env bash
# Removes test containers (and volumes) left behind (by a crash, say) and never one whose run is alive: one
# whose owner ($BBC_OWNER_LABEL: "<hostname>/<boot id>/<pid namespace>/<uid> <pid> <start time>") is a
# process of this user that this machine and pid namespace can see is removed once that process
# is gone; any other only once its $BBC_EXPIRES_LABEL time has passed (0: never).
# process_owner.sh comes before it.
# Volumes made by contract tests (bbc_contract.py's `containers.volume()`) likewise, after the
# containers that may use them.
now=$(date +%s)
here=$(here)
format="|{{.Label \"$BBC_EXPIRES_LABEL\"}}|{{.Label \"$BBC_OWNER_LABEL\"}}"
sweep() {  # sweep <docker command to remove one>; reads "<id>|<expires>|<owner>" lines
  while IFS='|' read -r id expires owner; do
    read -r where pid start <<< "$owner"
    if [ -n "$where" ] && [ "$where" = "$here" ]; then
      [ "$(started "$pid")" = "$start" ] || "$DOCKER" "$@" "$id" >/dev/null
    elif [ "$expires" -gt 0 ] 2>/dev/null && [ "$expires" -lt "$now" ]; then
      "$DOCKER" "$@" "$id" >/dev/null
    fi
  done
}
"$DOCKER" ps -a --filter "label=$BBC_EXPIRES_LABEL" --format "{{.ID}}$format" | sweep rm -f -v
"$DOCKER" volume ls --filter "label=$BBC_EXPIRES_LABEL" --format "{{.Name}}$format" |
  sweep volume rm -f
exit 0
