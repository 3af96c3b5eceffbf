"""What an image's config JSON (as `docker save` writes it) says about the image."""

from __future__ import annotations

import json
from datetime import datetime


def created(config: str) -> datetime | None:
    """The image's creation time, to the second."""
    stamp = json.loads(config).get("created") or ""
    return datetime.fromisoformat(stamp[:19] + "+00:00") if len(stamp) >= 19 else None


def architecture(config: str) -> str | None:
    """The image's architecture (Go's name: amd64, arm64)."""
    return json.loads(config).get("architecture") or None
