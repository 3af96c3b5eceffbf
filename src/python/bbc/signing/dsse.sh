#!/usr/bin/env bash
# dsse.sh sign|verify N...: GnuPG over DSSE pre-authentication encodings, N.pae each. sign:
# writes N.sig, a detached signature of N.pae by $BBC_KEY. verify: prints "N yes" when N.sig is
# a good signature of N.pae by $BBC_KEY (the key or one of its subkeys), else "N no". gpg is on
# PATH; its keyring is $GNUPGHOME's, else ~/.gnupg.
set -u
mode=$1
shift
for n in "$@"; do
  if [ "$mode" = sign ]; then
    gpg --batch --no-tty --yes --local-user "$BBC_KEY" --detach-sign --output "$n.sig" "$n.pae" ||
      exit 1
    continue
  fi
  ok=no
  # VALIDSIG <signing key> <date> <time> <expiry> <version> <reserved> <algo> <hash> <class> <primary key>
  while read -r _ kind signer rest; do
    if [ "$kind" = VALIDSIG ] && { [ "$signer" = "$BBC_KEY" ] || [ "${rest##* }" = "$BBC_KEY" ]; }; then
      ok=yes
    fi
  done < <(gpg --batch --no-tty --status-fd 1 --verify "$n.sig" "$n.pae" 2> /dev/null)
  echo "$n $ok"
done
