#!/usr/bin/env bash
# copy_ca_certificates.sh FOLDER DEST: the *.crt files of FOLDER (the build host's extra CA
# certificates, [bbc].extra_ca_certs_dir; none when empty or missing) into DEST, with a README.
mkdir -p "$2"
echo "Extra CA certificates copied from ${1:-nowhere} ([bbc].extra_ca_certs_dir)." >"$2/README"
if [ -n "$1" ] && [ -d "$1" ]; then
  find "$1" -name '*.crt' -type f -exec cp {} "$2/" \;
fi
