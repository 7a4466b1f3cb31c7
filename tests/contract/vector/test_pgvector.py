"""pgvector beyond the shared contract: persistence, dimension checks, the HNSW index path,
races on ids, broken connections, and a server that lacks the extension."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import numpy as np
import psycopg
import pytest

from optionswarm.storage.vector import VectorRecord, VectorStoreError
from optionswarm.storage.vector._pgvector import PgVectorConfig, PgVectorStore

pytestmark = pytest.mark.service

DIM = 16


def _table() -> str:
    return f"t_{uuid.uuid4().hex}"


@pytest.fixture
def opened() -> Iterator[list[PgVectorStore]]:
    """Stores a test opened; each is closed at the end."""
    stores: list[PgVectorStore] = []
    yield stores
    for store in stores:
        store.close()


def _open(url: str, table: str, dim: int, opened: list[PgVectorStore], **kw: Any) -> PgVectorStore:
    store = PgVectorStore(PgVectorConfig(url=url, table=table, **kw), dim)
    opened.append(store)
    return store


def _records(count: int, seed: int = 1) -> list[VectorRecord]:
    rng = np.random.default_rng(seed)
    return [
        VectorRecord(
            record_id=f"r{i:05d}",
            vector=tuple(float(x) for x in rng.normal(size=DIM)),
            known_ns=i,
            payload=f'{{"i": {i}}}',
        )
        for i in range(count)
    ]


def test_table_persists_and_another_dimension_is_refused(
    pgvector_url: str, opened: list[PgVectorStore]
) -> None:
    table = _table()
    first = _open(pgvector_url, table, DIM, opened)
    first.add(_records(3))
    again = _open(pgvector_url, table, DIM, opened)
    assert len(again) == 3
    with pytest.raises(VectorStoreError, match=f"holds dimension {DIM}, not {DIM + 1}"):
        _open(pgvector_url, table, DIM + 1, opened)
    with pytest.raises(VectorStoreError, match="duplicate"):
        again.add(_records(1))
    with pytest.raises(ValueError, match="identifier"):
        _open(pgvector_url, "Robert'); DROP TABLE x;--", DIM, opened)
    with pytest.raises(ValueError, match="dim"):
        _open(pgvector_url, _table(), 0, opened)
    with pytest.raises(ValueError, match="index"):
        _open(pgvector_url, _table(), DIM, opened, index="ivfflat")


def test_a_large_batch_lands_whole_across_copy_batches_and_a_bad_one_leaves_nothing(
    pgvector_url: str, opened: list[PgVectorStore]
) -> None:
    store = _open(pgvector_url, _table(), DIM, opened, batch_rows=7)
    store.add(_records(50))  # 8 COPY batches, one transaction
    assert len(store) == 50
    too_big = [
        *_records(60, seed=2)[50:],
        VectorRecord(record_id="x", vector=(1.0,) * DIM, known_ns=2**63, payload="{}"),
    ]
    with pytest.raises(VectorStoreError, match="bigint"):  # known_ns overflows at the 11th row
        store.add(too_big)
    with pytest.raises(VectorStoreError, match="refused"):  # PostgreSQL text holds no NUL
        store.add([VectorRecord(record_id="nul", vector=(1.0,) * DIM, known_ns=1, payload="\x00")])
    assert len(store) == 50


def test_an_id_stored_by_a_concurrent_writer_after_the_check_refuses_the_whole_batch(
    pgvector_url: str, opened: list[PgVectorStore]
) -> None:
    table = _table()
    ours = _open(pgvector_url, table, DIM, opened)
    theirs = _open(pgvector_url, table, DIM, opened)
    records = _records(5)
    theirs.add(records[3:4])
    # Stand-in for the race window: our pre-check ran before their commit, so it saw no ids.
    ours._existing = lambda ids: set()  # type: ignore[method-assign]
    with pytest.raises(VectorStoreError, match="duplicate"):
        ours.add(records)
    assert len(theirs) == 1  # their row kept, none of ours stored


def test_hnsw_index_serves_filtered_search_with_k_results_and_high_recall(
    pgvector_url: str, opened: list[PgVectorStore]
) -> None:
    table = _table()
    store = _open(pgvector_url, table, DIM, opened)
    records = _records(1200)
    store.add(records)
    matrix = np.array([r.vector for r in records])
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    rng = np.random.default_rng(9)
    recalls = []
    for as_of in (1199, 600, 30):  # the last keeps 2.5 % of rows: the filter is selective
        query = rng.normal(size=DIM)
        hits = store.search(tuple(query), 10, as_of)
        assert len(hits) == 10
        assert all(h.record.known_ns <= as_of for h in hits)
        sims = matrix[: as_of + 1] @ (query / np.linalg.norm(query))
        truth = {records[i].record_id for i in np.argsort(-sims)[:10]}
        recalls.append(len(truth & {h.record.record_id for h in hits}) / 10)
        assert [h.similarity for h in hits] == sorted((h.similarity for h in hits), reverse=True)
    assert min(recalls) >= 0.9
    assert f"{table}_hnsw" in _plan(pgvector_url, table)


def _plan(url: str, table: str) -> str:
    """The plan of a cosine nearest-neighbour query when any index beats a table scan
    (small test tables are cheaper to scan: the planner's choice there proves nothing)."""
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET enable_seqscan = off")
        rows = conn.execute(
            f"EXPLAIN SELECT record_id FROM {table} ORDER BY embedding <=> %s::vector LIMIT 10",
            (str([1.0] * DIM),),
        ).fetchall()
    return "\n".join(row[0] for row in rows)


def test_bulk_load_without_index_then_build_it(
    pgvector_url: str, opened: list[PgVectorStore]
) -> None:
    table = _table()
    store = _open(pgvector_url, table, DIM, opened, index="none")
    records = _records(1200)
    store.add(records)
    assert f"{table}_hnsw" not in _plan(pgvector_url, table)
    query = records[7].vector
    exact = [h.record.record_id for h in store.search(query, 5, 10**9)]
    assert exact[0] == "r00007"
    store.build_index()
    assert f"{table}_hnsw" in _plan(pgvector_url, table)
    assert store.search(query, 5, 10**9)[0].record.record_id == "r00007"


def test_a_terminated_connection_is_replaced_and_the_read_retried(
    pgvector_url: str, opened: list[PgVectorStore]
) -> None:
    store = _open(pgvector_url, _table(), DIM, opened)
    store.add(_records(4))
    assert store._conn is not None
    backend = store._conn.info.backend_pid
    with psycopg.connect(pgvector_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
    assert len(store.search((1.0,) * DIM, 2, 10)) == 2
    assert store._conn.info.backend_pid != backend
    store.add(_records(6)[4:])
    assert len(store) == 6


def test_a_server_without_pgvector_is_named_in_the_error() -> None:
    url = "postgresql://postgres@127.0.0.1:5432/test"  # the Debian server on loopback
    try:
        with psycopg.connect(url, connect_timeout=3) as conn:
            has = conn.execute(
                "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'"
            ).fetchone()
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL on loopback: {exc}")
    if has is not None:
        pytest.skip("this server has pgvector")
    with pytest.raises(VectorStoreError, match="no usable pgvector extension"):
        PgVectorStore(PgVectorConfig(url=url, table=_table()), DIM)
