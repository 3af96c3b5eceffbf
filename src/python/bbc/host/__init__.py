"""Code that runs on the host, outside Pants: the pytest plugin of contract test files."""
