"""Scale-out: `bbc-plan`'s CI jobs, in stages balanced by recorded build times."""
