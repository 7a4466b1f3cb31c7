"""Alembic environment: online only, on the connection that ``upgrade`` hands over."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import context

from optionswarm.storage.migrations import advisory_lock_key, prefixes_in_use

connection = context.config.attributes["connection"]
assert isinstance(connection, sa.Connection)
prefixes = prefixes_in_use()
context.configure(connection=connection, version_table=prefixes.version_table)
with context.begin_transaction():
    if connection.dialect.name == "postgresql":  # one upgrade at a time per set of tables
        key = advisory_lock_key(prefixes)
        connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    context.run_migrations()
