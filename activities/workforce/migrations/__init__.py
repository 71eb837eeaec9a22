"""The workforce pack's revisions of the records tables (branch ``workforce``)."""
