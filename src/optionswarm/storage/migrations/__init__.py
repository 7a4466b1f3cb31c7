"""Alembic migrations of the transactional store (orders, fills, approvals, audit).

The schema of :class:`~optionswarm.execution.ExecutionStore`,
:class:`~optionswarm.oversight.ApprovalStore` and :class:`~optionswarm.audit.store.AuditStore` is
one linear Alembic history shipped inside the package (``env.py`` and ``versions/`` beside this
file), run from code with :func:`upgrade`; no ``alembic.ini`` is needed. Every table name carries
the prefix of its store (:class:`TablePrefixes`), so several deployments or test runs can share
one database; each set of prefixes keeps its own version table.

The stores' own ``create()`` stays the embedded fast path (backtests on in-memory SQLite); a
contract test proves that it builds the same schema as ``upgrade``. ``upgrade`` adopts a database
that ``create()`` built earlier: every step creates only what is missing. On PostgreSQL an
advisory lock serialises concurrent upgrades (several roles starting at once); within one process
a lock does (Alembic's ``context`` and ``op`` are module-level proxies, one migration at a time).
"""

from __future__ import annotations

import threading
import zlib
from pathlib import Path

import msgspec
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

__all__ = [
    "HEAD",
    "REVISIONS",
    "TablePrefixes",
    "current_revision",
    "downgrade",
    "prefixes_in_use",
    "upgrade",
]

REVISIONS = ("0001", "0002")
"""Every revision, oldest first."""
HEAD = REVISIONS[-1]
"""The revision the stores' ``create()`` builds."""

_HERE = Path(__file__).resolve().parent
_ONE_AT_A_TIME = threading.Lock()


class TablePrefixes(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """The table prefix of each store, and the version table of this set of tables."""

    execution: str = "exec_"
    oversight: str = "oversight_"
    audit: str = "audit_"
    version_table: str = "optionswarm_schema_version"

    def __post_init__(self) -> None:
        for name in ("execution", "oversight", "audit", "version_table"):
            value = getattr(self, name)
            if not value or not value.replace("_", "").isalnum():
                raise ValueError(f"{name} {value!r} must be letters, digits and underscores")

    @classmethod
    def with_prefix(cls, prefix: str) -> TablePrefixes:
        """Every table and the version table under one extra ``prefix`` (tests, side-by-side)."""
        return cls(
            execution=f"{prefix}exec_",
            oversight=f"{prefix}oversight_",
            audit=f"{prefix}audit_",
            version_table=f"{prefix}schema_version",
        )


def _config(connection: sa.Connection, prefixes: TablePrefixes) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_HERE))
    config.attributes["connection"] = connection
    config.attributes["prefixes"] = prefixes
    return config


def upgrade(
    engine: sa.Engine, revision: str = "head", prefixes: TablePrefixes | None = None
) -> None:
    """Bring the schema up to ``revision`` (all of it by default), in one transaction."""
    with _ONE_AT_A_TIME, engine.begin() as connection:
        command.upgrade(_config(connection, prefixes or TablePrefixes()), revision)


def downgrade(engine: sa.Engine, revision: str, prefixes: TablePrefixes | None = None) -> None:
    """Take the schema back to ``revision`` (``"base"``: drop every table)."""
    with _ONE_AT_A_TIME, engine.begin() as connection:
        command.downgrade(_config(connection, prefixes or TablePrefixes()), revision)


def current_revision(engine: sa.Engine, prefixes: TablePrefixes | None = None) -> str | None:
    """The revision the database is at (None: never migrated)."""
    table = (prefixes or TablePrefixes()).version_table
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": table})
        return context.get_current_revision()


def prefixes_in_use() -> TablePrefixes:
    """The prefixes of the migration running now (for the scripts in ``versions/``)."""
    from alembic import context  # noqa: PLC0415 - exists only while a migration runs

    prefixes = context.config.attributes["prefixes"]
    assert isinstance(prefixes, TablePrefixes)
    return prefixes


def run_environment() -> None:
    """The body of ``env.py``: migrate the handed-over connection, one upgrade at a time."""
    from alembic import context  # noqa: PLC0415 - exists only while a migration runs

    connection = context.config.attributes["connection"]
    assert isinstance(connection, sa.Connection)
    prefixes = prefixes_in_use()
    context.configure(connection=connection, version_table=prefixes.version_table)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":  # one upgrade at a time per set of tables
            key = advisory_lock_key(prefixes)
            connection.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
        context.run_migrations()


def advisory_lock_key(prefixes: TablePrefixes) -> int:
    """The PostgreSQL advisory lock that serialises upgrades of one set of tables."""
    return zlib.crc32(prefixes.version_table.encode())
