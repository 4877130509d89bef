"""Issue triage: type and area labels learned from a repository's history, and duplicate detection.

Everything here computes scores and labels only; acting on them (comments, labels, closing) is the
triage state machine's job, under the repository's configuration.
"""
