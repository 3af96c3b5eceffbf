#!/usr/bin/env bash
# push.sh IMAGE REF...: tag IMAGE as every REF and push them in this order; stop at the first
# failure. $DOCKER is the docker client.
set -eu
image=$1; shift
for ref in "$@"; do "$DOCKER" tag "$image" "$ref"; done
for ref in "$@"; do "$DOCKER" push --quiet "$ref" >&2 || { echo "pushing $ref failed" >&2; exit 1; }; done
