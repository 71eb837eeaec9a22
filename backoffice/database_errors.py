"""What goes wrong with the records database, in words that say what to do."""

from __future__ import annotations

from backoffice.errors import BackofficeError


class RecordsDatabaseError(BackofficeError):
    """The records database cannot be used; the message names it and says what to do."""


class RecordsNotUpgraded(RecordsDatabaseError):
    """The records tables are not at this version's schema: a worker or an operator must
    upgrade them first."""
