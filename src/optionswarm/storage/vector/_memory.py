"""``InMemoryVectorStore``: the reference implementation of the port (numpy, exact search)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from optionswarm.storage.vector._port import VectorHit, VectorRecord, VectorStoreError

__all__ = ["InMemoryVectorStore", "check_records", "unit"]


def unit(vector: Sequence[float], dim: int) -> npt.NDArray[np.float64]:
    """``vector`` as a unit-length float64 array (``VectorStoreError`` if unfit)."""
    array = np.asarray(vector, dtype=np.float64)
    if array.shape != (dim,):
        raise VectorStoreError(f"expected a vector of dimension {dim}, got shape {array.shape}")
    if not np.all(np.isfinite(array)):
        raise VectorStoreError("vector has a non-finite value")
    norm = float(np.linalg.norm(array))
    if norm == 0.0 or not math.isfinite(norm):
        raise VectorStoreError("a zero vector has no direction")
    return array / norm


def check_records(records: Sequence[VectorRecord], dim: int, known_ids: set[str]) -> None:
    """Raise ``VectorStoreError`` unless every record fits and every id is new."""
    seen: set[str] = set()
    for record in records:
        if not record.record_id:
            raise VectorStoreError("a record needs an id")
        if record.record_id in known_ids or record.record_id in seen:
            raise VectorStoreError(f"duplicate record id {record.record_id!r}")
        seen.add(record.record_id)
        unit(record.vector, dim)


class InMemoryVectorStore:
    """Exact cosine search over records held in memory."""

    def __init__(self, dim: int) -> None:
        if dim <= 0:
            raise ValueError(f"dim must be > 0, got {dim}")
        self._dim = dim
        self._records: list[VectorRecord] = []
        self._units: list[npt.NDArray[np.float64]] = []
        self._ids: set[str] = set()
        self._matrix: npt.NDArray[np.float64] | None = None  # rows of _units, rebuilt after add
        self._known: npt.NDArray[np.int64] | None = None

    @property
    def dim(self) -> int:
        """The embedding dimension."""
        return self._dim

    def add(self, records: Sequence[VectorRecord]) -> None:
        """Store ``records`` (all or none)."""
        check_records(records, self._dim, self._ids)
        for record in records:
            self._records.append(record)
            self._units.append(unit(record.vector, self._dim))
            self._ids.add(record.record_id)
        self._matrix = self._known = None

    def search(self, vector: Sequence[float], k: int, known_by_ns: int) -> list[VectorHit]:
        """The ``k`` most similar records known by ``known_by_ns``, best first."""
        query = unit(vector, self._dim)
        if k <= 0 or not self._records:
            return []
        if self._matrix is None or self._known is None:
            self._matrix = np.stack(self._units)
            self._known = np.fromiter((r.known_ns for r in self._records), dtype=np.int64)
        sims_all = self._matrix @ query  # one matrix-vector product over every record
        visible = np.flatnonzero(self._known <= known_by_ns)
        if visible.size == 0:
            return []
        sims = sims_all[visible]
        if visible.size > k:  # keep a few beyond k so that ties at the edge sort by id
            keep = np.argpartition(-sims, min(k + 8, visible.size - 1))[: k + 8]
            visible, sims = visible[keep], sims[keep]
        order = sorted(
            range(visible.size), key=lambda j: (-sims[j], self._records[visible[j]].record_id)
        )
        return [
            VectorHit(record=self._records[visible[j]], similarity=float(sims[j]))
            for j in order[:k]
        ]

    def __len__(self) -> int:
        return len(self._records)
