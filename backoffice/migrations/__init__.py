"""The records tables' migrations: the engine's revisions here, each pack's in its own folder.

``backoffice worker``, ``backoffice dev`` and ``backoffice db upgrade`` bring the records
database to this version's schema (``upgrade``); everything else only checks that it is
there (``behind``) and says to run the upgrade when it is not.
"""

from __future__ import annotations

from backoffice.migrations.runner import (
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
