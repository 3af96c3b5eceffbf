#!/usr/bin/env bash
# fetch_changelog.sh PACKAGE URL...: the Debian changelog of PACKAGE from the first URL that
# serves its .deb, as ./changelog.
set -u
package=$1; shift
for url in "$@"; do
  if curl -fsSL --retry 2 -o package.deb "$url" 2>>fetch.err; then
    dpkg-deb --fsys-tarfile package.deb |
      tar -xO "./usr/share/doc/$package/changelog.Debian.gz" | gzip -dc > changelog &&
      [ -s changelog ] && exit 0
    echo "$url holds no changelog (usr/share/doc/$package/changelog.Debian.gz)" >&2
    exit 1
  fi
done
echo "no pool holds it: $*" >&2
exit 1
