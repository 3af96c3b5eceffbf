"""The family as a graph: parents read from Dockerfiles, the chain's rules, the tree, and
which images a goal or run names."""
