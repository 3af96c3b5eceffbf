#!/usr/bin/env bash
# build_image.sh DOCKER-ARGS...: runs `"$DOCKER" DOCKER-ARGS` (a build of $BBC_LABELLED_DOCKERFILE)
# once $BBC_LABELLED_DOCKERFILE is the image's own Dockerfile ($BBC_DOCKERFILE_IN) plus one LABEL
# instruction: $BBC_LABELS, and, when $GIT is given, $BBC_REVISION_LABELS with the last commit
# of the files listed in $BBC_PATHS_FILE in place of $BBC_REVISION_MARK (none when those files
# have changes git has not committed).
# Builds only if the images it builds on ($BBC_BUILT_ON) are in the engine, else exits
# $BBC_PARENT_MISSING naming the missing one: a missing local name would otherwise be looked up
# on Docker Hub. (Only builtins and the tools given: the process's PATH is empty.)
set -u
for image in $BBC_BUILT_ON; do
  "$DOCKER" image inspect "$image" >/dev/null 2>&1 || { echo "$image" >&2; exit "$BBC_PARENT_MISSING"; }
done
labels=$BBC_LABELS
if [ -n "$GIT" ]; then
  mapfile -t paths < "$BBC_PATHS_FILE"
  revision=$("$GIT" -C "$BBC_ROOT" log -1 --format=%H -- "${paths[@]}" 2>/dev/null) || revision=
  # Built from files git has not committed (or ignores): no commit holds them, so none is named.
  [ -z "$("$GIT" -C "$BBC_ROOT" status --porcelain --ignored -- "${paths[@]}" 2>/dev/null)" ] || revision=
  [ -z "$revision" ] || labels="$labels ${BBC_REVISION_LABELS//"$BBC_REVISION_MARK"/$revision}"
fi
printf '%s\nLABEL %s\n' "$(<"$BBC_DOCKERFILE_IN")" "$labels" > "$BBC_LABELLED_DOCKERFILE"
"$DOCKER" "$@"
