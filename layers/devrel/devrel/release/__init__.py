"""Release notes: the changes between two refs, cleaned, classified and written for two audiences,
every line traceable to the commits and pull requests it came from."""
