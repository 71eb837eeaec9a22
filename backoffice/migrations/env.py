"""alembic's environment: migrate the connection ``backoffice.migrations.upgrade`` gives.

From ``backoffice db upgrade`` or a worker's start there is no URL here: the caller has
opened the database, taken the schema lock and begun the transaction, so every revision
runs in it and a failed one leaves nothing behind. alembic's own command line (the
checkout's ``alembic.ini``) opens the records the settings name, under the same lock.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from backoffice.database_lock import hold_lock
from backoffice.migrations.runner import records_metadata

config = context.config


def migrate(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=records_metadata(config.attributes.get("plugins", ())),
        # SQLite changes a column only by rebuilding its table; elsewhere ALTER runs as is.
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


given = config.attributes.get("connection")
if isinstance(given, Connection):
    migrate(given)
else:
    from backoffice import database
    from backoffice.settings import load_settings

    with (
        database.unchecked(load_settings()) as engine,
        engine.connect() as connection,
        connection.begin(),
    ):
        hold_lock(connection, "schema")
        migrate(connection)
