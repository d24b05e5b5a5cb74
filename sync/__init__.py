"""The outbox, push and pull, reconciliation, the sync log and the scheduled jobs."""
