#!/usr/bin/env bash
# fetch-debs.sh LOCK OUT: every .deb that LOCK (a Debian lock, see 3rdparty/debian/BUILD) names,
# downloaded from its Url and checked against its SHA256, into the folder OUT, which becomes a
# flat apt repository of exactly those packages: OUT/Packages (the lock's stanzas, pointing at
# the files beside it), OUT/Release and OUT/SHA256SUMS. No apt index is read.
set -euo pipefail
lock=$1 out=$2
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
again="Run ./pants bbc-update to see what the mirror holds now, and ./pants bbc-update --apply to lock it."
if [ ! -s "$lock" ]; then
  echo "$lock is missing or empty: ./pants bbc-update --apply writes it." >&2
  exit 1
fi
mkdir -p "$out"
# One line per package: name version arch url sha256 file (the pool's file name).
awk '
  function flush() { if (p != "") print p, v, a, u, s, f; p = v = a = u = s = f = "" }
  /^#/ { next }
  /^$/ { flush(); next }
  /^Package:/ { p = $2 } /^Version:/ { v = $2 } /^Architecture:/ { a = $2 }
  /^Url:/ { u = $2 } /^SHA256:/ { s = $2 } /^Filename:/ { n = split($2, parts, "/"); f = parts[n] }
  END { flush() }
' "$lock" > "$out/.locked"
: > "$out/SHA256SUMS"
while read -r name version arch url sha256 file; do
  if [ -z "$file" ]; then
    echo "$lock: the entry of $name lacks a Version, Architecture, Url, SHA256 or Filename field. $again" >&2
    exit 1
  fi
  status=$(curl -sS --retry 2 -o "$out/$file" -w '%{http_code}' "$url" 2>"$out/.curl") || status=$?
  case $status in
    200) ;;
    404 | 410)
      echo "$lock: Debian package $name $version ($arch) is no longer on the mirror ($url answers $status). $again" >&2
      exit 1 ;;
    *)
      echo "$lock: Debian package $name $version ($arch) could not be fetched from $url (HTTP status or curl exit $status: $(tr '\n' ' ' < "$out/.curl"))" >&2
      exit 1 ;;
  esac
  echo "$sha256  $file" >> "$out/SHA256SUMS"
done < "$out/.locked"
if ! (cd "$out" && sha256sum --quiet --strict -c SHA256SUMS >.sums 2>&1); then
  echo "$lock: the mirror's files differ from the locked SHA256: $(tr '\n' ' ' < "$out/.sums")" >&2
  exit 1
fi
# The lock's stanzas are Packages stanzas; point each at its file here.
awk '/^#/ { next } /^$/ && !started { next } { started = 1 }
     /^Filename:/ { sub(/ .*\//, " ./") } { print }' "$lock" > "$out/Packages"
{
  echo "Origin: bbc"
  echo "Label: $lock"
  echo "Date: Tue, 14 Nov 2023 22:13:20 UTC"
  echo "SHA256:"
  printf ' %s %s Packages\n' "$(sha256sum < "$out/Packages" | cut -d' ' -f1)" "$(stat -c %s "$out/Packages")"
} > "$out/Release"
rm -f "$out/.locked" "$out/.curl" "$out/.sums"
