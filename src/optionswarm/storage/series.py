"""The chain time-series port: what every store of canonical chain rows provides.

Implementations: ``ChainStore`` (Parquet partitions read with DuckDB, the embedded default) and
``PgChainStore`` (PostgreSQL, partitioned by underlying and month). Rows are canonical
(``data.canonical.CANONICAL_SCHEMA``); the partition date of a row is ``partition_day(ts_ns)``.
Both pass ``tests/contract/test_chain_series.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol, runtime_checkable

import pyarrow as pa

from optionswarm.model import ChainSnapshot

__all__ = ["ChainSeries"]


@runtime_checkable
class ChainSeries(Protocol):
    """Store and query canonical chain rows by underlying and time."""

    def append(self, table: pa.Table) -> object:
        """Store canonical rows atomically (all or nothing)."""
        ...

    def underlyings(self) -> list[str]:
        """Underlyings with stored rows, sorted."""
        ...

    def days(self, underlying: str) -> list[dt.date]:
        """Partition dates holding rows of ``underlying``, ascending."""
        ...

    def chain_at(self, underlying: str, ts_ns: int) -> pa.Table | None:
        """Rows of the latest quote time at or before ``ts_ns`` (None if none)."""
        ...

    def snapshot_at(self, underlying: str, ts_ns: int) -> ChainSnapshot | None:
        """``chain_at`` as a ``ChainSnapshot``."""
        ...

    def scan(self, underlying: str, start_ns: int, end_ns: int) -> pa.Table:
        """Rows with ``start_ns <= ts_ns <= end_ns``, by time, expiry, root, strike, right."""
        ...

    def contract_history(self, occ_symbol: str, underlying: str | None = None) -> pa.Table:
        """Every row of one contract, in time order."""
        ...

    def remove_day(self, underlying: str, day: dt.date) -> object:
        """Delete one partition date of an underlying."""
        ...
