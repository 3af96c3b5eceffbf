"""What changed between releases: release notes, package changes with CVEs, `bbc-diff`."""
