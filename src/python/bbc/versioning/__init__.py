"""Versions kept honest: what `bbc-check` demands and what `bbc-bump` changes."""
