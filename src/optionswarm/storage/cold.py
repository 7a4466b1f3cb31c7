"""The cold archive: old chain partitions compacted into one Parquet file per underlying-month.

The archive lives on any ``pyarrow.fs.FileSystem``: local disk by default, S3 or MinIO by
configuration only (``ColdArchive.from_uri("s3://bucket/chains?endpoint_override=...")``). Layout::

    BASE/underlying=SP500/month=2018-02/chains-<token>.parquet

``compact`` reads every daily partition of a month older than a cut-off from a ``ChainStore``,
writes them as one sorted file (large row groups), reads the new file's metadata back to check
the row count, and only then deletes the daily partitions. If anything fails before that check,
the hot store is untouched; a file of a failed run is removed again.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import msgspec
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from optionswarm.data.canonical import CANONICAL_SCHEMA
from optionswarm.storage.atomic import unique_token
from optionswarm.storage.chains import ROW_ORDER, ChainStore

__all__ = ["ColdArchive", "CompactionReport"]


class CompactionReport(msgspec.Struct, frozen=True, kw_only=True):
    """What one ``compact`` run moved."""

    underlying: str
    months: list[str]
    days_moved: int
    rows_moved: int
    files_written: list[str]


class ColdArchive:
    """Compacted chain history on a pyarrow filesystem (see the module docstring)."""

    def __init__(
        self, filesystem: pafs.FileSystem, base: str, row_group_size: int = 1_000_000
    ) -> None:
        self._fs = filesystem
        self._base = base.rstrip("/")
        self._row_group_size = row_group_size
        self._fs.create_dir(self._base, recursive=True)

    @classmethod
    def from_uri(cls, uri: str) -> ColdArchive:
        """An archive at a URI: a local path, ``file:///...``, ``s3://bucket/prefix?...``."""
        filesystem, path = pafs.FileSystem.from_uri(uri)
        return cls(filesystem, path)

    def months(self, underlying: str) -> list[str]:
        """Archived months (``YYYY-MM``) of an underlying."""
        selector = pafs.FileSelector(f"{self._base}/underlying={underlying}", allow_not_found=True)
        return sorted(
            info.base_name.split("=", 1)[1]
            for info in self._fs.get_file_info(selector)
            if info.type == pafs.FileType.Directory
        )

    def compact(self, store: ChainStore, underlying: str, before: dt.date) -> CompactionReport:
        """Move every partition of ``underlying`` dated before ``before`` into monthly files."""
        by_month: dict[str, list[dt.date]] = defaultdict(list)
        for day in store.days(underlying):
            if day < before:
                by_month[f"{day:%Y-%m}"].append(day)
        written: list[str] = []
        days_moved = rows_moved = 0
        for month, days in sorted(by_month.items()):
            files = [f for d in days for f in store.files(underlying, d, d)]
            table = pa.concat_tables(pq.read_table(f) for f in files).sort_by(ROW_ORDER)
            path = (
                f"{self._base}/underlying={underlying}/month={month}/"
                f"chains-{unique_token()}.parquet"
            )
            self._write_checked(table, path)
            for day in days:
                store.remove_day(underlying, day)
            written.append(path)
            days_moved += len(days)
            rows_moved += table.num_rows
        return CompactionReport(
            underlying=underlying,
            months=sorted(by_month),
            days_moved=days_moved,
            rows_moved=rows_moved,
            files_written=written,
        )

    def _write_checked(self, table: pa.Table, path: str) -> None:
        self._fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
        try:
            with self._fs.open_output_stream(path) as sink:
                pq.write_table(
                    table.cast(CANONICAL_SCHEMA),
                    sink,
                    row_group_size=self._row_group_size,
                    compression="zstd",
                )
            with self._fs.open_input_file(path) as source:
                rows = pq.ParquetFile(source).metadata.num_rows
            if rows != table.num_rows:
                raise OSError(f"archive check failed for {path}: {rows} != {table.num_rows} rows")
        except BaseException:
            info = self._fs.get_file_info(path)
            if info.type == pafs.FileType.File:
                self._fs.delete_file(path)
            raise

    def read(
        self, underlying: str, start_ns: int | None = None, end_ns: int | None = None
    ) -> pa.Table:
        """Archived rows of an underlying, optionally within ``[start_ns, end_ns]``, in order."""
        base = f"{self._base}/underlying={underlying}"
        if self._fs.get_file_info(base).type == pafs.FileType.NotFound:
            return CANONICAL_SCHEMA.empty_table()
        dataset = ds.dataset(base, filesystem=self._fs, format="parquet", schema=CANONICAL_SCHEMA)
        condition = None
        if start_ns is not None:
            condition = ds.field("ts_ns") >= start_ns
        if end_ns is not None:
            upper = ds.field("ts_ns") <= end_ns
            condition = upper if condition is None else condition & upper
        return dataset.to_table(filter=condition).sort_by(ROW_ORDER)
