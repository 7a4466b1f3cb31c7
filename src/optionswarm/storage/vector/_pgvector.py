"""``PgVectorStore``: agent memory on PostgreSQL with the ``vector`` extension (pgvector).

One table per store::

    <schema>.<table> (record_id text PRIMARY KEY, embedding vector(dim), known_ns bigint,
                      payload text)
    HNSW index on embedding (vector_cosine_ops), B-tree on known_ns

Vectors are stored unit-length, so the cosine distance ``<=>`` gives the similarity as
``1 - distance``. ``add`` checks every record first (dimension, finite, non-zero, new id), then
writes it by binary ``COPY`` (``batch_rows`` rows per COPY, vectors through the ``pgvector``
client) in one transaction:
a bad batch raises ``VectorStoreError`` and changes nothing, and no stored row is ever touched
(the table is append-only). A concurrent writer that stored the same id first makes the
primary key refuse the whole batch, with the same error.

Search filters ``known_ns <= known_by_ns`` inside the index scan: pgvector >= 0.8's
``hnsw.iterative_scan = strict_order`` keeps walking the graph until ``k`` visible rows are
found, in distance order, so a selective time filter never shortens the answer. HNSW is
approximate on large tables (``benchmarks/vector.py`` reports its recall@5); on small tables
the planner scans exactly. Keeping an HNSW index up to date costs most of an insert (a few hundred
384-dimensional rows a second on 2 shared cores, against thousands without it): for a bulk
load, open the store with ``index="none"``, ``add`` everything, then ``build_index()``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import msgspec
import numpy as np
import numpy.typing as npt
import psycopg
from pgvector import Vector
from pgvector.psycopg import register_vector
from psycopg import sql

from optionswarm.storage.vector._memory import check_records, unit
from optionswarm.storage.vector._port import VectorHit, VectorRecord, VectorStoreError

__all__ = ["PgVectorConfig", "PgVectorStore"]

T = TypeVar("T")
_IDENT = re.compile(r"^[a-z_][a-z0-9_]{0,47}$")
_MAX_HNSW_DIM = 2000  # pgvector's limit for an HNSW index on ``vector``
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
_TIE_SLACK = 8  # rows fetched beyond k so that ties at the edge sort by id, as the port says


class PgVectorConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Where the server is, which table holds the vectors, and how the index is searched."""

    url: str = "postgresql://postgres@127.0.0.1:5432/test"
    table: str = "agent_memory"
    schema: str = "public"
    index: str = "hnsw"  # "hnsw" or "none" (exact scans only)
    ef_search: int = 100  # HNSW candidates per search (pgvector's default is 40)
    batch_rows: int = 5_000  # rows per COPY batch inside the one transaction of an ``add``
    connect_timeout_s: int = 5


def _psycopg_url(url: str) -> str:
    """Accept SQLAlchemy-style ``postgresql+psycopg://`` URLs too."""
    return re.sub(r"^postgres(?:ql)?\+\w+://", "postgresql://", url)


def _floats(value: Vector) -> list[float]:
    return [float(x) for x in value.to_list()]


class PgVectorStore:
    """``VectorStore`` on a PostgreSQL server with pgvector (see the module docstring).

    One connection behind a lock; a broken connection is replaced, and a read (or the checks
    before a write) that met it is tried once more on the new one.
    """

    def __init__(self, config: PgVectorConfig, dim: int) -> None:
        if dim <= 0:
            raise ValueError(f"dim must be > 0, got {dim}")
        for name in (config.table, config.schema):
            if not _IDENT.match(name):
                raise ValueError(f"{name!r} is not a plain lower-case SQL identifier")
        if config.index not in ("hnsw", "none"):
            raise ValueError(f"index must be 'hnsw' or 'none', not {config.index!r}")
        if config.ef_search < 1 or config.batch_rows < 1:
            raise ValueError("ef_search and batch_rows must be >= 1")
        self.config = config
        self._dim = dim
        self._lock = threading.RLock()
        self._table = sql.Identifier(config.schema, config.table)
        self._conn: psycopg.Connection[Any] | None = None
        try:
            self._create(self._connection())
        except BaseException:
            self.close()  # a refused table (e.g. another dimension) leaves no connection open
            raise

    # -- connection and schema -------------------------------------------------------------------

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed or self._conn.broken:
            cfg = self.config
            conn = psycopg.connect(
                _psycopg_url(cfg.url), connect_timeout=cfg.connect_timeout_s, autocommit=True
            )
            try:
                conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            except psycopg.Error as exc:
                conn.close()
                raise VectorStoreError(
                    f"the server has no usable pgvector extension ({exc.diag.message_primary})"
                ) from exc
            register_vector(conn)
            conn.execute(
                "SELECT set_config('hnsw.ef_search', %s, false), "
                "set_config('hnsw.iterative_scan', 'strict_order', false)",
                (str(cfg.ef_search),),
            )
            self._conn = conn
        return self._conn

    def _create(self, conn: psycopg.Connection[Any]) -> None:
        cfg = self.config
        with conn.transaction():
            conn.execute(
                sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(cfg.schema))
            )
            conn.execute(
                sql.SQL(
                    "CREATE TABLE IF NOT EXISTS {} (record_id text PRIMARY KEY CHECK "
                    "(record_id <> ''), embedding vector({}) NOT NULL, known_ns bigint NOT NULL, "
                    "payload text NOT NULL)"
                ).format(self._table, sql.Literal(self._dim))
            )
        stored = self._stored_dim(conn)
        if stored != self._dim:
            raise VectorStoreError(
                f"table {cfg.schema}.{cfg.table} holds dimension {stored}, not {self._dim}"
            )
        with conn.transaction():
            conn.execute(
                sql.SQL("CREATE INDEX IF NOT EXISTS {} ON {} (known_ns)").format(
                    sql.Identifier(f"{cfg.table}_known_ns"), self._table
                )
            )
        if cfg.index == "hnsw":
            self._create_hnsw(conn)

    def _create_hnsw(self, conn: psycopg.Connection[Any]) -> None:
        if self._dim > _MAX_HNSW_DIM:
            raise VectorStoreError(f"pgvector's HNSW index takes at most {_MAX_HNSW_DIM} dims")
        conn.execute(
            sql.SQL(
                "CREATE INDEX IF NOT EXISTS {} ON {} USING hnsw (embedding vector_cosine_ops)"
            ).format(sql.Identifier(f"{self.config.table}_hnsw"), self._table)
        )

    def build_index(self) -> None:
        """Create the HNSW index now: after a bulk load into a store opened with
        ``index="none"`` (building once is ~4x faster than maintaining it row by row), then
        ``ANALYZE`` so that the planner weighs the new index on fresh statistics."""
        with self._lock:
            conn = self._connection()
            self._create_hnsw(conn)
            conn.execute(sql.SQL("ANALYZE {}").format(self._table))

    def _stored_dim(self, conn: psycopg.Connection[Any]) -> int:
        row = conn.execute(
            "SELECT a.atttypmod FROM pg_attribute a WHERE a.attrelid = %s::regclass "
            "AND a.attname = 'embedding' AND NOT a.attisdropped",
            (f'"{self.config.schema}"."{self.config.table}"',),
        ).fetchone()
        if row is None:
            raise VectorStoreError(f"table {self.config.table!r} has no embedding column")
        return int(row[0])

    def close(self) -> None:
        """Close the connection (a later call opens a new one)."""
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None

    # -- the port --------------------------------------------------------------------------------

    @property
    def dim(self) -> int:
        """The embedding dimension."""
        return self._dim

    def _retrying(self, work: Callable[[psycopg.Connection[Any]], T]) -> T:
        """``work(connection)``, once more on a fresh connection if the first one broke.

        Only for work that has written nothing: a read, or the checks before a write.
        """
        with self._lock:
            try:
                return work(self._connection())
            except psycopg.OperationalError:
                if self._conn is None or not self._conn.broken:
                    raise
                self._conn.close()
                self._conn = None
                return work(self._connection())

    def _existing(self, ids: list[str]) -> set[str]:
        statement = sql.SQL("SELECT record_id FROM {} WHERE record_id = ANY(%s)").format(
            self._table
        )
        rows = self._retrying(lambda conn: conn.execute(statement, (ids,)).fetchall())
        return {str(row[0]) for row in rows}

    def add(self, records: Sequence[VectorRecord]) -> None:
        """Store ``records`` (all or none: every check, then one transaction of COPY batches)."""
        if not records:
            return
        with self._lock:
            check_records(records, self._dim, self._existing([r.record_id for r in records]))
            for record in records:
                if not _INT64_MIN <= record.known_ns <= _INT64_MAX:
                    raise VectorStoreError(f"known_ns {record.known_ns} does not fit in bigint")
            units = [unit(r.vector, self._dim).astype(np.float32) for r in records]
            try:
                self._copy(self._connection(), records, units)
            except psycopg.errors.UniqueViolation as exc:
                raise VectorStoreError(f"duplicate record id ({exc.diag.message_detail})") from exc
            except (psycopg.DataError, psycopg.IntegrityError) as exc:
                raise VectorStoreError(f"record refused ({exc.diag.message_primary})") from exc

    def _copy(
        self,
        conn: psycopg.Connection[Any],
        records: Sequence[VectorRecord],
        units: list[npt.NDArray[np.float32]],
    ) -> None:
        copy_sql = sql.SQL(
            "COPY {} (record_id, embedding, known_ns, payload) FROM STDIN (FORMAT BINARY)"
        ).format(self._table)
        step = self.config.batch_rows
        with conn.transaction(), conn.cursor() as cur:
            for lo in range(0, len(records), step):
                with cur.copy(copy_sql) as copy:
                    copy.set_types(["text", "vector", "int8", "text"])
                    for record, vector in zip(
                        records[lo : lo + step], units[lo : lo + step], strict=True
                    ):
                        copy.write_row((record.record_id, vector, record.known_ns, record.payload))

    def search(self, vector: Sequence[float], k: int, known_by_ns: int) -> list[VectorHit]:
        """The ``k`` most similar records known by ``known_by_ns``, best first."""
        query = unit(vector, self._dim).astype(np.float32)
        if k <= 0:
            return []
        limit = k + _TIE_SLACK
        statement = sql.SQL(
            "SELECT record_id, embedding, known_ns, payload, embedding <=> %(q)s AS distance "
            "FROM {} WHERE known_ns <= %(t)s ORDER BY embedding <=> %(q)s LIMIT %(n)s"
        ).format(self._table)
        params = {"q": query, "t": int(known_by_ns), "n": limit}

        def nearest(conn: psycopg.Connection[Any]) -> list[Any]:
            if limit <= self.config.ef_search:  # the session's settings serve: one round trip
                return conn.execute(statement, params, binary=True).fetchall()
            with conn.transaction():  # a wider search for this query only
                conn.execute("SELECT set_config('hnsw.ef_search', %s, true)", (str(limit),))
                return conn.execute(statement, params, binary=True).fetchall()

        rows = self._retrying(nearest)
        hits = [
            VectorHit(
                record=VectorRecord(
                    record_id=row[0],
                    vector=tuple(_floats(row[1])),
                    known_ns=int(row[2]),
                    payload=row[3],
                ),
                similarity=1.0 - float(row[4]),
            )
            for row in rows
        ]
        hits.sort(key=lambda h: (-h.similarity, h.record.record_id))
        return hits[:k]

    def __len__(self) -> int:
        statement = sql.SQL("SELECT count(*) FROM {}").format(self._table)
        row = self._retrying(lambda conn: conn.execute(statement).fetchone())
        return int(row[0]) if row is not None else 0
