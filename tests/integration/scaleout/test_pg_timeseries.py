"""PgChainStore beyond the ChainSeries contract: partitions by underlying and month, atomic COPY."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator

import numpy as np
import psycopg
import pyarrow as pa
import pytest

from optionswarm.data.canonical import snapshot_to_table
from optionswarm.model import ChainSnapshot
from optionswarm.storage.pg_timeseries import PgChainStore, PgChainStoreConfig

pytestmark = pytest.mark.service
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture
def store() -> Iterator[tuple[PgChainStore, str]]:
    schema = f"test_{secrets.token_hex(4)}"
    try:
        made = PgChainStore(PgChainStoreConfig(url=PG_URL, schema=schema))
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL unreachable: {error}")
    yield made, schema
    made.close()
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def _chain(underlying: str, day: dt.date) -> ChainSnapshot:
    ts_ns = int(dt.datetime(day.year, day.month, day.day, 20, tzinfo=dt.UTC).timestamp()) * 10**9
    return ChainSnapshot.from_arrays(
        underlying=underlying,
        ts_ns=ts_ns,
        spot=100.0,
        root="SPX",
        expiry_ns=np.full(2, ts_ns + 30 * 86_400 * 10**9),
        strike=np.array([95.0, 105.0]),
        is_call=np.array([True, False]),
        bid=np.array([6.0, 5.0]),
        ask=np.array([6.5, 5.5]),
    )


def _leaves(schema: str) -> list[str]:
    with psycopg.connect(PG_URL) as conn:
        rows = conn.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relkind = 'r' ORDER BY 1",
            (schema,),
        ).fetchall()
    return [r[0] for r in rows]


def test_rows_land_in_one_partition_per_underlying_and_month(
    store: tuple[PgChainStore, str],
) -> None:
    pg, schema = store
    days = [dt.date(2018, 1, 31), dt.date(2018, 2, 1), dt.date(2018, 2, 28)]
    chains = [_chain(u, d) for u in ("sp500", "ndx") for d in days]
    assert pg.append(pa.concat_tables(snapshot_to_table(c) for c in chains)) == 12
    leaves = _leaves(schema)
    assert len(leaves) == 4  # 2 underlyings x 2 months
    assert {leaf.rsplit("_m_", 1)[1] for leaf in leaves} == {"201801", "201802"}


def test_a_failing_append_stores_nothing(store: tuple[PgChainStore, str]) -> None:
    pg, _ = store
    good = snapshot_to_table(_chain("sp500", dt.date(2018, 2, 1)))
    source = good.schema.get_field_index("source")
    bad = good.set_column(source, good.schema.field(source), pa.array(["ok", "nul\x00byte"]))
    with pytest.raises(psycopg.errors.DataError):  # PostgreSQL text cannot hold NUL
        pg.append(pa.concat_tables([good, bad]))
    assert pg.underlyings() == []
    assert pg.append(good) == 2
    assert pg.days("sp500") == [dt.date(2018, 2, 1)]
