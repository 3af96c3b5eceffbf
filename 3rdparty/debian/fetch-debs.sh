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
# The lists this script reads live outside $out: nothing a lock names can overwrite them.
work=$(mktemp -d "${TMPDIR:-/tmp}/fetch-debs.XXXXXX")
trap 'rm -rf "$work"' EXIT
# One line per package: name version arch url sha256 filename (its path in the pool).
awk '
  function flush() { if (p != "") print p, v, a, u, s, f; p = v = a = u = s = f = "" }
  /^#/ { next }
  /^$/ { flush(); next }
  /^Package:/ { p = $2 } /^Version:/ { v = $2 } /^Architecture:/ { a = $2 }
  /^Url:/ { u = $2 } /^SHA256:/ { s = $2 } /^Filename:/ { f = $2 }
  END { flush() }
' "$lock" > "$work/locked"
: > "$out/SHA256SUMS"
# A lock entry is data, never a path or a command (the plugin's updates/debian_lock.py checks the
# same when it writes a lock): a file name of a .deb, an http(s) URL, a SHA-256, each file once.
segment='[A-Za-z0-9][A-Za-z0-9.+~_%:-]*'
pool_path="^($segment/)*$segment\.u?deb\$"
declare -A seen
while read -r name version arch url sha256 filename extra; do
  if [ -z "$filename" ] || [ -n "$extra" ]; then
    echo "$lock: the entry of $name lacks a Version, Architecture, Url, SHA256 or Filename field, or has one with spaces. $again" >&2
    exit 1
  fi
  if ! [[ $filename =~ $pool_path && $url =~ ^https?://[^[:space:]]+$ && $sha256 =~ ^[0-9a-f]{64}$ ]]; then
    echo "$lock: the entry of $name is refused: Filename $filename, Url $url and SHA256 $sha256 must be a .deb's pool path, an http(s) address and a SHA-256. $again" >&2
    exit 1
  fi
  file=${filename##*/}
  if [ -n "${seen[$file]:-}" ]; then
    echo "$lock: two entries name the file $file (${seen[$file]} and $name). $again" >&2
    exit 1
  fi
  seen[$file]=$name
  status=$(curl -sS --retry 2 -o "$out/$file" -w '%{http_code}' "$url" 2>"$work/curl") || status=$?
  case $status in
    200) ;;
    404 | 410)
      echo "$lock: Debian package $name $version ($arch) is no longer on the mirror ($url answers $status). $again" >&2
      exit 1 ;;
    *)
      echo "$lock: Debian package $name $version ($arch) could not be fetched from $url (HTTP status or curl exit $status: $(tr '\n' ' ' < "$work/curl"))" >&2
      exit 1 ;;
  esac
  echo "$sha256  $file" >> "$out/SHA256SUMS"
done < "$work/locked"
if ! (cd "$out" && sha256sum --quiet --strict -c SHA256SUMS >"$work/sums" 2>&1); then
  echo "$lock: the mirror's files differ from the locked SHA256: $(tr '\n' ' ' < "$work/sums")" >&2
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
