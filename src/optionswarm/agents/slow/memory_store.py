"""Agent memory built from settings: which vector store (by URL) and which embedder.

``MemorySettings`` is the settings section (``[memory]`` in TOML, ``OPTIONSWARM_MEMORY__URL``
once ``Settings`` carries it); ``memory_from_settings`` builds the ``AgentMemory``:

* ``url``: ``lancedb://DIR`` (the embedded default), ``postgresql://...`` for pgvector on a
  shared server (the ``services`` extra), or ``memory://`` (nothing kept);
* ``table``: one table per embedder (vectors of different embedders must not mix);
* ``embedder``: ``default`` (MiniLM when installed, else hashing), ``hashing`` or ``minilm``;
* ``ef_search``: pgvector's HNSW search breadth.
"""

from __future__ import annotations

from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from optionswarm.agents.slow.embedders import (
    Embedder,
    HashingEmbedder,
    SentenceEmbedder,
    default_embedder,
)
from optionswarm.agents.slow.memory import AgentMemory
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


class MemorySettings(BaseModel):
    """Where agent memory lives and how situations are embedded (see the module docstring)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    url: str = "lancedb://var/agent-memory"
    table: str = Field(default="agent_memory", pattern=r"^[a-z_][a-z0-9_]{0,47}$")
    embedder: EmbedderName = "default"
    ef_search: int = Field(default=100, ge=1, le=1000)


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
