"""A fake `docker` executable for rule tests: it records every call and keeps a tiny image
store in a folder, so that the plugin's real rules run without a Docker engine.

- `build ... --iidfile F --tag T ...`: writes an image id to F, tags it T, and keeps the
  Dockerfile it was given (under the first tag's name); fails like Docker while the state
  folder holds a `fail` file.
- `image ls`, `image inspect REF`, `tag ID REF`, `info`, `run ...`: as Docker would answer.
- `create --name N ...`, `start`, `wait` (the exit code in `exit-code`, or never returning while
  a `hang` file exists), `logs`, `cp`, `rm -f N`: containers as files under `containers/`.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

_SCRIPT = r"""#!/bin/bash
export PATH=/usr/bin:/bin
state=__STATE__
printf '%s\0' "$@" >"$state/calls/$(date +%s%N)-$$"
case "$1" in
--version) echo "Docker version 20.10.24+fake, build 0000000" ;;
buildx) exit 1 ;;
build)
  shift; iid=""; file=""; tags=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --iidfile) iid=$2; shift 2 ;;
      --tag) tags+=("$2"); shift 2 ;;
      --file) file=$2; shift 2 ;;
      --build-arg|--target|--network|--platform|--secret|--ssh) shift 2 ;;
      *) shift ;;
    esac
  done
  n=$(ls "$state/calls" | wc -l)
  id="sha256:$(printf '%064d' "$n")"
  cp "$file" "$state/dockerfiles/$(echo "${tags[0]}" | tr '/:' '__')"
  if [ -f "$state/fail" ]; then
    echo "Step 2/3 : RUN false"; echo "The command '/bin/sh -c false' returned a non-zero code: 1" >&2
    exit 1
  fi
  echo "$id" >"$iid"
  for t in "${tags[@]}"; do echo "$t $id" >>"$state/images"; done
  ;;
image)
  case "$2" in
    ls) if [ -f "$state/images" ]; then sort -u "$state/images"; fi ;;
    inspect) grep -q "^$3 " "$state/images" 2>/dev/null || { echo "No such image: $3" >&2; exit 1; }
             echo '{}' ;;
  esac
  ;;
tag) echo "$3 $2" >>"$state/images" ;;
info) echo '{}' ;;
run) echo "ran" ;;
create) [ -f "$state/no-create" ] && { echo "Error: No such image" >&2; exit 1; }
        touch "$state/containers/$3"; echo "$3" ;;
start) ;;
wait) [ -f "$state/hang" ] && exec sleep 60
      cat "$state/exit-code" 2>/dev/null || echo 0 ;;
logs) echo "output of $2" ;;
cp) ;;
rm) rm -f "$state/containers/$3" ;;
ps) ;;
esac
"""


@dataclass(frozen=True)
class Call:
    argv: tuple[str, ...]

    def __str__(self) -> str:
        return shlex.join(self.argv)


class FakeDocker:
    def __init__(self, folder: Path) -> None:
        self.state = folder / "state"
        for sub in ("calls", "dockerfiles", "containers"):
            (self.state / sub).mkdir(parents=True)
        self.bin = folder / "bin"
        self.bin.mkdir()
        docker = self.bin / "docker"
        docker.write_text(_SCRIPT.replace("__STATE__", shlex.quote(str(self.state))))
        docker.chmod(0o755)

    def calls(self, command: str | None = None) -> list[Call]:
        found = []
        for path in sorted(self.state.joinpath("calls").iterdir()):
            argv = tuple(path.read_bytes().split(b"\0")[:-1])
            call = Call(tuple(a.decode() for a in argv))
            if command is None or call.argv[:1] == (command,):
                found.append(call)
        return found

    def dockerfile(self, first_tag: str) -> str:
        """The Dockerfile the build tagged `first_tag` was given."""
        return self.state.joinpath(
            "dockerfiles", first_tag.replace("/", "_").replace(":", "_")
        ).read_text()

    def fail_builds(self, fail: bool = True) -> None:
        flag = self.state / "fail"
        flag.touch() if fail else flag.unlink(missing_ok=True)

    def flag(self, name: str, value: str | None = "") -> None:
        """Set (with `value` as its content) or, with None, clear a flag file of the fake."""
        path = self.state / name
        path.write_text(value) if value is not None else path.unlink(missing_ok=True)

    def containers(self) -> list[str]:
        return sorted(p.name for p in self.state.joinpath("containers").iterdir())

    def images(self) -> dict[str, str]:
        path = self.state / "images"
        lines = path.read_text().splitlines() if path.exists() else []
        return dict(line.split() for line in lines)

    def forget(self) -> None:
        """An empty engine, a clean log."""
        for sub in ("calls", "dockerfiles"):
            for path in self.state.joinpath(sub).iterdir():
                path.unlink()
        self.state.joinpath("images").unlink(missing_ok=True)

    def options(self) -> list[str]:
        return [f"--docker-executable-search-paths=['{self.bin}']"]
