#!/usr/bin/env bash
# mkrootfs.sh OUT SUITE MIRROR PACKAGES: a minimal Debian root filesystem tarball, built on
# the host from Debian's package registry (no container registry involved).
set -euo pipefail
out=$1 suite=$2 mirror=$3 packages=$4
# Pants runs this with a PATH of declared tools only; mmdebstrap drives apt, dpkg, mount,
# chroot and more, so give it the system's.
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
# Same inputs (and the same packages on the mirror), same tarball.
export SOURCE_DATE_EPOCH=1700000000
# Like Debian's slim images: no docs (but copyrights), man pages or translations, in this
# filesystem or in anything installed on it later (dpkg keeps these options).
mmdebstrap --quiet --variant=minbase --include="$packages" \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-include=/usr/share/locale/locale.alias' \
  "$suite" "$out" \
  "deb $mirror $suite main" \
  "deb $mirror $suite-updates main" \
  "deb ${mirror}-security $suite-security main"
