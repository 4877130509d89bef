"""Community health: metrics over the event log and the repository's history, and message sentiment."""
