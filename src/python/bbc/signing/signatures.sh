#!/usr/bin/env bash
# signatures.sh SKOPEO-FLAGS... -- REPOSITORY [TAG DIGEST FOLDER]...: for each tag, whether a
# signature in FOLDER (the digest's, in a lookaside store), made with the key $BBC_KEY, says
# that REPOSITORY:TAG is the manifest DIGEST (containers' simple signing, as `skopeo
# standalone-verify` checks it). The folder is read as hosts read it: signature-1, -2, ... up to
# the first missing number; a file there that is no signature at all makes hosts refuse every
# tag of the digest. With $BBC_MODE=sign, a tag no signature covers is signed (`skopeo
# standalone-sign`) and the signature added as the folder's next signature-<n>, whole or not at
# all. Prints "<tag> signed|unsigned|new" or "<tag> broken <file>" per tag. $SKOPEO, $MKDIR,
# $CAT, $LN and $RM are the tools; GnuPG's keyring is $GNUPGHOME's, else ~/.gnupg.
set -u
flags=()
while [ "$1" != -- ]; do flags+=("$1"); shift; done
shift
repository=$1
shift

host_readable() { # host_readable FILE: whether hosts can parse FILE as a signature at all, as
  # containers/image's signature.FromBlob does (else they refuse every tag of the digest): an
  # OpenPGP message starting with a compressed-data, one-pass-signature or signature packet, or
  # a 0 byte and a format name ("simple-signing", "sigstore"), the NUL dropped by `read`.
  local first code line
  [ -s "$1" ] || return 1
  LC_ALL=C IFS= read -r -N1 first < "$1" 2> /dev/null
  LC_ALL=C printf -v code '%d' "'$first"
  case $code in
  160 | 161 | 162 | 163 | 200 | 144 | 145 | 146 | 61 | 196 | 136 | 137 | 138 | 139 | 194) return 0 ;;
  esac
  IFS= read -r line < "$1" 2> /dev/null
  [ "$line" = simple-signing ] || [ "$line" = sigstore ]
}

check() { # check TAG: sets $state (signed or unsigned) and $broken (a file hosts cannot read)
  local n=1 signature
  state=unsigned broken=
  while [ -e "$folder/signature-$n" ]; do
    signature="$folder/signature-$n"
    if ! host_readable "$signature"; then
      broken=$signature
      return
    fi
    # A signature by another key (unknown, expired or revoked too) or for another tag is
    # skipped, as hosts skip it.
    if "$SKOPEO" standalone-verify manifest.json "$repository:$1" "$BBC_KEY" "$signature" \
      > /dev/null 2>&1; then
      state=signed
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
