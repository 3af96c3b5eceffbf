"""Signed releases: containers' simple signatures of every tag publish pushes, and bbc-verify."""
