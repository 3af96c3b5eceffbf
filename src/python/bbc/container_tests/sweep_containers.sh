#!/usr/bin/env bash
# Removes test containers left behind (by a crash, say) and never one whose run is alive: one
# whose owner ($BBC_OWNER_LABEL: "<boot id>/<pid namespace>/<uid> <pid> <start time>") is a
# process of this user that this machine and pid namespace can see is removed once that process
# is gone; any other only once its $BBC_EXPIRES_LABEL time has passed (0: never).
# process_owner.sh comes before it.
now=$(date +%s)
here=$(here)
"$DOCKER" ps -a --filter "label=$BBC_EXPIRES_LABEL" \
  --format "{{.ID}}|{{.Label \"$BBC_EXPIRES_LABEL\"}}|{{.Label \"$BBC_OWNER_LABEL\"}}" |
while IFS='|' read -r id expires owner; do
  read -r where pid start <<< "$owner"
  if [ -n "$where" ] && [ "$where" = "$here" ]; then
    [ "$(started "$pid")" = "$start" ] || "$DOCKER" rm -f "$id" >/dev/null
  elif [ "$expires" -gt 0 ] 2>/dev/null && [ "$expires" -lt "$now" ]; then
    "$DOCKER" rm -f "$id" >/dev/null
  fi
done
exit 0
