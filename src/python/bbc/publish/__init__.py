"""Publishing: the one registry client, the registry cache, race-safe releases, release
history and the `publish` and `bbc-releases` goals."""
