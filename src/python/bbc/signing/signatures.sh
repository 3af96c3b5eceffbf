#!/usr/bin/env bash
# signatures.sh SKOPEO-FLAGS... -- REPOSITORY [TAG DIGEST FOLDER]...: for each tag, whether a
# signature in FOLDER (the digest's, in a lookaside store), made with the key $BBC_KEY, says
# that REPOSITORY:TAG is the manifest DIGEST (containers' simple signing, as `skopeo
# standalone-verify` checks it). The folder is read as hosts read it: signature-1, -2, ... up to
# the first missing number; a file there that is no signature at all makes hosts refuse every
# tag of the digest. With $BBC_MODE=sign, a tag no signature covers is signed (`skopeo
# standalone-sign`) and the signature added as the folder's next signature-<n>, whole or not at
# all. Prints "<tag> signed|unsigned|new" or "<tag> broken <file>" per tag. $SKOPEO, $MKDIR,
# $CAT, $LN and $RM are the tools; gpg is on PATH; GnuPG's keyring is $GNUPGHOME's, else ~/.gnupg.
set -u
flags=()
while [ "$1" != -- ]; do flags+=("$1"); shift; done
shift
repository=$1
shift

check() { # check TAG: sets $state (signed or unsigned) and $broken (a file hosts cannot read)
  local n=1 signature
  state=unsigned broken=
  while [ -e "$folder/signature-$n" ]; do
    signature="$folder/signature-$n"
    if "$SKOPEO" standalone-verify manifest.json "$repository:$1" "$BBC_KEY" "$signature" \
      > /dev/null 2>&1; then
      state=signed
    elif ! gpg --batch --list-packets "$signature" > /dev/null 2>&1; then
      # No OpenPGP message at all. (A signature by another key, an unknown, expired or revoked
      # one, or for another tag is skipped, as hosts skip it.)
      broken=$signature
      return
    fi
    n=$((n + 1))
  done
}

add() { # add FILE: FILE becomes the folder's next signature-<n>; a name taken meanwhile is skipped
  local n=1 staged="$folder/.signature-$$.tmp"
  "$CAT" "$1" > "$staged" || { "$RM" -f "$staged"; echo "could not write in $folder" >&2; return 1; }
  until "$LN" "$staged" "$folder/signature-$n" 2> /dev/null; do
    [ -e "$folder/signature-$n" ] || {
      "$RM" -f "$staged"
      echo "could not write $folder/signature-$n" >&2
      return 1
    }
    n=$((n + 1))
  done
  "$RM" -f "$staged"
}

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
  check "$tag"
  if [ -n "$broken" ]; then
    if [ "$BBC_MODE" = sign ]; then
      echo "$broken is not a signature, and hosts refuse every tag of $digest while it is there: remove it, then sign again" >&2
      exit 1
    fi
    echo "$tag broken $broken"
    continue
  fi
  if [ "$state" = unsigned ] && [ "$BBC_MODE" = sign ]; then
    "$SKOPEO" standalone-sign -o new.sig manifest.json "$repository:$tag" "$BBC_KEY" || exit 1
    "$MKDIR" -p "$folder" && add new.sig || exit 1
    state=new
  fi
  echo "$tag $state"
done
