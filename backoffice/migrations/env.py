"""alembic's environment: migrate the connection ``backoffice.migrations.upgrade`` gives.

There is no URL here: the caller has opened the database, taken the schema lock and begun
the transaction, so every revision runs in it and a failed one leaves nothing behind.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from backoffice.migrations.runner import records_metadata

config = context.config
connection = config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError(
        "the records migrations run through `backoffice db upgrade` (or a worker's start), "
        "which opens the database and takes the schema lock"
    )
context.configure(
    connection=connection,
    target_metadata=records_metadata(config.attributes.get("plugins", ())),
    # SQLite changes a column only by rebuilding its table; elsewhere ALTER runs as is.
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
