"""``LanceVectorStore``: the embedded default, a LanceDB table on local disk.

Vectors are stored unit-length (float32), so LanceDB's cosine distance gives the similarity
as ``1 - distance``. The ``known_ns`` filter runs before the nearest-neighbour limit
(``prefilter``), so ``k`` results are the ``k`` nearest *known* records. No index is built:
search is exact (a flat scan), which is right for thousands of cases; build an IVF/HNSW index
on the table for millions.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from optionswarm.storage.vector._memory import check_records, unit
from optionswarm.storage.vector._port import VectorHit, VectorRecord, VectorStoreError

__all__ = ["LanceVectorStore"]


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


class LanceVectorStore:
    """A LanceDB table ``table`` in directory ``path`` holding vectors of dimension ``dim``."""

    def __init__(self, path: str | Path, table: str, dim: int) -> None:
        if dim <= 0:
            raise ValueError(f"dim must be > 0, got {dim}")
        lancedb = importlib.import_module("lancedb")
        pa = importlib.import_module("pyarrow")
        self._dim = dim
        self._db: Any = lancedb.connect(str(path))
        schema = pa.schema(
            [
                pa.field("record_id", pa.string()),
                pa.field("vector", pa.list_(pa.float32(), dim)),
                pa.field("known_ns", pa.int64()),
                pa.field("payload", pa.string()),
            ]
        )
        try:
            self._table: Any = self._db.create_table(table, schema=schema, exist_ok=True)
        except ValueError:  # the table exists with another schema: open it to say which
            self._table = self._db.open_table(table)
        stored = self._table.schema.field("vector").type.list_size
        if stored != dim:
            raise VectorStoreError(f"table {table!r} holds dimension {stored}, not {dim}")

    @property
    def dim(self) -> int:
        """The embedding dimension."""
        return self._dim

    def _existing(self, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        where = "record_id IN (" + ", ".join(_quoted(i) for i in ids) + ")"
        rows = self._table.search().where(where).select(["record_id"]).limit(len(ids)).to_list()
        return {row["record_id"] for row in rows}

    def add(self, records: Sequence[VectorRecord]) -> None:
        """Store ``records`` (all or none: one LanceDB append after every check)."""
        if not records:
            return
        check_records(records, self._dim, self._existing([r.record_id for r in records]))
        self._table.add(
            [
                {
                    "record_id": r.record_id,
                    "vector": unit(r.vector, self._dim).tolist(),
                    "known_ns": r.known_ns,
                    "payload": r.payload,
                }
                for r in records
            ]
        )

    def search(self, vector: Sequence[float], k: int, known_by_ns: int) -> list[VectorHit]:
        """The ``k`` most similar records known by ``known_by_ns``, best first."""
        query = unit(vector, self._dim)
        if k <= 0:
            return []
        rows = (
            self._table.search(query.tolist())
            .distance_type("cosine")
            .where(f"known_ns <= {int(known_by_ns)}", prefilter=True)
            .limit(k)
            .to_list()
        )
        hits = [
            VectorHit(
                record=VectorRecord(
                    record_id=row["record_id"],
                    vector=tuple(float(x) for x in row["vector"]),
                    known_ns=int(row["known_ns"]),
                    payload=row["payload"],
                ),
                similarity=1.0 - float(row["_distance"]),
            )
            for row in rows
        ]
        return sorted(hits, key=lambda h: (-h.similarity, h.record.record_id))

    def __len__(self) -> int:
        return int(self._table.count_rows())
