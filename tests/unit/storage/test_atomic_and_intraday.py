"""Staged writes, intraday (multi-time) partitions and the metrics counter object."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.fs as pafs
import pytest

from optionswarm.data.canonical import snapshot_to_table
from optionswarm.data.metrics import DataMetrics
from optionswarm.model import ChainSnapshot
from optionswarm.storage import ChainStore, ColdArchive, StagedFiles

HOUR = 3_600 * 10**9
OPEN = 1_517_841_000_000_000_000  # 2018-02-05 14:30 UTC (09:30 New York)


def _chain(ts_ns: int, bid: float) -> ChainSnapshot:
    strikes = np.array([2600.0, 2700.0])
    return ChainSnapshot.from_arrays(
        underlying="SPX",
        ts_ns=ts_ns,
        spot=2650.0,
        root="SPXW",
        expiry_ns=np.full(2, OPEN + 200 * HOUR),
        strike=strikes,
        is_call=np.array([True, False]),
        bid=np.array([bid, bid]),
        ask=np.array([bid + 1, bid + 1]),
        source="feed",
    )


def test_intraday_file_answers_each_time_with_its_own_rows(tmp_path: Path) -> None:
    store = ChainStore(tmp_path)
    times = [OPEN, OPEN + HOUR, OPEN + 3 * HOUR]
    store.append(
        pa.concat_tables(snapshot_to_table(_chain(t, 10.0 + i)) for i, t in enumerate(times))
    )
    assert len(list(tmp_path.rglob("*.parquet"))) == 1
    for i, t in enumerate(times):
        rows = store.snapshot_at("SPX", t)
        assert rows is not None
        assert rows.ts_ns == t
        assert rows.bid[0] == pytest.approx(10.0 + i)
    between = store.snapshot_at("SPX", OPEN + 2 * HOUR)  # no row at that exact time
    assert between is not None
    assert between.ts_ns == OPEN + HOUR


def test_staged_files_never_overwrite_and_can_be_merged(tmp_path: Path) -> None:
    table = pa.table({"x": [1]})
    first = StagedFiles()
    first.write_parquet(table, tmp_path / "a.parquet")
    second = StagedFiles()
    second.write_ipc(table, tmp_path / "a.arrow")
    first.extend(second)
    assert len(first) == 2
    assert len(second) == 0
    assert sorted(p.name for p in first.commit()) == ["a.arrow", "a.parquet"]
    with pytest.raises(FileExistsError):
        StagedFiles().write_parquet(table, tmp_path / "a.parquet")
    with pytest.raises(FileExistsError):
        StagedFiles().write_ipc(table, tmp_path / "a.arrow")
    dropped = StagedFiles()
    dropped.write_parquet(table, tmp_path / "b.parquet")
    dropped.rollback()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.arrow", "a.parquet"]


def test_failed_archive_write_keeps_the_hot_partitions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ChainStore(tmp_path / "hot")
    store.append(snapshot_to_table(_chain(OPEN, 10.0)))
    archive = ColdArchive(pafs.LocalFileSystem(), str(tmp_path / "cold"))

    def broken(*_: object, **__: object) -> None:
        raise OSError("bucket unreachable")

    monkeypatch.setattr("optionswarm.storage.cold.pq.write_table", broken)
    with pytest.raises(OSError, match="unreachable"):
        archive.compact(store, "SPX", store.days("SPX")[0].replace(year=2019))
    assert len(store.days("SPX")) == 1
    assert archive.read("SPX").num_rows == 0


def test_metrics_count_up_only() -> None:
    metrics = DataMetrics()
    metrics.inc("records_read", 5)
    metrics.inc("records_read")
    assert metrics.get("records_read") == 6
    assert metrics.get("never") == 0
    assert metrics.snapshot() == {"records_read": 6}
    with pytest.raises(ValueError, match="only go up"):
        metrics.inc("records_read", -1)
