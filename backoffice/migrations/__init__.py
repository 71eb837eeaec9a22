"""The records tables' migrations: the engine's revisions here, each pack's in its own folder.

``backoffice worker``, ``backoffice dev`` and ``backoffice db upgrade`` bring the records
database to this version's schema (``upgrade``); everything else only checks that it is
there (``behind``) and says to run the upgrade when it is not.
"""

from __future__ import annotations

import logging


class _RevisionsRun(logging.Filter):
    """Of alembic's words, only which revision runs: the rest is said on every start."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage().startswith("Running ")


# Before alembic is imported: some of its modules say they are set up as they load.
logging.getLogger("alembic").setLevel(logging.WARNING)
logging.getLogger("alembic.runtime.migration").setLevel(logging.INFO)
logging.getLogger("alembic.runtime.migration").addFilter(_RevisionsRun())

from backoffice.migrations.runner import (  # noqa: E402
    ENGINE_BRANCH,
    alembic_config,
    behind,
    current,
    drift,
    heads,
    records_metadata,
    upgrade,
    version_locations,
)

__all__ = [
    "ENGINE_BRANCH",
    "alembic_config",
    "behind",
    "current",
    "drift",
    "heads",
    "records_metadata",
    "upgrade",
    "version_locations",
]
