"""Choose the vector store from a URL: in memory, LanceDB on disk, or PostgreSQL with pgvector.

=================================================  ==========================================
URL                                                store
=================================================  ==========================================
``memory://``                                      ``InMemoryVectorStore`` (tests, throwaway)
``lancedb:///abs/dir``, ``lancedb://rel/dir``,     ``LanceVectorStore`` (the embedded default)
a plain directory path
``postgresql://user@host:5432/db`` (also           ``PgVectorStore`` (needs the ``services``
``postgres://``, ``postgresql+psycopg://``)        extra and a server with pgvector)
=================================================  ==========================================

psycopg and pgvector are imported only for a PostgreSQL URL, lancedb only for LanceDB.
"""

from __future__ import annotations

import importlib
import re

from optionswarm.storage.vector._lance import LanceVectorStore
from optionswarm.storage.vector._memory import InMemoryVectorStore
from optionswarm.storage.vector._port import VectorStore

__all__ = ["vector_store_from_url"]

_POSTGRES = re.compile(r"^postgres(?:ql)?(?:\+\w+)?://")
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def vector_store_from_url(
    url: str, dim: int, *, table: str = "agent_memory", ef_search: int = 100
) -> VectorStore:
    """The store ``url`` names (see the module docstring), holding vectors of dimension ``dim``.

    ``table`` names the LanceDB or PostgreSQL table; ``ef_search`` tunes pgvector's HNSW search.
    Raises ``ValueError`` for a URL scheme it does not know.
    """
    if url == "memory://":
        return InMemoryVectorStore(dim)
    if _POSTGRES.match(url):
        module = importlib.import_module("optionswarm.storage.vector._pgvector")
        config = module.PgVectorConfig(url=url, table=table, ef_search=ef_search)
        store: VectorStore = module.PgVectorStore(config, dim)
        return store
    if url.startswith("lancedb://"):
        return LanceVectorStore(url.removeprefix("lancedb://"), table, dim)
    if _SCHEME.match(url):
        raise ValueError(
            f"unknown vector store URL {url!r}: use memory://, lancedb://DIR or postgresql://..."
        )
    return LanceVectorStore(url, table, dim)
