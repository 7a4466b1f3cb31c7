"""Pipelined group commit: receipts in order, durable when resolved; a failed commit stops it."""

from __future__ import annotations

import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest

from optionswarm.audit import AuditLog, AuditReceipt
from optionswarm.audit.writer import AuditWriterError, GroupCommitWriter

from .conftest import T0


def _batch(start: int, n: int) -> list[tuple[str, dict[str, int], int]]:
    return [("fill", {"i": i}, T0 + i) for i in range(start, start + n)]


def test_batches_commit_in_order_and_verify(audit_log: AuditLog) -> None:
    with GroupCommitWriter(audit_log, max_pending=2) as writer:
        futures = [writer.submit(_batch(b, 7)) for b in range(0, 70, 7)]
        assert writer.submit([]).result() == []
    seqs = [r.seq for f in futures for r in f.result()]
    assert seqs == list(range(50, 120))
    assert audit_log.verify().ok
    assert audit_log.record(119).hash == futures[-1].result()[-1].hash
    with pytest.raises(AuditWriterError, match="closed"):
        writer.submit(_batch(0, 1))
    writer.close()  # closing twice is harmless


def test_a_failed_commit_fails_later_batches_and_the_log_recovers(
    audit_log: AuditLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = audit_log.store.write_batch
    calls = {"n": 0}

    def flaky(*args: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        real(*args)

    monkeypatch.setattr(audit_log.store, "write_batch", flaky)
    writer = GroupCommitWriter(audit_log, max_pending=8, max_coalesce=1)
    first = writer.submit(_batch(0, 5))
    second = writer.submit(_batch(5, 5))
    third = writer.submit(_batch(10, 5))
    assert [r.seq for r in first.result()] == list(range(50, 55))
    with pytest.raises(OSError, match="disk full"):
        second.result()
    with pytest.raises(AuditWriterError):
        third.result()
    with pytest.raises(AuditWriterError, match="earlier"):
        writer.submit(_batch(15, 1))
    writer.close()
    assert audit_log.size == 55
    monkeypatch.setattr(audit_log.store, "write_batch", real)
    audit_log.append("after", {}, T0)
    assert audit_log.verify().ok


def test_a_failed_append_leaves_the_tip_where_the_store_is(
    audit_log: AuditLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = audit_log.root()

    def broken(*_: Any) -> None:
        raise OSError("gone")

    monkeypatch.setattr(audit_log.store, "write_batch", broken)
    with pytest.raises(OSError, match="gone"):
        audit_log.append_many(_batch(0, 3))
    assert (audit_log.size, audit_log.root()) == (50, root)


def test_single_event_submits_from_many_threads_share_transactions(
    audit_log: AuditLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = audit_log.store.write_batch
    transactions: list[int] = []

    def counting(rows: Any, *rest: Any) -> None:
        transactions.append(len(rows))
        time.sleep(0.002)  # a flush takes time; meanwhile more submits queue up
        real(rows, *rest)

    monkeypatch.setattr(audit_log.store, "write_batch", counting)
    with GroupCommitWriter(audit_log) as writer:

        def produce(worker: int) -> list[Future[list[AuditReceipt]]]:
            return [writer.submit([("login", {"w": worker, "i": i}, T0 + i)]) for i in range(50)]

        with ThreadPoolExecutor(max_workers=4) as pool:
            futures = [f for fs in pool.map(produce, range(4)) for f in fs]
    seqs = sorted(r.seq for f in futures for r in f.result())
    assert seqs == list(range(50, 250))
    assert sum(transactions) == 200
    assert len(transactions) < 200  # coalesced: fewer flushes than submits
    assert audit_log.verify().ok
