#!/usr/bin/env bash
# release_files.sh PATH...: copies each file (the publish record, the release notes, the SBOM,
# build times) from the process's sandbox to the same path under $BBC_BUILD_ROOT, and goes
# there. Then, with $BBC_FAILURE set, says it and fails; with $BBC_TRIGGER set, runs it (the
# release in its environment), saying $BBC_TRIGGER_FAILED when it fails.
set -u
for path in "$@"; do
  mkdir -p "$BBC_BUILD_ROOT/$(dirname "$path")" && cp "$path" "$BBC_BUILD_ROOT/$path" || exit 1
done
cd "$BBC_BUILD_ROOT" || exit 1
unset BBC_BUILD_ROOT
if [ -n "${BBC_FAILURE:-}" ]; then printf '\n%s\n' "$BBC_FAILURE" >&2; exit 1; fi
[ -n "${BBC_TRIGGER:-}" ] || exit 0
trigger=$BBC_TRIGGER failed=$BBC_TRIGGER_FAILED
unset BBC_TRIGGER BBC_TRIGGER_FAILED
bash -c "$trigger" || { code=$?; printf '\n%s (exit %s)\n' "$failed" "$code" >&2; exit 1; }
