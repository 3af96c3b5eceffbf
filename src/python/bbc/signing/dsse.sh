#!/usr/bin/env bash
# dsse.sh sign|verify N...: GnuPG over DSSE pre-authentication encodings, N.pae each. sign:
# writes N.sig, a detached signature of N.pae by $BBC_KEY. verify: prints "N yes" when N.sig is
# a good signature of N.pae by $BBC_KEY (the key or one of its subkeys; neither expired nor
# revoked), else "N no". gpg is on
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
  good=no ours=no
  # GOODSIG: a good signature by a key that is neither expired nor revoked (else EXPKEYSIG,
  # REVKEYSIG). VALIDSIG <signing key> <date> ... <class> <primary key>: whose it is.
  while read -r _ kind signer rest; do
    [ "$kind" = GOODSIG ] && good=yes
    if [ "$kind" = VALIDSIG ] && { [ "$signer" = "$BBC_KEY" ] || [ "${rest##* }" = "$BBC_KEY" ]; }; then
      ours=yes
    fi
  done < <(gpg --batch --no-tty --status-fd 1 --verify "$n.sig" "$n.pae" 2> /dev/null)
  if [ $good$ours = yesyes ]; then echo "$n yes"; else echo "$n no"; fi
done
