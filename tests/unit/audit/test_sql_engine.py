"""The transactional store's engine factory sets the SQLite durability pragmas it promises."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from optionswarm.storage.sql import SqlConfig, create_sql_engine, sqlite_url


def _pragmas(engine: sa.Engine) -> tuple[str, int, int]:
    with engine.connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
        sync = conn.exec_driver_sql("PRAGMA synchronous").scalar()
        busy = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
    engine.dispose()
    return str(mode), int(sync or 0), int(busy or 0)


def test_sqlite_file_gets_wal_full_sync_and_busy_timeout(tmp_path: Path) -> None:
    engine = create_sql_engine(sqlite_url(str(tmp_path / "a.db")))
    assert _pragmas(engine) == ("wal", 2, 10_000)


def test_sqlite_normal_sync_and_custom_timeout(tmp_path: Path) -> None:
    config = SqlConfig(
        url=sqlite_url(str(tmp_path / "a.db")), synchronous="NORMAL", busy_timeout_ms=250
    )
    assert _pragmas(create_sql_engine(config)) == ("wal", 1, 250)


def test_in_memory_sqlite_keeps_its_memory_journal() -> None:
    assert _pragmas(create_sql_engine("sqlite://"))[0] == "memory"


def test_unknown_synchronous_level_is_refused() -> None:
    bad = SqlConfig(url="sqlite://", synchronous="SOMETIMES")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="synchronous"):
        create_sql_engine(bad)


def test_postgresql_url_builds_a_psycopg_engine_without_connecting() -> None:
    engine = create_sql_engine("postgresql+psycopg://postgres@127.0.0.1:5432/test")
    assert (engine.dialect.name, engine.dialect.driver) == ("postgresql", "psycopg")
    engine.dispose()
