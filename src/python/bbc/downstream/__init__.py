"""`bbc-downstream`: other repositories' references to the family, moved to new releases."""
