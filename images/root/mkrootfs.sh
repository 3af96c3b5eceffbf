#!/usr/bin/env bash
# mkrootfs.sh OUT LOCK FETCH: a minimal Debian root filesystem tarball, built on the host from
# exactly the packages LOCK names (3rdparty/debian/root.lock), every one installed: FETCH
# (3rdparty/debian/fetch-debs.sh) downloads them and checks their hashes into a local
# repository, the only one mmdebstrap reads. No container registry and no moving index.
set -euo pipefail
out=$1 lock=$2 fetch=$3
# Pants runs this with a PATH of declared tools only; mmdebstrap drives apt, dpkg, mount,
# chroot and more, so give it the system's.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
# Same lock, same tarball: the packages and their unpacking times are fixed.
export SOURCE_DATE_EPOCH=1700000000
repo=$(mktemp -d)
trap 'rm -rf "$repo"' EXIT
bash "$fetch" "$lock" "$repo"
packages=$(awk '/^Package:/ { printf "%s%s", sep, $2; sep = "," }' "$lock")
# An empty suite: Essential and Priority come from the lock's stanzas. Every locked package is
# included, so the filesystem holds exactly the lock.
# Like Debian's slim images: no docs (but copyrights), man pages or translations, in this
# filesystem or in anything installed on it later (dpkg keeps these options). The local
# repository's sources line is not kept (the image writes Debian's own).
mmdebstrap --quiet --variant=minbase --include="$packages" \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  --customize-hook='rm -f "$1/etc/apt/sources.list"' \
  "" "$out" "deb [trusted=yes] copy://$repo ./"
