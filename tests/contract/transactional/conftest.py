"""Fixtures of the transactional-store contract: one database per test, on SQLite and PostgreSQL.

PostgreSQL runs are ``service`` tests on 127.0.0.1:5432 (db ``test``, user ``postgres``, trust):
each gets a fresh schema ``t_<random>`` as its ``search_path``, dropped afterwards, so parallel
runs never see each other's tables.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from optionswarm.storage.migrations import TablePrefixes
from optionswarm.storage.sql import SqlConfig, create_sql_engine, sqlite_url

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def schema_url(schema: str, url: str = PG_URL) -> str:
    """``url`` with ``schema`` as the search path of every connection."""
    return str(sa.make_url(url).update_query_dict({"options": f"-csearch_path={schema}"}))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.service)])
def sql_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[sa.Engine]:
    """An empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        url = sqlite_url(str(tmp_path / "store.db"))
    else:
        url = schema_url(request.getfixturevalue("pg_schema"))
    engine = create_sql_engine(SqlConfig(url=url, synchronous="NORMAL"))
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def prefixes() -> TablePrefixes:
    """Table prefixes unlike the defaults (proves the migrations respect them)."""
    return TablePrefixes.with_prefix(f"p{uuid.uuid4().hex[:6]}_")


@pytest.fixture
def pg_url(pg_schema: str) -> str:
    """The URL of a fresh PostgreSQL schema."""
    return schema_url(pg_schema)
