"""The payables pack's revisions of the records tables (branch ``payables``)."""
