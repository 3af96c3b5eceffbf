#!/usr/bin/env bash
# fetch_changelog.sh PACKAGE URL...: the Debian changelog of PACKAGE from the first URL that
# serves its .deb, as ./changelog; one that inflates to more than $BBC_CHANGELOG_LIMIT bytes
# is reported, not kept (a small .deb can hold a decompression bomb).
set -u
package=$1; shift
for url in "$@"; do
  if curl -fsSL --retry 2 -o package.deb "$url" 2>>fetch.err; then
    dpkg-deb --fsys-tarfile package.deb |
      tar -xO "./usr/share/doc/$package/changelog.Debian.gz" | gzip -dc |
      head -c "$((BBC_CHANGELOG_LIMIT + 1))" > changelog
    size=$(wc -c < changelog)
    if [ "$size" -gt "$BBC_CHANGELOG_LIMIT" ]; then
      rm -f changelog
      echo "$url: usr/share/doc/$package/changelog.Debian.gz inflates to more than $BBC_CHANGELOG_LIMIT bytes: not read" >&2
      exit 1
    fi
    [ "$size" -gt 0 ] && exit 0
    echo "$url holds no changelog (usr/share/doc/$package/changelog.Debian.gz)" >&2
    exit 1
  fi
done
echo "no pool holds it: $*" >&2
exit 1
