#!/usr/bin/env bash
# pull.sh REMOTE FORMAT EXPECTED REF...: pull REMOTE; given a label FORMAT, only if the label says
# EXPECTED (else untag it and fail). Then tag it as every REF and print its image id.
set -eu
remote=$1 format=$2 expected=$3; shift 3
"$DOCKER" pull --quiet "$remote" >/dev/null
found=$([ -z "$format" ] || "$DOCKER" image inspect --format "$format" "$remote")
[ "$found" = "$expected" ] || { "$DOCKER" image rm "$remote" >/dev/null 2>&1
  echo "the pulled image is labelled '$found', not '$expected'" >&2; exit 1; }
for ref in "$@"; do "$DOCKER" tag "$remote" "$ref"; done
"$DOCKER" image inspect --format '{{.Id}}' "$remote"
