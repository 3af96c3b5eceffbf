"""What every concern uses: the one factory of docker processes, git, the run's token, and
the shell scripts rules run."""
