"""Prints a Dockerfile's instructions as JSON; runs inside the Dockerfile parser's pex.

It uses the same parser as Pants' docker backend (the `dockerfile` package, which wraps
BuildKit's), so line continuations, comments and flags are read exactly as Docker reads them.
"""

import json
import sys

from dockerfile import parse_file  # pants: no-infer-dep

if __name__ == "__main__":
    print(
        json.dumps(
            {
                path: [
                    {
                        "cmd": command.cmd.upper(),
                        "value": list(command.value),
                        "flags": list(command.flags),
                        "line": command.start_line,
                    }
                    for command in parse_file(path)
                ]
                for path in sys.argv[1:]
            }
        )
    )
