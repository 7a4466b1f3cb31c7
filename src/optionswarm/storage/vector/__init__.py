"""Vector memory for agents: the port, an in-memory reference, LanceDB (embedded) and pgvector.

``vector_store_from_url`` picks one by URL (``memory://``, ``lancedb://DIR``,
``postgresql://...``); ``tests/contract/vector`` runs every implementation. ``PgVectorStore``
is exported lazily: it needs psycopg and pgvector (the ``services`` extra).
"""

from __future__ import annotations

import importlib
from typing import Any

from optionswarm.storage.vector._factory import vector_store_from_url
from optionswarm.storage.vector._lance import LanceVectorStore
from optionswarm.storage.vector._memory import InMemoryVectorStore
from optionswarm.storage.vector._port import VectorHit, VectorRecord, VectorStore, VectorStoreError

__all__ = [
    "InMemoryVectorStore",
    "LanceVectorStore",
    "PgVectorConfig",
    "PgVectorStore",
    "VectorHit",
    "VectorRecord",
    "VectorStore",
    "VectorStoreError",
    "vector_store_from_url",
]

_LAZY = {"PgVectorConfig", "PgVectorStore"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module("optionswarm.storage.vector._pgvector"), name)
