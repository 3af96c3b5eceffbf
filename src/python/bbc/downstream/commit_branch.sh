#!/usr/bin/env bash
# commit_branch.sh BRANCH TRAILER [--dry-run]: in repo/ (a clone), commits new/ (the rewritten
# files) and the message in message on BRANCH, made again from the base branch, and pushes it.
# The branch is replaced only while every commit on it carries TRAILER (bbc-downstream's own),
# and only if nobody pushed to it meanwhile. Says `pushed`, or `unchanged` when the branch
# already holds it. With --dry-run, the same checks and a `git push --dry-run` (the remote
# refuses or accepts as it would), and says `would push` instead of pushing.
set -e
branch=$1 trailer=$2 dry_run=${3:-}
cd repo
base=$(git symbolic-ref --short HEAD)
if [ "$branch" = "$base" ]; then
  echo "the branch $branch is the repository's base branch: name another ([bbc-downstream].branch)" >&2
  exit 1
fi
lease="refs/heads/$branch:"
if tip=$(git rev-parse -q --verify "refs/remotes/origin/$branch"); then
  foreign=$(git log --format='%h %s' --invert-grep --grep="^$trailer\$" "$base..$tip")
  if [ -n "$foreign" ]; then
    printf 'the branch %s has commits bbc-downstream did not make:\n%s\nMerge or delete the branch, or name another ([bbc-downstream].branch).\n' "$branch" "$foreign" >&2
    exit 1
  fi
  lease="refs/heads/$branch:$tip"
fi
git checkout -q -B "$branch"
cp -R ../new/. .
git add -A .
git config user.email >/dev/null || git config user.email bbc-downstream@localhost
git config user.name >/dev/null || git config user.name bbc-downstream
git commit -q -F ../message
if [ -n "$tip" ] && [ "$(git rev-parse "HEAD^{tree}")" = "$(git rev-parse "$tip^{tree}")" ]; then
  echo unchanged; exit 0
fi
if [ "$dry_run" = --dry-run ]; then
  git push -q --dry-run --force-with-lease="$lease" origin "HEAD:refs/heads/$branch"
  echo "would push"; exit 0
fi
git push -q --force-with-lease="$lease" origin "HEAD:refs/heads/$branch"
echo pushed
