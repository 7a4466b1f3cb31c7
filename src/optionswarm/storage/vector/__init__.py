"""Vector memory for agents: the port, an in-memory reference and LanceDB (embedded).

pgvector arrives later behind the same ``VectorStore`` port; ``tests/contract/vector`` runs
every implementation.
"""

from optionswarm.storage.vector._lance import LanceVectorStore
from optionswarm.storage.vector._memory import InMemoryVectorStore
from optionswarm.storage.vector._port import VectorHit, VectorRecord, VectorStore, VectorStoreError

__all__ = [
    "InMemoryVectorStore",
    "LanceVectorStore",
    "VectorHit",
    "VectorRecord",
    "VectorStore",
    "VectorStoreError",
]
