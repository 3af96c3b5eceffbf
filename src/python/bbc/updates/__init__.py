"""`bbc-update`: the Debian locks, the Python lockfiles and roots' external bases."""
