#!/usr/bin/env bash
# save_images.sh IMAGE...: `docker save` of the images, then out/images.json: the files their
# SBOMs are made from, read by image_files.py (beside it in the sandbox) from the archive as
# each image holds them. $DOCKER, $PYTHON and $MKDIR are the tools (the process's PATH is empty);
# a file bigger than $BBC_FILE_LIMIT bytes is named and not read.
set -u
"$DOCKER" save -o images.tar "$@" || exit 1
"$MKDIR" -p out || exit 1
"$PYTHON" image_files.py images.tar "$BBC_FILE_LIMIT" > out/images.json
