"""Agent memory built from settings: which vector store (by URL) and which embedder.

``config.MemorySettings`` is the settings section (``[memory]`` in TOML,
``OPTIONSWARM_MEMORY__URL``); ``memory_from_settings`` builds the ``AgentMemory``:

* ``url``: ``lancedb://DIR`` (the embedded default), ``postgresql://...`` for pgvector on a
  shared server (the ``services`` extra), or ``memory://`` (nothing kept);
* ``table``: one table per embedder (vectors of different embedders must not mix);
* ``embedder``: ``default`` (MiniLM when installed, else hashing), ``hashing`` or ``minilm``;
* ``ef_search``: pgvector's HNSW search breadth.
"""

from __future__ import annotations

from typing import Literal, Protocol

from optionswarm.agents.slow.embedders import (
    Embedder,
    HashingEmbedder,
    SentenceEmbedder,
    default_embedder,
)
from optionswarm.agents.slow.memory import AgentMemory
from optionswarm.config import MemorySettings
from optionswarm.storage.vector import vector_store_from_url

__all__ = ["MemorySection", "MemorySettings", "memory_from_settings"]

EmbedderName = Literal["default", "hashing", "minilm"]


class MemorySection(Protocol):
    """What ``memory_from_settings`` reads (``MemorySettings`` or the same section in config)."""

    @property
    def url(self) -> str: ...

    @property
    def table(self) -> str: ...

    @property
    def embedder(self) -> EmbedderName: ...

    @property
    def ef_search(self) -> int: ...


def _embedder(name: EmbedderName) -> Embedder:
    if name == "hashing":
        return HashingEmbedder()
    if name == "minilm":
        return SentenceEmbedder()
    return default_embedder()


def memory_from_settings(section: MemorySection, embedder: Embedder | None = None) -> AgentMemory:
    """The ``AgentMemory`` that ``section`` describes (``embedder`` overrides its choice)."""
    chosen = embedder if embedder is not None else _embedder(section.embedder)
    store = vector_store_from_url(
        section.url, chosen.dim, table=section.table, ef_search=section.ef_search
    )
    return AgentMemory(store, chosen)
