"""SQL storage of the audit log (SQLAlchemy Core; SQLite and PostgreSQL run the same code).

Tables (all names carry ``prefix``): ``records`` (one row per record, primary key ``seq``),
``nodes`` (hashes of complete Merkle subtrees of ``2**NODE_MIN_LEVEL`` leaves and more, keyed by
``node_id = end * 64 + level`` where ``end`` is the leaf count that completed the subtree, so
that node ids grow in the order the tree is built), ``checkpoints`` (signed tree heads) and
``archives`` (segments moved to the cold store). Triggers refuse UPDATE and DELETE on all four,
except DELETE of records below the highest archived sequence number.

Writes happen in one transaction per batch (group commit). One process appends at a time: a
second writer fails on the ``seq`` primary key rather than forking the chain.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from optionswarm.audit.verifier import CheckpointView, Reason, VerificationResult
from optionswarm.storage.sql import raw_dbapi_errors

__all__ = ["NODE_MIN_LEVEL", "AuditStore", "RecordRow", "compare_nodes", "node_id"]

NODE_MIN_LEVEL = 4
"""Subtrees smaller than 16 leaves are recomputed from leaf hashes instead of being stored."""

RecordRow = tuple[int, int, str, bytes, bytes, bytes]
"""``(seq, ts_ns, kind, payload, prev_hash, hash)``."""


def node_id(level: int, index: int) -> int:
    """Primary key of the stored subtree ``(level, index)``."""
    return ((index + 1) << level) * 64 + level


class AuditStore:
    """The audit log's tables in one database, behind a handful of batch operations."""

    def __init__(self, engine: sa.Engine, prefix: str = "audit_") -> None:
        if not prefix.replace("_", "").isalnum():
            raise ValueError(f"table prefix {prefix!r} must be letters, digits and underscores")
        self.engine = engine
        self.prefix = prefix
        self.dialect = engine.dialect.name
        md = sa.MetaData()
        # INTEGER (not BIGINT) on SQLite makes a primary key the rowid: no second B-tree.
        big, blob = sa.BigInteger().with_variant(sa.Integer(), "sqlite"), sa.LargeBinary
        self.records = sa.Table(
            f"{prefix}records",
            md,
            sa.Column("seq", big, primary_key=True, autoincrement=False),
            sa.Column("ts_ns", big, nullable=False),
            sa.Column("kind", sa.Text, nullable=False),
            sa.Column("payload", blob, nullable=False),
            sa.Column("prev_hash", blob, nullable=False),
            sa.Column("hash", blob, nullable=False),
        )
        self.nodes = sa.Table(
            f"{prefix}nodes",
            md,
            sa.Column("node_id", big, primary_key=True, autoincrement=False),
            sa.Column("hash", blob, nullable=False),
        )
        self.checkpoints = sa.Table(
            f"{prefix}checkpoints",
            md,
            sa.Column("size", big, primary_key=True, autoincrement=False),
            sa.Column("ts_ns", big, nullable=False),
            sa.Column("root", blob, nullable=False),
            sa.Column("key_id", sa.Text, nullable=False),
            sa.Column("signature", blob, nullable=False),
        )
        self.archives = sa.Table(
            f"{prefix}archives",
            md,
            sa.Column("upto", big, primary_key=True, autoincrement=False),
            sa.Column("start", big, nullable=False),
            sa.Column("manifest_path", sa.Text, nullable=False),
            sa.Column("manifest_sha256", blob, nullable=False),
        )
        self.metadata = md
        self._inserts: dict[str, tuple[str, list[str], bool]] = {}
        self._archived_upto: int | None = None

    # ------------------------------------------------------------------ schema

    def create(self) -> None:
        """Create tables and append-only triggers if missing (idempotent)."""
        self.metadata.create_all(self.engine)
        with self.engine.begin() as conn:
            for ddl in self._trigger_ddl():
                conn.exec_driver_sql(ddl)

    def drop(self) -> None:
        """Drop everything this store created (tests and throwaway logs only)."""
        with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                for fn in ("append_only", "records_append_only"):
                    conn.exec_driver_sql(f"DROP FUNCTION IF EXISTS {self.prefix}{fn}() CASCADE")
        self.metadata.drop_all(self.engine)

    def _trigger_ddl(self) -> list[str]:
        p, rec, arc = self.prefix, self.records.name, self.archives.name
        tables = [rec, self.nodes.name, self.checkpoints.name, arc]
        if self.dialect == "sqlite":
            ddl = [
                f"CREATE TRIGGER IF NOT EXISTS {t}_no_update BEFORE UPDATE ON {t} "
                f"BEGIN SELECT RAISE(ABORT, 'audit table {t} is append-only'); END"
                for t in tables
            ]
            ddl += [
                f"CREATE TRIGGER IF NOT EXISTS {t}_no_delete BEFORE DELETE ON {t} "
                f"BEGIN SELECT RAISE(ABORT, 'audit table {t} is append-only'); END"
                for t in tables[1:]
            ]
            ddl.append(
                f"CREATE TRIGGER IF NOT EXISTS {rec}_no_delete BEFORE DELETE ON {rec} "
                f"WHEN OLD.seq >= (SELECT COALESCE(MAX(upto), 0) FROM {arc}) "
                f"BEGIN SELECT RAISE(ABORT, 'audit records are deleted only once archived'); END"
            )
            return ddl
        if self.dialect == "postgresql":
            refuse = "RAISE EXCEPTION 'audit table %% is append-only (%%)', TG_TABLE_NAME, TG_OP;"
            ddl = [
                f"CREATE OR REPLACE FUNCTION {p}append_only() RETURNS trigger AS $$ BEGIN "
                f"{refuse} END; $$ LANGUAGE plpgsql",
                f"CREATE OR REPLACE FUNCTION {p}records_append_only() RETURNS trigger AS $$ BEGIN "
                f"IF TG_OP = 'DELETE' THEN IF OLD.seq < "
                f"(SELECT COALESCE(MAX(upto), 0) FROM {arc}) THEN RETURN OLD; END IF; END IF; "
                f"{refuse} END; $$ LANGUAGE plpgsql",
            ]
            ddl += [
                f"CREATE OR REPLACE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
                f"FOR EACH ROW EXECUTE FUNCTION {p}{'records_' if t == rec else ''}append_only()"
                for t in tables
            ]
            return ddl
        return []  # pragma: no cover - other databases get no triggers (documented)

    # ------------------------------------------------------------------ writes

    def write_batch(
        self,
        records: Sequence[RecordRow],
        nodes: Sequence[tuple[int, bytes]],
        checkpoint: dict[str, Any] | Sequence[dict[str, Any]] | None,
    ) -> None:
        """Insert records, their completed subtree nodes and checkpoints in one transaction.

        Rows go straight to the DB-API ``executemany`` as tuples: SQLAlchemy's per-value
        processing would cost more than hashing them.
        """
        with self.engine.begin() as conn:
            cursor = conn.connection.cursor()
            try:
                with raw_dbapi_errors(conn, f"INSERT INTO {self.records.name} ..."):
                    if records:
                        cursor.executemany(*self._insert_sql(self.records, records))
                    if nodes:
                        cursor.executemany(*self._insert_sql(self.nodes, nodes))
            finally:
                cursor.close()
            cps = [checkpoint] if isinstance(checkpoint, dict) else list(checkpoint or ())
            if cps:
                conn.execute(self.checkpoints.insert(), cps)

    def _insert_sql(
        self, table: sa.Table, rows: Sequence[tuple[Any, ...]]
    ) -> tuple[str, Sequence[Any]]:
        if table.name not in self._inserts:
            compiled = table.insert().compile(dialect=self.engine.dialect)
            names = [c.name for c in table.columns]
            if compiled.positional and list(compiled.positiontup or ()) != names:
                raise AssertionError(f"unexpected parameter order for {table.name}")
            self._inserts[table.name] = (str(compiled), names, bool(compiled.positional))
        sql, names, positional = self._inserts[table.name]
        if positional:
            return sql, rows
        return sql, [dict(zip(names, row, strict=True)) for row in rows]

    def add_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        """Insert one signed checkpoint."""
        self.write_batch((), (), checkpoint)

    def record_archive(self, row: dict[str, Any]) -> None:
        """Register an archived segment and remove its records from the live table."""
        self._archived_upto = None
        with self.engine.begin() as conn:
            conn.execute(self.archives.insert(), [row])
            rec = self.records
            conn.execute(rec.delete().where(rec.c.seq >= row["start"], rec.c.seq < row["upto"]))

    # ------------------------------------------------------------------ reads

    def tail(self) -> tuple[int, int, bytes | None]:
        """``(first live seq, size, hash of the last record)``; size 0 and None when empty."""
        rec = self.records
        with self.engine.connect() as conn:
            row = conn.execute(
                sa.select(rec.c.seq, rec.c.hash).order_by(rec.c.seq.desc()).limit(1)
            ).first()
            first = conn.execute(sa.select(sa.func.min(rec.c.seq))).scalar()
        if row is None:
            return (self.archived_upto(), self.archived_upto(), None)
        return (int(first or 0), int(row[0]) + 1, bytes(row[1]))

    def archived_upto(self) -> int:
        """Records below this sequence number live in the cold store (cached: one writer)."""
        if self._archived_upto is None:
            with self.engine.connect() as conn:
                value = conn.execute(sa.select(sa.func.max(self.archives.c.upto))).scalar()
            self._archived_upto = int(value or 0)
        return self._archived_upto

    def archive_rows(self) -> list[dict[str, Any]]:
        """Registered archive segments in order."""
        arc = self.archives
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(arc).order_by(arc.c.upto)).mappings().all()
        return [dict(r) for r in rows]

    def iter_records(self, start: int, end: int, chunk: int = 100_000) -> Iterator[list[RecordRow]]:
        """Records with ``start <= seq < end`` in order, ``chunk`` rows at a time.

        Rows come straight from the DB-API cursor (no SQLAlchemy row objects): verification
        reads millions of them.
        """
        for lo in range(start, end, chunk):
            yield self.records_between(lo, min(lo + chunk, end))

    def records_between(self, lo: int, hi: int) -> list[RecordRow]:
        """Records with ``lo <= seq < hi`` in order."""
        rec = self.records
        cols = (rec.c.seq, rec.c.ts_ns, rec.c.kind, rec.c.payload, rec.c.prev_hash, rec.c.hash)
        stmt = sa.select(*cols).where(rec.c.seq >= lo, rec.c.seq < hi).order_by(rec.c.seq)
        return self._raw_rows(stmt)

    def _raw_rows(self, stmt: sa.Select[Any]) -> list[RecordRow]:
        sql = str(stmt.compile(dialect=self.engine.dialect, compile_kwargs={"literal_binds": True}))
        return self._raw_sql(sql)

    def _raw_sql(self, sql: str) -> list[Any]:
        """Run a parameterless SELECT on a bare DB-API cursor (values are formatted ints only)."""
        with self.engine.connect() as conn:
            cursor = conn.connection.cursor()
            try:
                with raw_dbapi_errors(conn, sql):
                    cursor.execute(sql)
                    rows: list[RecordRow] = list(cursor.fetchall())
            finally:
                cursor.close()
        return rows

    def records_of_kind(self, kind: str) -> list[RecordRow]:
        """Live records of one kind (e.g. archive markers), in order."""
        rec = self.records
        cols = (rec.c.seq, rec.c.ts_ns, rec.c.kind, rec.c.payload, rec.c.prev_hash, rec.c.hash)
        return self._raw_rows(sa.select(*cols).where(rec.c.kind == kind).order_by(rec.c.seq))

    def first_seq_at_or_after(self, ts_ns: int, start: int) -> int | None:
        """The lowest live ``seq >= start`` stamped at or after ``ts_ns``."""
        rec = self.records
        with self.engine.connect() as conn:
            value = conn.execute(
                sa.select(sa.func.min(rec.c.seq)).where(rec.c.ts_ns >= ts_ns, rec.c.seq >= start)
            ).scalar()
        return None if value is None else int(value)

    def record(self, seq: int) -> RecordRow | None:
        """One record by sequence number."""
        return next(iter(next(self.iter_records(seq, seq + 1))), None)

    def seq_of_hash(self, h: bytes) -> int | None:
        """The sequence number of the record whose stored hash is ``h`` (slow; diagnostics)."""
        rec = self.records
        with self.engine.connect() as conn:
            value = conn.execute(sa.select(rec.c.seq).where(rec.c.hash == h).limit(1)).scalar()
        return None if value is None else int(value)

    def subtree_hashes(
        self, node_ids: Collection[int], seqs: Collection[int]
    ) -> tuple[dict[int, bytes], dict[int, bytes]]:
        """Stored node hashes by id and record hashes by seq, in ONE round trip (proofs)."""
        parts = []
        if node_ids:
            ids = ",".join(str(int(i)) for i in node_ids)
            parts.append(f"SELECT 0, node_id, hash FROM {self.nodes.name} WHERE node_id IN ({ids})")
        if seqs:
            ids = ",".join(str(int(s)) for s in seqs)
            parts.append(f"SELECT 1, seq, hash FROM {self.records.name} WHERE seq IN ({ids})")
        out: tuple[dict[int, bytes], dict[int, bytes]] = ({}, {})
        if not parts:
            return out
        for which, key, h in self._raw_sql(" UNION ALL ".join(parts)):
            out[which][int(key)] = bytes(h)
        return out

    def nodes_completed(self, first_end: int, last_end: int) -> list[tuple[int, bytes]]:
        """``(node_id, hash)`` of subtrees completed by leaf counts in ``[first_end, last_end]``."""
        lo, hi = int(first_end) * 64, (int(last_end) + 1) * 64
        rows = self._raw_sql(
            f"SELECT node_id, hash FROM {self.nodes.name} "
            f"WHERE node_id >= {lo} AND node_id < {hi} ORDER BY node_id"
        )
        return [(int(i), bytes(h)) for i, h in rows]

    def checkpoint_row(self, size: int | None = None) -> CheckpointView | None:
        """The checkpoint at ``size``, or the latest one when ``size`` is None."""
        cps = self.checkpoints
        if size is None:
            stmt = sa.select(cps).order_by(cps.c.size.desc()).limit(1)
        else:
            stmt = sa.select(cps).where(cps.c.size == size)
        with self.engine.connect() as conn:
            row = conn.execute(stmt).first()
        if row is None:
            return None
        s, t, r, k, g = row
        return CheckpointView(int(s), int(t), bytes(r), str(k), bytes(g))

    def checkpoint_rows(self) -> list[CheckpointView]:
        """All stored checkpoints by size."""
        cps = self.checkpoints
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(cps).order_by(cps.c.size)).all()
        return [
            CheckpointView(int(s), int(t), bytes(r), str(k), bytes(g)) for s, t, r, k, g in rows
        ]


def compare_nodes(
    computed: list[tuple[int, bytes]], stored: list[tuple[int, bytes]]
) -> VerificationResult | None:
    """None when recomputed subtree hashes equal the stored ones, else the first difference."""
    if computed == stored:
        return None
    stored_map = dict(stored)
    for nid, h in computed:
        if stored_map.get(nid) != h:
            end, level = divmod(nid, 64)
            return VerificationResult.failure(
                Reason.NODE_MISMATCH,
                f"the stored Merkle subtree of records {end - (1 << level)}..{end - 1} is wrong",
                end - (1 << level),
            )
    nid = next(n for n, _ in stored if n not in dict(computed))
    end, level = divmod(nid, 64)
    return VerificationResult.failure(
        Reason.NODE_MISMATCH, f"an extra Merkle subtree is stored for records up to {end - 1}", end
    )
