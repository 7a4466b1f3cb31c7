"""The ChainSeries contract: the Parquet/DuckDB store and the PostgreSQL store answer alike.

The PostgreSQL implementation is marked ``service``: a unique schema per test, dropped after.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from optionswarm.data.canonical import snapshot_to_table
from optionswarm.model import ChainSnapshot
from optionswarm.storage import ChainSeries, ChainStore

NS_PER_DAY = 86_400 * 10**9
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"


def _parquet(tmp: Path) -> Iterator[ChainSeries]:
    yield ChainStore(tmp / "chains")


def _postgres(tmp: Path) -> Iterator[ChainSeries]:
    import psycopg

    from optionswarm.storage.pg_timeseries import PgChainStore, PgChainStoreConfig

    schema = f"test_{secrets.token_hex(4)}"
    try:
        store = PgChainStore(PgChainStoreConfig(url=PG_URL, schema=schema))
    except psycopg.OperationalError as error:
        pytest.skip(f"PostgreSQL unreachable: {error}")
    try:
        yield store
    finally:
        store.close()
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


IMPLEMENTATIONS: dict[str, Callable[[Path], Iterator[ChainSeries]]] = {
    "parquet": _parquet,
    "postgres": _postgres,
}


@pytest.fixture(
    params=[
        pytest.param("parquet"),
        pytest.param("postgres", marks=pytest.mark.service),
    ]
)
def series(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[ChainSeries]:
    yield from IMPLEMENTATIONS[request.param](tmp_path)


def _ts(day: dt.date, hour: int = 20) -> int:
    return int(dt.datetime(day.year, day.month, day.day, hour, tzinfo=dt.UTC).timestamp()) * 10**9


def _chain(underlying: str, ts_ns: int, spot: float, root: str = "SPXW") -> ChainSnapshot:
    expiry = ts_ns + 20 * NS_PER_DAY
    return ChainSnapshot.from_arrays(
        underlying=underlying,
        ts_ns=ts_ns,
        spot=spot,
        root=root,
        expiry_ns=np.full(4, expiry),
        strike=np.array([spot - 10, spot + 10, spot - 10, spot + 10]),
        is_call=np.array([True, True, False, False]),
        bid=np.array([12.0, np.nan, 1.5, 11.0]),
        ask=np.array([12.5, 1.0, 1.75, 11.5]),
        iv=np.array([0.21, 0.18, 0.23, 0.19]),
        modelled=True,
        source="",
    )


DAYS = [dt.date(2018, 1, 31), dt.date(2018, 2, 1), dt.date(2018, 2, 2)]


@pytest.fixture
def loaded(series: ChainSeries) -> tuple[ChainSeries, list[ChainSnapshot]]:
    chains = [
        _chain("sp500", _ts(day, hour), 2700.0 + i)
        for i, day in enumerate(DAYS)
        for hour in (15, 20)
    ]
    chains.append(_chain("ndx", _ts(DAYS[1]), 6900.0, root="NDXP"))
    series.append(pa.concat_tables(snapshot_to_table(c) for c in chains))
    return series, chains


def test_implementation_satisfies_the_port(series: ChainSeries) -> None:
    assert isinstance(series, ChainSeries)
    assert series.underlyings() == []
    assert series.chain_at("sp500", _ts(DAYS[0])) is None
    assert series.scan("sp500", 0, 2**62).num_rows == 0


def test_partitions_and_underlyings_are_listed(
    loaded: tuple[ChainSeries, list[ChainSnapshot]],
) -> None:
    series, _ = loaded
    assert series.underlyings() == ["ndx", "sp500"]
    assert series.days("sp500") == DAYS
    assert series.days("ndx") == [DAYS[1]]


def test_chain_at_is_the_latest_snapshot_at_or_before(
    loaded: tuple[ChainSeries, list[ChainSnapshot]],
) -> None:
    series, chains = loaded
    assert series.chain_at("sp500", chains[0].ts_ns - 1) is None
    between = series.snapshot_at("sp500", chains[3].ts_ns + NS_PER_DAY // 24)
    assert between is not None
    assert between.equals(chains[3].sorted())
    exact = series.snapshot_at("sp500", chains[2].ts_ns)
    assert exact is not None
    assert exact.equals(chains[2].sorted())


def test_scan_and_contract_history_return_rows_in_order(
    loaded: tuple[ChainSeries, list[ChainSnapshot]],
) -> None:
    series, chains = loaded
    rows = series.scan("sp500", chains[1].ts_ns, chains[4].ts_ns)
    assert rows.schema.names == snapshot_to_table(chains[0]).schema.names
    assert rows.column("ts_ns").to_pylist() == [c.ts_ns for c in chains[1:5] for _ in range(4)]
    expected = pa.concat_tables(snapshot_to_table(c.sorted()) for c in chains[1:5])
    for name in ("bid", "ask", "strike", "iv"):  # NaN (no bid) must survive as NaN
        np.testing.assert_array_equal(
            rows.column(name).to_numpy(zero_copy_only=False),
            expected.column(name).to_numpy(zero_copy_only=False),
        )
    assert rows.column("source").to_pylist() == [""] * 16
    symbol = rows.column("occ_symbol")[0].as_py()
    history = series.contract_history(symbol)
    assert history.column("occ_symbol").unique().to_pylist() == [symbol]
    assert history.column("ts_ns").to_pylist() == sorted(history.column("ts_ns").to_pylist())


def test_removing_a_day_leaves_the_others(loaded: tuple[ChainSeries, list[ChainSnapshot]]) -> None:
    series, chains = loaded
    series.remove_day("sp500", DAYS[1])
    assert series.days("sp500") == [DAYS[0], DAYS[2]]
    at = series.snapshot_at("sp500", chains[3].ts_ns)
    assert at is not None
    assert at.equals(chains[1].sorted())
    assert series.days("ndx") == [DAYS[1]]
