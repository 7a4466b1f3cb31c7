"""Approval decisions through the store, printed as JSON.

* ``decide``: one approver's approval of a pending request (``ApprovalStore.replace``: the
  conditional ``UPDATE ... WHERE version = :seen`` plus the vote, one transaction), p50/p99
  wall and thread-CPU time, on a SQLite file (``synchronous=FULL``) and on PostgreSQL (if
  reachable) - and, in the same run, the usual alternative (the "peer"): ``SELECT ... FOR
  UPDATE`` then ``UPDATE`` in one transaction (PostgreSQL only; SQLite has no row locks).
* ``race``: 8 threads answer each of ``--races`` requests at once; every request must end with
  exactly one winning answer (``double_decisions`` must be 0).

No open-source trading engine has an approval queue to compare with; the peer is the locking
pattern, not a library. The machine is shared: CPU seconds and the load average are printed.

    .venv/bin/python benchmarks/oversight.py [--requests 500] [--races 50]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import msgspec
import sqlalchemy as sa

from optionswarm.oversight import (
    ApprovalRequest,
    ApprovalStatus,
    ApprovalStore,
    ApprovalVote,
)
from optionswarm.oversight.testkit import put_spread
from optionswarm.storage.sql import SqlConfig, create_sql_engine

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _request(i: int) -> ApprovalRequest:
    intent = put_spread(f"bench-{i}")
    return ApprovalRequest(
        request_id=f"apr-bench-{i}",
        client_order_id=intent.client_order_id,
        intent=intent,
        status=ApprovalStatus.PENDING,
        reasons=(),
        structure="vertical",
        max_loss=450.0,
        margin=500.0,
        greeks_before=(0.0, 0.0, 0.0, 0.0),
        greeks_after=(10.0, 0.0, 0.0, 0.0),
        spot=100.0,
        package_mid=-0.5,
        decision=None,
        risk_checks=(),
        trading_state="active",
        placed_by=None,
        required_approvals=1,
        created_ns=i,
        expires_ns=10**18,
    )


def _percentiles(values: list[int]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "p50_us": ordered[len(ordered) // 2] / 1e3,
        "p99_us": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] / 1e3,
        "mean_us": statistics.fmean(ordered) / 1e3,
    }


def _timed(n: int, step: Callable[[int], None]) -> dict[str, Any]:
    wall: list[int] = []
    cpu: list[int] = []
    for i in range(n):
        w, c = time.perf_counter_ns(), time.thread_time_ns()
        step(i)
        cpu.append(time.thread_time_ns() - c)
        wall.append(time.perf_counter_ns() - w)
    return {"wall": _percentiles(wall), "cpu_time": _percentiles(cpu), "n": n}


def _approve_conditional(store: ApprovalStore, i: int) -> None:
    stored = store.load(f"apr-bench-{i}")
    assert stored is not None
    updated = msgspec.structs.replace(stored.request, status=ApprovalStatus.APPROVED)
    vote = ApprovalVote(request_id=updated.request_id, actor="a", approve=True, comment="", ts_ns=i)
    if not store.replace(stored, updated, vote):
        raise RuntimeError("lost an uncontended update")


def _approve_for_update(store: ApprovalStore, i: int) -> None:
    table = store.requests
    with store.engine.begin() as conn:
        row = conn.execute(
            sa.select(table.c.body, table.c.version)
            .where(table.c.request_id == f"apr-bench-{i}")
            .with_for_update()
        ).one()
        request = msgspec.json.decode(row.body, type=ApprovalRequest)
        updated = msgspec.structs.replace(request, status=ApprovalStatus.APPROVED)
        conn.execute(
            sa.update(table)
            .where(table.c.request_id == request.request_id)
            .values(
                status="approved",
                version=row.version + 1,
                body=msgspec.json.encode(updated).decode(),
            )
        )
        vote = {"request_id": request.request_id, "actor": "a", "approve": True}
        conn.execute(sa.insert(store.votes), [{**vote, "comment": "", "ts_ns": i}])


def _race(store: ApprovalStore, offset: int, races: int) -> dict[str, Any]:
    double = 0
    started = time.perf_counter()
    for i in range(offset, offset + races):
        wins: list[int] = []
        barrier = threading.Barrier(8)

        def answer(
            actor: int, i: int = i, wins: list[int] = wins, barrier: threading.Barrier = barrier
        ) -> None:
            barrier.wait()
            stored = store.load(f"apr-bench-{i}")
            if stored is None or stored.request.status is not ApprovalStatus.PENDING:
                return
            updated = msgspec.structs.replace(stored.request, status=ApprovalStatus.APPROVED)
            vote = ApprovalVote(
                request_id=updated.request_id, actor=f"r{actor}", approve=True, comment="", ts_ns=i
            )
            if store.replace(stored, updated, vote):
                wins.append(actor)

        threads = [threading.Thread(target=answer, args=(a,)) for a in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        double += len(wins) != 1
    return {"races": races, "double_decisions": double, "seconds": time.perf_counter() - started}


def _run(engine: sa.Engine, prefix: str, n: int, races: int, peer: bool) -> dict[str, Any]:
    store = ApprovalStore(engine, prefix)
    store.create()
    try:
        total = 2 * n + races
        with engine.begin() as conn:
            rows = [_request(i) for i in range(total)]
            conn.execute(
                sa.insert(store.requests),
                [
                    {
                        "request_id": r.request_id,
                        "client_order_id": r.client_order_id,
                        "status": "pending",
                        "version": 0,
                        "created_ns": r.created_ns,
                        "expires_ns": r.expires_ns,
                        "body": msgspec.json.encode(r).decode(),
                    }
                    for r in rows
                ],
            )
        out: dict[str, Any] = {"decide": _timed(n, lambda i: _approve_conditional(store, i))}
        if peer:
            out["peer_select_for_update"] = _timed(n, lambda i: _approve_for_update(store, n + i))
        out["race"] = _race(store, 2 * n, races)
        return out
    finally:
        store.drop()
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--races", type=int, default=50)
    args = parser.parse_args()
    cpu0 = time.process_time()
    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        engine = create_sql_engine(SqlConfig(url=url, synchronous="FULL"))
        result["sqlite_full"] = _run(engine, "bench_", args.requests, args.races, peer=False)
    try:
        engine = create_sql_engine(PG_URL)
        with engine.connect() as conn:
            conn.execute(sa.text("select 1"))
        prefix = f"bench_{uuid.uuid4().hex[:8]}_"
        result["postgresql"] = _run(engine, prefix, args.requests, args.races, peer=True)
    except sa.exc.OperationalError as exc:
        result["postgresql"] = {"skipped": str(exc).splitlines()[0]}
    result["machine"] = {
        "cpus": os.cpu_count(),
        "load_average_1m": round(os.getloadavg()[0], 2),
        "process_cpu_s": round(time.process_time() - cpu0, 3),
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
