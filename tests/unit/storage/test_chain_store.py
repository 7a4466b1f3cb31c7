"""ChainStore (Parquet + DuckDB), quarantine store and cold archive on real modelled chains."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.fs as pafs
import pytest

from optionswarm.data.canonical import snapshot_to_table, table_to_snapshot
from optionswarm.data.chains import ModelledChainBuilder
from optionswarm.data.sources import ArchDataSource
from optionswarm.model import ChainSnapshot
from optionswarm.storage import ChainStore, ColdArchive, QuarantineStore
from optionswarm.storage.chains import partition_day

START, END = dt.date(2018, 1, 29), dt.date(2018, 3, 2)


@pytest.fixture(scope="module")
def chains() -> list[ChainSnapshot]:
    builder = ModelledChainBuilder(ArchDataSource())
    out = []
    for chain in builder.iter_chains("sp500", START, END):
        near = (np.abs(chain.strike / chain.spot - 1) < 0.03) & (
            chain.expiry_ns <= chain.expiries()[5]
        )
        out.append(chain.slice(near))
    return out


@pytest.fixture
def store(tmp_path: Path, chains: list[ChainSnapshot]) -> ChainStore:
    made = ChainStore(tmp_path / "chains")
    made.append(pa.concat_tables(snapshot_to_table(c) for c in chains[:10]))
    for chain in chains[10:]:
        made.append(snapshot_to_table(chain))
    return made


def test_chain_at_returns_the_latest_snapshot_at_or_before(
    store: ChainStore, chains: list[ChainSnapshot]
) -> None:
    assert store.underlyings() == ["sp500"]
    assert len(store.days("sp500")) == len(chains)
    third = chains[3]
    exact = store.snapshot_at("sp500", third.ts_ns)
    assert exact is not None
    assert exact.equals(third.sorted())
    between = store.snapshot_at("sp500", third.ts_ns + 3_600 * 10**9)  # an hour later
    assert between is not None
    assert between.ts_ns == third.ts_ns
    monday = chains[5]  # the weekend resolves to Friday's chain
    weekend = store.snapshot_at("sp500", monday.ts_ns - 86_400 * 10**9)
    assert weekend is not None
    assert weekend.ts_ns == chains[4].ts_ns
    assert store.chain_at("sp500", chains[0].ts_ns - 1) is None
    assert store.chain_at("nasdaq", chains[0].ts_ns) is None


def test_scan_and_contract_history_with_duckdb(
    store: ChainStore, chains: list[ChainSnapshot]
) -> None:
    scanned = store.scan("sp500", chains[2].ts_ns, chains[4].ts_ns)
    assert scanned.num_rows == sum(len(c) for c in chains[2:5])
    ts = scanned.column("ts_ns").to_numpy()
    assert np.all(np.diff(ts) >= 0)
    symbol = chains[0].occ_symbols()[len(chains[0]) // 2]
    history = store.contract_history(symbol)
    days_listed = [c for c in chains if symbol in set(c.occ_symbols())]
    assert history.num_rows == len(days_listed)
    assert set(history.column("occ_symbol").to_pylist()) == {symbol}
    compact = store.contract_history(symbol.replace(" ", ""), underlying="sp500")
    assert compact.num_rows == history.num_rows


def test_without_serving_copy_reads_come_from_parquet(
    tmp_path: Path, chains: list[ChainSnapshot]
) -> None:
    store = ChainStore(tmp_path / "p", serving_copy=False)
    store.append(snapshot_to_table(chains[1]))
    assert not list((tmp_path / "p").rglob("*.arrow"))
    snapshot = store.snapshot_at("sp500", chains[1].ts_ns)
    assert snapshot is not None
    assert snapshot.equals(chains[1].sorted())


def test_a_second_process_sees_appends_after_refresh(
    tmp_path: Path, chains: list[ChainSnapshot]
) -> None:
    writer = ChainStore(tmp_path / "c")
    reader = ChainStore(tmp_path / "c")
    writer.append(snapshot_to_table(chains[0]))
    assert reader.chain_at("sp500", chains[0].ts_ns) is None
    reader.refresh()
    rows = reader.chain_at("sp500", chains[0].ts_ns)
    assert rows is not None
    assert table_to_snapshot(rows).equals(chains[0].sorted())


def test_files_are_new_and_no_temporary_files_remain(store: ChainStore, tmp_path: Path) -> None:
    names = [p.name for p in (tmp_path / "chains").rglob("*") if p.is_file()]
    assert names
    assert all(n.startswith("part-") and n.endswith((".parquet", ".arrow")) for n in names)
    assert sum(n.endswith(".arrow") for n in names) == sum(n.endswith(".parquet") for n in names)
    assert partition_day(1517864400000000000) == dt.date(2018, 2, 5)


def test_cold_archive_compacts_months_and_reads_them_back(
    store: ChainStore, chains: list[ChainSnapshot], tmp_path: Path
) -> None:
    archive = ColdArchive(pafs.LocalFileSystem(), str(tmp_path / "cold"))
    rows_before = store.scan("sp500", 0, 2**62).num_rows
    report = archive.compact(store, "sp500", dt.date(2018, 3, 1))
    assert report.months == ["2018-01", "2018-02"]
    assert archive.months("sp500") == ["2018-01", "2018-02"]
    assert store.days("sp500") == [dt.date(2018, 3, 1), dt.date(2018, 3, 2)]
    archived = archive.read("sp500")
    assert archived.num_rows == report.rows_moved
    assert archived.num_rows + store.scan("sp500", 0, 2**62).num_rows == rows_before
    feb5 = archive.read("sp500", chains[5].ts_ns, chains[5].ts_ns)
    assert table_to_snapshot(feb5).equals(chains[5].sorted())
    assert archive.read("nasdaq").num_rows == 0
    uri = ColdArchive.from_uri(str(tmp_path / "cold"))
    assert uri.months("sp500") == archive.months("sp500")


def test_quarantine_store_counts_reasons(tmp_path: Path) -> None:
    quarantine = QuarantineStore(tmp_path)
    assert quarantine.counts() == {}
    quarantine.add(
        pa.table(
            {
                "quarantined_at_ns": [5, 5],
                "source": ["f.csv", "f.csv"],
                "layout": ["cboe"] * 2,
                "row": [3, 1],
                "reason_code": ["bad_price", "expired"],
                "reason": ["a price is negative", "expired"],
                "raw": ["{}", "{}"],
            }
        )
    )
    assert quarantine.counts() == {"bad_price": 1, "expired": 1}
    assert quarantine.read().column("row").to_pylist() == [1, 3]
