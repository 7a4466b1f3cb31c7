"""The chain time-series store: Parquet files partitioned by underlying and date, read with DuckDB.

Layout (Hive-style, so DuckDB and pyarrow datasets read the partition keys)::

    ROOT/underlying=SP500/date=2018-02-05/part-<first ts>-<last ts>-<token>.parquet

Rows are canonical (``data.canonical.CANONICAL_SCHEMA``), sorted by time, expiry, root, strike and
right inside a file. The partition date is the exchange date of the quote: the UTC date of
``ts_ns - 5 h`` (New York time, exact for every trading hour). Appends write new files only,
under a temporary name renamed into place (``StagedFiles``), so readers never see half a file and
a failed append changes nothing.

Parquet is the record. With ``serving_copy`` (the default) each Parquet file also gets an
uncompressed Arrow IPC twin (``.arrow``, same name) written in the same atomic batch: decoding a
day's Parquet (~7,000 contracts) costs ~1-3 ms, memory-mapping its IPC twin ~0.1-0.2 ms, and the
point-in-time chain read is the backtest's hot path. The cold archive keeps Parquet only.

Queries:

* ``chain_at(underlying, ts_ns)`` -- the rows of the latest quote time at or before ``ts_ns``.
  The file names carry each file's time range, so the store keeps an in-memory index of dates and
  files and reads exactly one partition (no scan); ``snapshot_at`` returns a ``ChainSnapshot``.
* ``contract_history(occ_symbol)`` and ``scan(underlying, start_ns, end_ns)`` -- DuckDB over the
  partitions that can hold matching rows.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import os
import re
import threading
from pathlib import Path

import duckdb
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.ipc
import pyarrow.parquet as pq

from optionswarm.data.canonical import CANONICAL_SCHEMA, table_to_snapshot
from optionswarm.model import ChainSnapshot, OccSymbol
from optionswarm.storage.atomic import StagedFiles, unique_token

__all__ = ["ROW_ORDER", "ChainStore", "partition_bounds", "partition_day"]

_NS_PER_DAY = 86_400 * 1_000_000_000
_EXCHANGE_OFFSET_NS = 5 * 3_600 * 1_000_000_000
_PART = re.compile(r"part-(\d+)-(\d+)-[0-9a-f]+\.parquet")
ROW_ORDER = [
    ("ts_ns", "ascending"),
    ("expiry_ns", "ascending"),
    ("root", "ascending"),
    ("strike", "ascending"),
    ("is_call", "descending"),
]


# Dictionary-encode only low-cardinality columns and keep statistics only where queries filter:
# about 35% less write time than pyarrow's defaults for a slightly larger file.
_PARQUET_OPTIONS: dict[str, object] = {
    "compression": "snappy",
    "use_dictionary": [
        "underlying",
        "root",
        "exercise",
        "settlement",
        "source",
        "expiry",
        "expiry_ns",
        "ts_ns",
        "modelled",
        "spot",
        "rate",
        "dividend_yield",
        "quality_flags",
    ],
    "write_statistics": ["ts_ns", "occ_symbol", "expiry_ns", "strike"],
}


def partition_day(ts_ns: int) -> dt.date:
    """The exchange date a quote time belongs to (its partition)."""
    return dt.date(1970, 1, 1) + dt.timedelta(days=(ts_ns - _EXCHANGE_OFFSET_NS) // _NS_PER_DAY)


def partition_bounds(day: dt.date) -> tuple[int, int]:
    """The first and last nanosecond that belong to a partition date."""
    first = (day - dt.date(1970, 1, 1)).days * _NS_PER_DAY + _EXCHANGE_OFFSET_NS
    return first, first + _NS_PER_DAY - 1


class _FileRef:
    __slots__ = ("first_ts", "last_ts", "path")

    def __init__(self, path: Path, first_ts: int, last_ts: int) -> None:
        self.path, self.first_ts, self.last_ts = path, first_ts, last_ts

    @property
    def serving(self) -> Path:
        """The Arrow IPC twin of the Parquet file (may not exist)."""
        return self.path.with_suffix(".arrow")

    def read(self) -> pa.Table:
        """The file's rows: memory-mapped from the IPC twin if there is one, else Parquet."""
        try:
            with pa.memory_map(str(self.serving)) as source:
                return pa.ipc.open_file(source).read_all()
        except FileNotFoundError:
            return pq.ParquetFile(self.path).read(use_threads=False)


class _UnderlyingIndex:
    """Dates (sorted ordinals) and the files of each date, for one underlying."""

    def __init__(self) -> None:
        self.days: list[int] = []
        self.files: dict[int, list[_FileRef]] = {}

    def add(self, day: int, ref: _FileRef) -> None:
        if day not in self.files:
            bisect.insort(self.days, day)
            self.files[day] = []
        self.files[day].append(ref)


class ChainStore:
    """Canonical chain rows in partitioned Parquet under ``root`` (see the module docstring)."""

    def __init__(self, root: str | os.PathLike[str], *, serving_copy: bool = True) -> None:
        self._root = Path(root)
        self._serving_copy = serving_copy
        self._root.mkdir(parents=True, exist_ok=True)
        self._index: dict[str, _UnderlyingIndex] = {}
        self._lock = threading.Lock()
        self._db = duckdb.connect()
        self.refresh()

    @property
    def root(self) -> Path:
        """The directory holding the partitions."""
        return self._root

    def refresh(self) -> None:
        """Rebuild the in-memory file index from the directory (after another writer appended)."""
        index: dict[str, _UnderlyingIndex] = {}
        for under_dir in self._root.glob("underlying=*"):
            entry = _UnderlyingIndex()
            for date_dir in under_dir.glob("date=*"):
                day = dt.date.fromisoformat(date_dir.name.split("=", 1)[1]).toordinal()
                for path in date_dir.iterdir():
                    match = _PART.fullmatch(path.name)
                    if match:
                        entry.add(day, _FileRef(path, int(match[1]), int(match[2])))
            if entry.days:  # directories left empty by a rolled-back write hold nothing
                index[under_dir.name.split("=", 1)[1]] = entry
        with self._lock:
            self._index = index

    def underlyings(self) -> list[str]:
        """Underlyings with stored rows."""
        return sorted(self._index)

    def days(self, underlying: str) -> list[dt.date]:
        """Partition dates of an underlying, ascending."""
        entry = self._index.get(underlying)
        return [dt.date.fromordinal(d) for d in entry.days] if entry else []

    def files(
        self, underlying: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> list[Path]:
        """The files of an underlying's partitions within ``[start, end]``."""
        entry = self._index.get(underlying)
        if entry is None:
            return []
        lo = start.toordinal() if start else -1
        hi = end.toordinal() if end else 10**9
        return [ref.path for d in entry.days if lo <= d <= hi for ref in entry.files[d]]

    def stage(self, table: pa.Table, rows: npt.NDArray[np.int64] | None = None) -> StagedFiles:
        """Write canonical rows as new files, not yet visible; ``commit`` publishes them.

        ``rows`` picks the rows to store (default: all), folded into the one sort.
        """
        table = table.select(CANONICAL_SCHEMA.names).cast(CANONICAL_SCHEMA).combine_chunks()
        picked = np.arange(table.num_rows) if rows is None else np.asarray(rows, dtype=np.int64)
        staged = StagedFiles()
        if picked.size == 0:
            return staged
        ts = table.column("ts_ns").to_numpy()[picked]
        days = (ts - _EXCHANGE_OFFSET_NS) // _NS_PER_DAY
        under_names, under_codes = _codes(table.column("underlying"))
        under_codes = under_codes[picked]
        root_names, root_codes = _codes(table.column("root"))
        root_rank = np.argsort(np.argsort(np.array(root_names, dtype=object)))[root_codes[picked]]
        is_call = table.column("is_call").to_numpy(zero_copy_only=False)[picked]
        strike = table.column("strike").to_numpy()[picked]
        expiry_ns = table.column("expiry_ns").to_numpy()[picked]
        # One sort into partition then ROW_ORDER and one take (which also drops unpicked rows);
        # each partition is then a zero-copy slice.
        order = np.lexsort((~is_call, strike, root_rank, expiry_ns, ts, days, under_codes))
        source_rows = picked[order]
        already_in_order = source_rows.size == table.num_rows and bool(
            np.all(source_rows[1:] > source_rows[:-1])
        )
        if not already_in_order:  # a vendor file sorted like the store needs no copy
            table = table.take(pa.array(source_rows))
        key = (under_codes.astype(np.int64) * 1_000_000 + (days - days.min()))[order]
        bounds = [0, *(np.flatnonzero(np.diff(key)) + 1).tolist(), len(order)]
        for lo, hi in itertools.pairwise(bounds):
            part = table.slice(lo, hi - lo)
            first, last = int(ts[order[lo]]), int(ts[order[hi - 1]])
            under = under_names[int(under_codes[order[lo]])]
            day = partition_day(first)
            final = (
                self._root
                / f"underlying={under}"
                / f"date={day.isoformat()}"
                / f"part-{first}-{last}-{unique_token()}.parquet"
            )
            staged.write_parquet(part, final, **_PARQUET_OPTIONS)
            if self._serving_copy:
                staged.write_ipc(part, final.with_suffix(".arrow"))
        return staged

    def append(self, table: pa.Table) -> list[Path]:
        """Store canonical rows atomically (all files appear, or none); returns the new files."""
        staged = self.stage(table)
        written = staged.commit()
        self.note_written(written)
        return written

    def note_written(self, paths: list[Path]) -> None:
        """Add files published by a committed ``stage`` to the index."""
        with self._lock:
            for path in paths:
                match = _PART.fullmatch(path.name)
                if match is None:
                    continue
                under = path.parent.parent.name.split("=", 1)[1]
                day = dt.date.fromisoformat(path.parent.name.split("=", 1)[1]).toordinal()
                self._index.setdefault(under, _UnderlyingIndex()).add(
                    day, _FileRef(path, int(match[1]), int(match[2]))
                )

    def remove_day(self, underlying: str, day: dt.date) -> list[Path]:
        """Delete one partition (after it was archived); returns the files removed."""
        with self._lock:
            entry = self._index.get(underlying)
            refs = entry.files.pop(day.toordinal(), []) if entry else []
            if entry and refs:
                entry.days.remove(day.toordinal())
        for ref in refs:
            ref.path.unlink(missing_ok=True)
            ref.serving.unlink(missing_ok=True)
        if refs and not any(refs[0].path.parent.iterdir()):
            refs[0].path.parent.rmdir()
        return [ref.path for ref in refs]

    def chain_at(self, underlying: str, ts_ns: int) -> pa.Table | None:
        """Canonical rows of the latest quote time at or before ``ts_ns`` (None if none)."""
        entry = self._index.get(underlying)
        if entry is None:
            return None
        pos = bisect.bisect_right(entry.days, partition_day(ts_ns).toordinal())
        while pos > 0:
            pos -= 1
            refs = [r for r in entry.files[entry.days[pos]] if r.first_ts <= ts_ns]
            if refs:
                return _latest_rows(refs, ts_ns)
        return None

    def snapshot_at(self, underlying: str, ts_ns: int) -> ChainSnapshot | None:
        """``chain_at`` as a ``ChainSnapshot``."""
        rows = self.chain_at(underlying, ts_ns)
        return None if rows is None else table_to_snapshot(rows)

    def _query(self, sql: str, files: list[Path], params: list[object]) -> pa.Table:
        if not files:
            return CANONICAL_SCHEMA.empty_table()
        listing = ", ".join("'" + str(f).replace("'", "''") + "'" for f in files)
        query = sql.format(files=f"read_parquet([{listing}], hive_partitioning=false)")
        with self._lock:
            cursor = self._db.cursor()
        try:
            table = cursor.sql(query, params=params).to_arrow_table()
        finally:
            cursor.close()
        return table.cast(CANONICAL_SCHEMA)

    def scan(self, underlying: str, start_ns: int, end_ns: int) -> pa.Table:
        """All rows of ``underlying`` with ``start_ns <= ts_ns <= end_ns``, in time order."""
        files = self.files(underlying, partition_day(start_ns), partition_day(end_ns))
        return self._query(
            "SELECT * FROM {files} WHERE ts_ns BETWEEN ? AND ? "
            "ORDER BY ts_ns, expiry_ns, root, strike, is_call DESC",
            files,
            [start_ns, end_ns],
        )

    def contract_history(self, occ_symbol: str, underlying: str | None = None) -> pa.Table:
        """Every stored row of one contract (OSI symbol, padded or compact), in time order."""
        symbol = OccSymbol.parse(occ_symbol)
        unders = [underlying] if underlying else self.underlyings()
        files = [f for u in unders for f in self.files(u, None, symbol.expiry)]
        return self._query(
            "SELECT * FROM {files} WHERE occ_symbol = ? ORDER BY ts_ns", files, [symbol.format()]
        )


def _codes(column: pa.ChunkedArray) -> tuple[list[str], np.ndarray]:
    encoded = pc.dictionary_encode(column).combine_chunks()
    return encoded.dictionary.to_pylist(), encoded.indices.to_numpy(zero_copy_only=False)


def _latest_rows(refs: list[_FileRef], ts_ns: int) -> pa.Table:
    """Rows at the latest quote time <= ``ts_ns`` across one partition's files."""
    target = max(min(r.last_ts, ts_ns) for r in refs)
    tables = []
    for ref in refs:
        if ref.first_ts <= target <= ref.last_ts:
            table = ref.read()
            if ref.first_ts != ref.last_ts:
                table = table.filter(pc.equal(table.column("ts_ns"), target))
            tables.append(table)
    rows = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    if rows.num_rows == 0:  # a multi-time file without a row at exactly `target`
        candidates = [ref for ref in refs if ref.first_ts <= ts_ns]
        latest = [pq.read_table(r.path, filters=[("ts_ns", "<=", ts_ns)]) for r in candidates]
        merged = pa.concat_tables(latest)
        newest = pc.max(merged.column("ts_ns")).as_py()
        rows = merged.filter(pc.equal(merged.column("ts_ns"), newest))
    return rows
