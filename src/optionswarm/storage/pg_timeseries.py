"""Chain time series on PostgreSQL: the ``ChainSeries`` port for a shared, multi-process store.

Layout: one table of canonical rows, partitioned by ``underlying`` (LIST) and then by month of
``ts_ns`` (RANGE, UTC months); partitions are created on demand by ``append``::

    <schema>.<table>                       PARTITION BY LIST (underlying)
      <table>_u_<id>                       PARTITION BY RANGE (ts_ns), one per underlying
        <table>_u_<id>_m_201802            one per month
    index (ts_ns, expiry_ns, root, strike) and (occ_symbol, ts_ns) on every leaf

Bulk load is ``COPY ... FROM STDIN (FORMAT csv)`` fed by pyarrow's CSV writer (C++), in one
transaction: an append lands whole or not at all. Reads use ``COPY (SELECT ...) TO STDOUT``
parsed by pyarrow's CSV reader with the canonical schema, so no row passes through Python.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import threading
from typing import Any

import msgspec
import psycopg
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from psycopg import sql

from optionswarm.data.canonical import CANONICAL_SCHEMA, table_to_snapshot
from optionswarm.model import ChainSnapshot, OccSymbol
from optionswarm.storage.chains import partition_bounds

__all__ = ["PgChainStore", "PgChainStoreConfig"]

_NS_PER_DAY = 86_400 * 1_000_000_000
_EXCHANGE_OFFSET_NS = 5 * 3_600 * 1_000_000_000
_ORDER = "ts_ns, expiry_ns, root, strike, is_call DESC"
_PG_TYPES = {
    pa.string(): "text",
    pa.int64(): "bigint",
    pa.float64(): "double precision",
    pa.bool_(): "boolean",
    pa.date32(): "date",
    pa.uint32(): "bigint",
}
_COLUMNS = CANONICAL_SCHEMA.names


class PgChainStoreConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where PostgreSQL is and which schema/table hold the rows."""

    url: str = "postgresql://postgres@127.0.0.1:5432/test"
    schema: str = "public"
    table: str = "chain_rows"
    connect_timeout_s: int = 5


def _month_bounds(ts_ns: int) -> tuple[str, int, int]:
    day = dt.datetime.fromtimestamp(ts_ns // 1_000_000_000, tz=dt.UTC)
    start = dt.datetime(day.year, day.month, 1, tzinfo=dt.UTC)
    end = dt.datetime(day.year + day.month // 12, day.month % 12 + 1, 1, tzinfo=dt.UTC)
    return f"{day:%Y%m}", int(start.timestamp()) * 10**9, int(end.timestamp()) * 10**9


class PgChainStore:
    """``ChainSeries`` on PostgreSQL (see the module docstring); one connection behind a lock."""

    def __init__(self, config: PgChainStoreConfig | None = None) -> None:
        self.config = cfg = config or PgChainStoreConfig()
        self._conn = psycopg.connect(cfg.url, connect_timeout=cfg.connect_timeout_s)
        self._lock = threading.Lock()
        self._table = sql.Identifier(cfg.schema, cfg.table)
        self._partitions: set[str] = set()
        with self._lock, self._conn.transaction():
            self._conn.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(cfg.schema))
            )
            columns = sql.SQL(", ").join(
                sql.SQL("{} {}{}").format(
                    sql.Identifier(f.name),
                    sql.SQL(_PG_TYPES[f.type]),
                    sql.SQL("" if f.nullable else " NOT NULL"),
                )
                for f in CANONICAL_SCHEMA
            )
            self._conn.execute(
                sql.SQL("CREATE TABLE IF NOT EXISTS {} ({}) PARTITION BY LIST (underlying)").format(
                    self._table, columns
                )
            )

    # -- writing ---------------------------------------------------------------------------------

    def _leaf_name(self, underlying: str, month: str) -> str:
        ident = hashlib.sha1(underlying.encode()).hexdigest()[:10]
        return f"{self.config.table}_u_{ident}" + (f"_m_{month}" if month else "")

    def _ensure_partition(self, cur: psycopg.Cursor[Any], underlying: str, ts_ns: int) -> None:
        month, lo, hi = _month_bounds(ts_ns)
        schema = self.config.schema
        parent = self._leaf_name(underlying, "")
        leaf = self._leaf_name(underlying, month)
        if leaf in self._partitions:
            return
        cur.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} PARTITION OF {} FOR VALUES IN ({}) "
                "PARTITION BY RANGE (ts_ns)"
            ).format(sql.Identifier(schema, parent), self._table, sql.Literal(underlying))
        )
        cur.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} PARTITION OF {} FOR VALUES FROM ({}) TO ({})"
            ).format(
                sql.Identifier(schema, leaf),
                sql.Identifier(schema, parent),
                sql.Literal(lo),
                sql.Literal(hi),
            )
        )
        for name, cols in (("t", "ts_ns, expiry_ns, root, strike"), ("c", "occ_symbol, ts_ns")):
            cur.execute(
                sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} ({})").format(
                    sql.Identifier(f"{leaf}_{name}"), sql.Identifier(schema, leaf), sql.SQL(cols)
                )
            )
        self._partitions.add(leaf)

    def append(self, table: pa.Table) -> int:
        """Store canonical rows in one transaction (COPY); returns the number of rows."""
        table = table.select(_COLUMNS).cast(CANONICAL_SCHEMA)
        if table.num_rows == 0:
            return 0
        keys = (
            pa.table({"u": table.column("underlying"), "m": _month_of(table)})
            .group_by(["u", "m"])
            .aggregate([])
            .to_pylist()
        )
        buffer = io.BytesIO()
        pacsv.write_csv(
            table,
            buffer,
            write_options=pacsv.WriteOptions(include_header=False, quoting_style="all_valid"),
        )
        copy = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv)").format(
            self._table, sql.SQL(", ").join(map(sql.Identifier, _COLUMNS))
        )
        with self._lock:
            known = set(self._partitions)
            try:
                with self._conn.transaction(), self._conn.cursor() as cur:
                    for key in keys:
                        self._ensure_partition(cur, key["u"], key["m"])
                    with cur.copy(copy) as writer:
                        writer.write(buffer.getbuffer())
            except BaseException:
                self._partitions = known  # partitions made in the rolled-back transaction are gone
                raise
        return int(table.num_rows)

    def remove_day(self, underlying: str, day: dt.date) -> int:
        """Delete one partition date of an underlying; returns the rows removed."""
        first, last = partition_bounds(day)
        query = sql.SQL("DELETE FROM {} WHERE underlying = %s AND ts_ns BETWEEN %s AND %s")
        with self._lock, self._conn.transaction(), self._conn.cursor() as cur:
            cur.execute(query.format(self._table), (underlying, first, last))
            return cur.rowcount

    # -- reading ---------------------------------------------------------------------------------

    def _fetch(self, where: str, params: tuple[Any, ...]) -> pa.Table:
        condition = sql.SQL(where.replace("%s", "{}")).format(*map(sql.Literal, params))
        query = sql.SQL("COPY (SELECT {} FROM {} WHERE {} ORDER BY {}) TO STDOUT WITH (FORMAT csv)")
        copy = query.format(
            sql.SQL(", ").join(map(sql.Identifier, _COLUMNS)),
            self._table,
            condition,
            sql.SQL(_ORDER),
        )
        chunks = bytearray()
        with self._lock, self._conn.cursor() as cur:
            with cur.copy(copy) as out:
                for chunk in out:
                    chunks += chunk
            self._conn.commit()
        if not chunks:
            return CANONICAL_SCHEMA.empty_table()
        return pacsv.read_csv(
            io.BytesIO(chunks),
            read_options=pacsv.ReadOptions(column_names=_COLUMNS),
            convert_options=pacsv.ConvertOptions(
                column_types=CANONICAL_SCHEMA,
                true_values=["t"],
                false_values=["f"],
                quoted_strings_can_be_null=False,
            ),
        ).cast(CANONICAL_SCHEMA)

    def _scalar_rows(self, query: str, params: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._lock, self._conn.cursor() as cur:
            cur.execute(sql.SQL(query).format(self._table), params)
            rows = cur.fetchall()
            self._conn.commit()
        return rows

    def underlyings(self) -> list[str]:
        """See ``ChainSeries.underlyings``."""
        return [
            r[0] for r in self._scalar_rows("SELECT DISTINCT underlying FROM {} ORDER BY 1", ())
        ]

    def days(self, underlying: str) -> list[dt.date]:
        """See ``ChainSeries.days``."""
        rows = self._scalar_rows(
            "SELECT DISTINCT (ts_ns - %s) / %s FROM {} WHERE underlying = %s ORDER BY 1",
            (_EXCHANGE_OFFSET_NS, _NS_PER_DAY, underlying),
        )
        epoch = dt.date(1970, 1, 1)
        return [epoch + dt.timedelta(days=int(r[0])) for r in rows]

    def chain_at(self, underlying: str, ts_ns: int) -> pa.Table | None:
        """See ``ChainSeries.chain_at`` (one index probe for the time, then its rows)."""
        rows = self._scalar_rows(
            "SELECT max(ts_ns) FROM {} WHERE underlying = %s AND ts_ns <= %s", (underlying, ts_ns)
        )
        latest = rows[0][0]
        if latest is None:
            return None
        return self._fetch("underlying = %s AND ts_ns = %s", (underlying, latest))

    def snapshot_at(self, underlying: str, ts_ns: int) -> ChainSnapshot | None:
        """See ``ChainSeries.snapshot_at``."""
        rows = self.chain_at(underlying, ts_ns)
        return None if rows is None else table_to_snapshot(rows)

    def scan(self, underlying: str, start_ns: int, end_ns: int) -> pa.Table:
        """See ``ChainSeries.scan``."""
        return self._fetch(
            "underlying = %s AND ts_ns BETWEEN %s AND %s", (underlying, start_ns, end_ns)
        )

    def contract_history(self, occ_symbol: str, underlying: str | None = None) -> pa.Table:
        """See ``ChainSeries.contract_history``."""
        symbol = OccSymbol.parse(occ_symbol).format()
        if underlying is None:
            return self._fetch("occ_symbol = %s", (symbol,))
        return self._fetch("underlying = %s AND occ_symbol = %s", (underlying, symbol))

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()


def _month_of(table: pa.Table) -> pa.Array:
    """Per row, a representative ts_ns of its UTC month (the month's first instant)."""
    ts = table.column("ts_ns").combine_chunks()
    stamps = pc.cast(ts, pa.timestamp("ns", tz="UTC"))
    months = pc.floor_temporal(stamps, unit="month")
    return pc.cast(pc.cast(months, pa.timestamp("ns")), pa.int64())
