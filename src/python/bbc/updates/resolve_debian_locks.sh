#!/usr/bin/env bash
# Input: sources.list and spec (core/debian_lock.resolve_spec; @ARCH@ is the host's
# architecture). Output per lock NAME:
# NAME.uris (apt-get --print-uris) and NAME.stanzas (their Packages stanzas).
set -euo pipefail
set -f  # apt patterns such as ?essential are not file globs
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
arch=$(dpkg --print-architecture)
apt=$PWD/.apt
mkdir -p "$apt/etc/apt.conf.d" "$apt/etc/preferences.d" "$apt/etc/sources.list.d" \
  "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/log"
cp sources.list "$apt/etc/sources.list"
: > "$apt/status"
cat > "$apt/apt.conf" <<CONF
Dir::Etc "$apt/etc";
Dir::State "$apt";
Dir::State::Lists "$apt/lists";
Dir::State::status "$apt/status";
Dir::Cache "$apt/cache";
Dir::Log "$apt/log";
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
APT::Install-Recommends "false";
Acquire::Languages "none";
Debug::NoLocking "true";
APT::Sandbox::User "root";
CONF
export APT_CONFIG=$apt/apt.conf
if ! apt-get -qq update 2>update.err || grep -q '^[WE]:' update.err; then
  echo "apt-get update failed on [bbc].debian_sources:" >&2
  sed 's/^/  /' sources.list update.err >&2
  exit 1
fi
installed='Status: install ok installed'
while read -r kind words; do
  case $kind in
    lock)
      lock=${words%% *} base=${words#* }
      : > "$lock.uris"; : > "$lock.stanzas"
      if [ "$base" = - ]; then : > "$apt/status"; else cp "$base.status" "$apt/status"; fi ;;
    install)
      words=${words//@ARCH@/$arch}
      if ! apt-get -qq --print-uris -y install $words > step.uris 2>step.err; then
        echo "apt cannot install $words:" >&2; cat step.err >&2; exit 1
      fi
      grep "^'" step.uris >> "$lock.uris" || true
      specs=$(awk '/^'"'"'/ { split($2, f, "_"); gsub("%3a", ":", f[2]); print f[1] "=" f[2] }' step.uris)
      if [ -n "$specs" ]; then
        apt-cache show $specs | awk -v RS= -v ORS='\n\n' '!seen[$2]++' > step.stanzas
        cat step.stanzas >> "$lock.stanzas"
        awk -v RS= -v ORS='\n\n' -v s="$installed" '{ sub(/\n/, "\n" s "\n"); print }' \
          step.stanzas >> "$apt/status"
      fi ;;
  esac
  [ -z "${lock:-}" ] || cp "$apt/status" "$lock.status"
done < spec
