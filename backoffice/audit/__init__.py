"""The audit trail of process steps: every call and bot attempt, kept in the records database."""
