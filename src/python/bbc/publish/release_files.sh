#!/usr/bin/env bash
# release_files.sh PATH TEXT [PATH TEXT]...: writes each text to its path (the publish record,
# the release notes, the SBOM). Then, with $BBC_FAILURE set, says it and fails; with
# $BBC_TRIGGER set, runs it (the release in its environment), saying $BBC_TRIGGER_FAILED when it
# fails.
set -u
while [ $# -gt 0 ]; do
  mkdir -p "$(dirname "$1")" && printf '%s' "$2" > "$1" || exit 1
  shift 2
done
if [ -n "${BBC_FAILURE:-}" ]; then printf '\n%s\n' "$BBC_FAILURE" >&2; exit 1; fi
[ -n "${BBC_TRIGGER:-}" ] || exit 0
trigger=$BBC_TRIGGER failed=$BBC_TRIGGER_FAILED
unset BBC_TRIGGER BBC_TRIGGER_FAILED
bash -c "$trigger" || { code=$?; printf '\n%s (exit %s)\n' "$failed" "$code" >&2; exit 1; }
