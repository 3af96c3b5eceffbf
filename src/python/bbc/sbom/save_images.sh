#!/usr/bin/env bash
# save_images.sh IMAGE...: unpacks `docker save` of the images into raw/, then writes into out/
# the archive's manifest.json and the images' configs, and, from each layer, only the files
# matching $BBC_PATTERNS (the SBOM's files and the whiteouts) under out/<the layer's path, / as
# _>.d/. Which file is what comes from manifest.json, never from what a file starts with. A
# matching file bigger than $BBC_FILE_LIMIT bytes is named and nothing is read (an image's own
# files must not fill the reader's memory). $DOCKER, $TAR and $MKDIR are the tools (the
# process's PATH is empty).
set -u
"$MKDIR" -p raw out
"$DOCKER" save "$@" | "$TAR" -x -C raw
codes=("${PIPESTATUS[@]}")
[ "${codes[0]}" = 0 ] && [ "${codes[1]}" = 0 ] || exit 1
[ -f raw/manifest.json ] || { echo "docker save wrote no manifest.json" >&2; exit 1; }
manifest=$(<raw/manifest.json)
printf '%s' "$manifest" > out/manifest.json
configs=() layers=()
rest=$manifest
while [[ $rest =~ \"Config\":\"([^\"]+)\"(.*) ]]; do
  configs+=("${BASH_REMATCH[1]}"); rest=${BASH_REMATCH[2]}
done
rest=$manifest
while [[ $rest =~ \"Layers\":\[([^]]*)\](.*) ]]; do
  list=${BASH_REMATCH[1]}; rest=${BASH_REMATCH[2]}
  while [[ $list =~ \"([^\"]+)\"(.*) ]]; do
    layers+=("${BASH_REMATCH[1]}"); list=${BASH_REMATCH[2]}
  done
done
for path in "${configs[@]}"; do
  case $path in /* | *..*) echo "manifest.json names $path" >&2; exit 1 ;; esac
  printf '%s' "$(<"raw/$path")" > "out/${path//\//_}" || exit 1
done
read -r -a patterns <<< "$BBC_PATTERNS"
failed=
declare -A seen=()
for path in "${layers[@]}"; do
  [ -z "${seen[$path]:-}" ] || continue
  seen[$path]=1
  case $path in /* | *..*) echo "manifest.json names $path" >&2; exit 1 ;; esac
  key="out/${path//\//_}.d"
  "$MKDIR" -p "$key" || exit 1
  too_big=
  while read -r _ _ size _ _ name; do
    if [[ $size =~ ^[0-9]+$ ]] && [ "$size" -gt "$BBC_FILE_LIMIT" ]; then
      echo "$path holds ${name%% -> *} of $size bytes, more than the $BBC_FILE_LIMIT bytes the SBOM reader takes from one file" >&2
      too_big=1
    fi
  done < <("$TAR" -tv -f "raw/$path" --wildcards --wildcards-match-slash "${patterns[@]}" 2>/dev/null)
  [ -z "$too_big" ] || { failed=1; continue; }
  "$TAR" -x -f "raw/$path" -C "$key" --wildcards --wildcards-match-slash "${patterns[@]}" 2>err
  # A file hard-linked to one the patterns leave out: extract again with the files it links to
  # (an archive holds a link's target before the link).
  targets=()
  while IFS= read -r line; do
    [[ $line =~ Cannot\ hard\ link\ to\ .(.+).:\  ]] && targets+=("${BASH_REMATCH[1]}")
  done < err
  if [ ${#targets[@]} -gt 0 ]; then
    "$TAR" -x -f "raw/$path" -C "$key" --wildcards --wildcards-match-slash \
      "${patterns[@]}" "${targets[@]}" 2>err
  fi
  while IFS= read -r line; do
    case $line in
      *"Not found in archive"* | *"Exiting with failure"*) ;;
      *) echo "$path: $line" >&2; failed=1 ;;
    esac
  done < err
done
[ -z "$failed" ]
