"""SQLAlchemy engine factory for the transactional store (audit log, orders, approvals).

One function, :func:`create_sql_engine`, turns a URL into a configured :class:`sqlalchemy.Engine`:

* **SQLite** (the embedded default, ``sqlite:///path/to/file.db``): every new connection gets
  ``PRAGMA journal_mode=WAL`` (readers never block the single writer), ``PRAGMA synchronous=...``
  and ``PRAGMA busy_timeout=...`` (a second writer waits instead of failing at once).
* **PostgreSQL** through psycopg 3 (``postgresql+psycopg://postgres@127.0.0.1:5432/test``): the
  same SQLAlchemy Core code runs unchanged; PostgreSQL's own ``synchronous_commit`` applies.

Durability of a committed transaction on SQLite in WAL mode:

=============  ======================================  ========================================
synchronous    process killed (SIGKILL, crash)         power loss / kernel panic
=============  ======================================  ========================================
``FULL``       kept                                    kept: the WAL is fsynced at every commit
``NORMAL``     kept (the WAL is in the OS page cache)  the commits since the last WAL checkpoint
                                                       may be lost; the file stays consistent
``OFF``        kept                                    may be lost *and* the file may corrupt
=============  ======================================  ========================================

An in-memory SQLite URL (``sqlite://``) gets one connection shared by all threads (tests, throwaway
logs); it has no durability at all.

A server that cannot be reached (connection refused, dropped mid-statement, timed out) surfaces as
:class:`StoreUnavailableError`, a ``sqlalchemy.exc.OperationalError`` that names the server. The
pool pings a connection before handing it out (``pool_pre_ping``), so once the server is back the
next operation gets a fresh connection: nothing needs restarting.

Use ``FULL`` for anything that must survive a power cut (the audit log's default), ``NORMAL`` where
losing the last few milliseconds on power loss is acceptable. Batching many rows into one
transaction (group commit) is what makes ``FULL`` fast: one flush per commit, not per row.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any, Literal

import msgspec
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.pool import StaticPool

__all__ = [
    "SqlConfig",
    "SqliteSynchronous",
    "StoreUnavailableError",
    "create_sql_engine",
    "raw_dbapi_errors",
    "sqlite_url",
]

SqliteSynchronous = Literal["OFF", "NORMAL", "FULL", "EXTRA"]


class SqlConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How to reach and tune the transactional store.

    ``url`` is any SQLAlchemy URL; SQLite and ``postgresql+psycopg`` are the tested ones.
    ``synchronous`` and ``busy_timeout_ms`` apply to SQLite only; ``pool_size`` and
    ``connect_timeout_s`` (whole seconds, at least 2: libpq's floor) to servers only.
    """

    url: str = "sqlite:///optionswarm.db"
    synchronous: SqliteSynchronous = "FULL"
    busy_timeout_ms: int = 10_000
    pool_size: int = 5
    connect_timeout_s: int = 5
    echo: bool = False


class StoreUnavailableError(sa.exc.OperationalError):
    """The transactional store's server refused, dropped or timed out a connection."""

    def __init__(self, where: str, cause: sa.exc.DBAPIError) -> None:
        super().__init__(cause.statement, cause.params, cause.orig or cause)
        self.where = where
        self.cause = cause
        self.reason = str(cause.orig).strip().splitlines()[0] if cause.orig else repr(cause)

    def __str__(self) -> str:
        return f"the transactional store at {self.where} is unavailable: {self.reason}"

    def __reduce__(self) -> Any:  # DBAPIError's own would call __init__ with its arguments
        return (StoreUnavailableError, (self.where, self.cause))


def sqlite_url(path: str) -> str:
    """The SQLAlchemy URL of a SQLite database file at ``path``."""
    return f"sqlite:///{path}"


def create_sql_engine(config: SqlConfig | str) -> sa.Engine:
    """Create an engine for ``config`` (or a bare URL) with the pragmas described above.

    The caller owns the engine and should ``dispose()`` it when done.
    """
    cfg = SqlConfig(url=config) if isinstance(config, str) else config
    url = sa.make_url(cfg.url)
    if url.get_backend_name() == "sqlite":
        return _create_sqlite_engine(url, cfg)
    kwargs: dict[str, Any] = {"echo": cfg.echo, "pool_pre_ping": True}
    if url.get_backend_name() == "postgresql":
        kwargs["pool_size"] = cfg.pool_size
        kwargs["connect_args"] = {"connect_timeout": max(2, int(cfg.connect_timeout_s))}
    engine = sa.create_engine(url, **kwargs)
    where = url.render_as_string(hide_password=True)

    @event.listens_for(engine, "handle_error")
    def _unavailable(context: sa.engine.ExceptionContext) -> None:
        cause = context.sqlalchemy_exception
        if context.is_pre_ping or not isinstance(cause, sa.exc.OperationalError):
            return  # a failed ping is the pool's to handle: it reconnects
        if context.is_disconnect or context.connection is None:  # dropped, or refused at connect
            raise StoreUnavailableError(where, cause) from context.original_exception

    return engine


@contextlib.contextmanager
def raw_dbapi_errors(conn: sa.Connection, statement: str) -> Iterator[None]:
    """Around DB-API cursor calls that bypass SQLAlchemy: a lost server connection becomes
    :class:`StoreUnavailableError` (and the connection is invalidated, so the pool replaces it),
    like every statement SQLAlchemy runs itself; other errors pass through unchanged."""
    dialect = conn.dialect
    try:
        yield
    except dialect.loaded_dbapi.Error as error:
        dbapi_conn = conn.connection.dbapi_connection
        if dialect.name == "sqlite" or not dialect.is_disconnect(error, dbapi_conn, None):
            raise
        wrapped = sa.exc.OperationalError(statement, None, error)
        conn.invalidate(error)
        where = conn.engine.url.render_as_string(hide_password=True)
        raise StoreUnavailableError(where, wrapped) from error


def _create_sqlite_engine(url: sa.URL, cfg: SqlConfig) -> sa.Engine:
    if cfg.synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"synchronous must be OFF, NORMAL, FULL or EXTRA, not {cfg.synchronous!r}")
    in_memory = url.database in (None, "", ":memory:")
    if in_memory:  # one shared connection, or each thread would see its own empty database
        engine = sa.create_engine(
            url,
            echo=cfg.echo,
            poolclass=StaticPool,
            connect_args={"check_same_thread": False},
        )
    else:
        engine = sa.create_engine(url, echo=cfg.echo)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA synchronous={cfg.synchronous}")
            cursor.execute(f"PRAGMA busy_timeout={int(cfg.busy_timeout_ms)}")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    return engine
