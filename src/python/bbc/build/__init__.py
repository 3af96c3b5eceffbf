"""Building images: one build per image, variant and kind, and the `package` and `run` goals."""
