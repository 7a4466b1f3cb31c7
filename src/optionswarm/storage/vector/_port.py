"""The vector-memory port: records with an embedding, searched as of a time.

``search(vector, k, known_by_ns)`` returns the ``k`` nearest records (cosine similarity,
best first) among those whose ``known_ns <= known_by_ns`` only — a record becomes visible
when its outcome was known, never earlier. Every implementation passes
``tests/contract/vector``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import msgspec

__all__ = ["VectorHit", "VectorRecord", "VectorStore", "VectorStoreError"]


class VectorStoreError(ValueError):
    """A record that does not fit the store (wrong dimension, non-finite value, duplicate id)."""


class VectorRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One stored item: its id, embedding, time it became known, and opaque ``payload`` JSON."""

    record_id: str
    vector: tuple[float, ...]
    known_ns: int
    payload: str = "{}"


class VectorHit(msgspec.Struct, frozen=True, kw_only=True):
    """A search result: the record and its cosine similarity to the query (1 = same)."""

    record: VectorRecord
    similarity: float


@runtime_checkable
class VectorStore(Protocol):
    """Embeddings of one fixed dimension, searched as of a time."""

    @property
    def dim(self) -> int:
        """The embedding dimension."""
        ...

    def add(self, records: Sequence[VectorRecord]) -> None:
        """Store ``records`` (all or none: a bad one raises ``VectorStoreError``)."""
        ...

    def search(self, vector: Sequence[float], k: int, known_by_ns: int) -> list[VectorHit]:
        """The ``k`` most similar records known by ``known_by_ns``, best first."""
        ...

    def __len__(self) -> int:
        """How many records are stored."""
        ...
