"""First-pass review of a pull request: diff parsing, deterministic checks, filtered model comments.

Everything here computes findings from a `ChangeSet` (the diff and the few files it needs); fetching
a pull request and posting the review are the use case's and the adapters' job. A finding that
goes inline always points at a line the change added.
"""
