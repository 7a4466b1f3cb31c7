"""Backends for the audit-log suite: SQLite always, PostgreSQL when reachable (``service``).

Each test gets its own table prefix and drops its tables afterwards, so runs never collide.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from optionswarm.audit import AuditConfig, AuditLog, AuditStore, ColdStore, Ed25519Signer
from optionswarm.storage.sql import SqlConfig, create_sql_engine, sqlite_url

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _pg_engine() -> sa.Engine:
    engine = create_sql_engine(SqlConfig(url=PG_URL))
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        engine.dispose()
        pytest.skip(f"PostgreSQL unreachable at {PG_URL}: {exc}")
    return engine


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.service)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[AuditStore]:
    """An empty audit store on the requested backend, dropped after the test."""
    if request.param == "sqlite":
        engine = create_sql_engine(sqlite_url(str(tmp_path / "audit.db")))
    else:
        engine = _pg_engine()
    audit_store = AuditStore(engine, prefix=f"t{uuid.uuid4().hex[:12]}_")
    try:
        audit_store.create()
        yield audit_store
    finally:
        audit_store.drop()
        engine.dispose()


@pytest.fixture
def signer() -> Ed25519Signer:
    """A throwaway signing key."""
    return Ed25519Signer.generate()


MakeLog = Callable[..., AuditLog]


@pytest.fixture
def make_log(store: AuditStore, signer: Ed25519Signer, tmp_path: Path) -> MakeLog:
    """Open (or reopen) an AuditLog over the test's store; config fields as keywords."""

    def make(**fields: object) -> AuditLog:
        fields.setdefault("checkpoint_every_records", 16)
        fields.setdefault("checkpoint_every_seconds", 0)
        config = AuditConfig(table_prefix=store.prefix, **fields)  # type: ignore[arg-type]
        return AuditLog(store, signer, config, cold=ColdStore(str(tmp_path / "cold")))

    return make


def disable_guards(store: AuditStore) -> None:
    """Act as an attacker with DBA rights: switch off the append-only triggers."""
    tables = [store.records, store.nodes, store.checkpoints, store.archives]
    with store.engine.begin() as conn:
        for table in tables:
            if store.dialect == "sqlite":
                for name in (f"{table.name}_no_update", f"{table.name}_no_delete"):
                    conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS {name}")
            else:
                conn.exec_driver_sql(f"ALTER TABLE {table.name} DISABLE TRIGGER USER")


def execute(store: AuditStore, sql: str, **params: object) -> None:
    """Run raw SQL (named ``:params``) against the store, committing at once."""
    with store.engine.begin() as conn:
        conn.execute(sa.text(sql), params)
