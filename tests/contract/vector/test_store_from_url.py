"""Choosing the vector store by URL, and agent memory built from its settings section."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from pydantic import ValidationError

import optionswarm.storage.vector as vector_package
from optionswarm.agents.slow import (
    AgentMemory,
    HashingEmbedder,
    MemorySettings,
    PastCase,
    memory_from_settings,
)
from optionswarm.storage.vector import (
    InMemoryVectorStore,
    LanceVectorStore,
    PgVectorStore,  # exported lazily: psycopg and pgvector load only when it is asked for
    VectorRecord,
    vector_store_from_url,
)

DAY = 86_400 * 10**9


def _case(cid: str, situation: str, known_ns: int) -> PastCase:
    return PastCase(
        case_id=cid,
        underlying="sp500",
        decided_ns=known_ns - 5 * DAY,
        outcome_known_ns=known_ns,
        situation=situation,
        outcome=f"outcome of {cid}",
    )


def test_memory_and_lancedb_urls_and_plain_paths(tmp_path: Path) -> None:
    assert isinstance(vector_store_from_url("memory://", 4), InMemoryVectorStore)
    lance = vector_store_from_url(f"lancedb://{tmp_path}/a", 4, table="cases")
    assert isinstance(lance, LanceVectorStore)
    lance.add([VectorRecord(record_id="x", vector=(1.0, 0.0, 0.0, 0.0), known_ns=1)])
    again = vector_store_from_url(str(tmp_path / "a"), 4, table="cases")  # a plain directory
    assert isinstance(again, LanceVectorStore)
    assert len(again) == 1
    for bad in ("redis://127.0.0.1:6379", "s3://bucket/memory"):
        with pytest.raises(ValueError, match="unknown vector store URL"):
            vector_store_from_url(bad, 4)


def test_the_package_exports_pgvector_lazily_and_nothing_else_unknown() -> None:
    assert vector_package.PgVectorConfig().table == "agent_memory"
    with pytest.raises(AttributeError, match="FaissStore"):
        _ = vector_package.FaissStore


def test_settings_section_rejects_unknown_keys_and_unsafe_table_names() -> None:
    assert MemorySettings().url.startswith("lancedb://")
    with pytest.raises(ValidationError):
        MemorySettings(table="drop table x")  # type: ignore[call-arg]
    with pytest.raises(ValidationError):
        MemorySettings(dimension=3)  # type: ignore[call-arg]


def test_embedder_choice_sets_the_store_dimension() -> None:
    minilm = memory_from_settings(MemorySettings(url="memory://", embedder="minilm"))
    assert minilm.embedder.name == "all-minilm-l6-v2"  # loaded on first use, not here
    assert minilm.store.dim == 384
    default = memory_from_settings(MemorySettings(url="memory://"))
    assert default.store.dim == default.embedder.dim
    assert default.embedder.name in {"all-minilm-l6-v2", "hashing"}


def test_memory_from_settings_on_lancedb_recalls_only_known_outcomes(tmp_path: Path) -> None:
    section = MemorySettings(url=f"lancedb://{tmp_path}/mem", embedder="hashing")
    memory = memory_from_settings(section)
    assert isinstance(memory, AgentMemory)
    assert isinstance(memory.store, LanceVectorStore)
    assert memory.store.dim == memory.embedder.dim == HashingEmbedder().dim
    text = "sp500: week falling, realised vol high"
    memory.remember([_case("later", text, 200 * DAY), _case("earlier", text + " again", DAY)])
    assert [c.case_id for c in memory.recall(text, 100 * DAY, k=3)] == ["earlier"]


@pytest.mark.service
def test_postgresql_url_gives_pgvector_and_agent_memory_on_it(pgvector_url: str) -> None:
    store = vector_store_from_url(pgvector_url, 8, table=f"t_{uuid.uuid4().hex}")
    assert isinstance(store, PgVectorStore)
    store.close()
    section = MemorySettings(url=pgvector_url, table=f"m_{uuid.uuid4().hex}", embedder="hashing")
    memory = memory_from_settings(section, embedder=HashingEmbedder(dim=64))
    assert isinstance(memory.store, PgVectorStore)
    try:
        calm = "sp500: week flat, realised vol low, implied vol low"
        storm = "sp500: week falling, realised vol high, implied vol high"
        memory.remember([_case("calm", calm, 10 * DAY), _case("storm", storm, 10 * DAY)])
        memory.remember([_case("storm-later", storm, 50 * DAY)])
        got = memory.recall(storm, 20 * DAY, k=2)
        assert [c.case_id for c in got] == ["storm", "calm"]
        assert got[0].similarity == pytest.approx(1.0, abs=1e-6)
        assert got[0].outcome == "outcome of storm"
        later = memory.recall(storm, 60 * DAY, k=3)  # equal similarity: ties sort by id
        assert [c.case_id for c in later] == ["storm", "storm-later", "calm"]
    finally:
        memory.store.close()
