#!/usr/bin/env bash
# signatures.sh SKOPEO-FLAGS... -- REPOSITORY [TAG DIGEST FOLDER]...: for each tag, whether a
# signature in FOLDER (the digest's, in a lookaside store), made with the key $BBC_KEY, says
# that REPOSITORY:TAG is the manifest DIGEST (containers' simple signing, as `skopeo
# standalone-verify` checks it). With $BBC_MODE=sign, a tag no signature covers is signed
# (`skopeo standalone-sign`) and the signature added as the folder's next signature-<n>. Prints "<tag> signed|unsigned|new" per
# tag. $SKOPEO, $MKDIR and $CAT are the tools (the process's PATH is empty); GnuPG's keyring is
# $GNUPGHOME's, else ~/.gnupg.
set -u
flags=()
while [ "$1" != -- ]; do flags+=("$1"); shift; done
shift
repository=$1
shift
read=
while [ $# -ge 3 ]; do
  tag=$1 digest=$2 folder=$3
  shift 3
  if [ "$digest" != "$read" ]; then
    "$SKOPEO" inspect "${flags[@]}" --raw "docker://$repository@$digest" > manifest.json || exit 1
    actual=$("$SKOPEO" manifest-digest manifest.json) || exit 1
    [ "$actual" = "$digest" ] || {
      echo "the registry answered $repository@$digest with the manifest $actual" >&2
      exit 1
    }
    read=$digest
  fi
  state=unsigned
  for signature in "$folder"/signature-*; do
    [ -f "$signature" ] || continue
    if "$SKOPEO" standalone-verify manifest.json "$repository:$tag" "$BBC_KEY" "$signature" \
      > /dev/null 2>&1; then
      state=signed
      break
    fi
  done
  if [ "$state" = unsigned ] && [ "$BBC_MODE" = sign ]; then
    "$SKOPEO" standalone-sign -o new.sig manifest.json "$repository:$tag" "$BBC_KEY" || exit 1
    "$MKDIR" -p "$folder" || exit 1
    n=1
    # noclobber: a signature another publisher wrote meanwhile is never replaced.
    until (set -o noclobber; "$CAT" new.sig > "$folder/signature-$n") 2> /dev/null; do
      [ -e "$folder/signature-$n" ] || { echo "could not write $folder/signature-$n" >&2; exit 1; }
      n=$((n + 1))
    done
    state=new
  fi
  echo "$tag $state"
done
