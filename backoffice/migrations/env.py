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
    from pathlib import Path

    from sqlalchemy import create_engine

    from backoffice.settings import load_settings

    # Only a connection is needed (not the records engine with its checks, which would
    # refuse the very database this upgrades).
    url = load_settings().resolved_database_url
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    try:
        with engine.connect() as connection, connection.begin():
            hold_lock(connection, "schema")
            migrate(connection)
    finally:
        engine.dispose()
