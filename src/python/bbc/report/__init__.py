"""The family at a glance: `bbc-report`'s page and its data."""
