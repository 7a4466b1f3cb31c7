"""Audit-log speed: durable appends/s, verification records/s, proof times on a large log.

Prints one JSON document. Every figure is compared, in the same run, with a plain SQLite insert
loop of the same records (WAL, same synchronous level, same batch size, no hashing), so that a
busy machine shows in both. Targets (from the issue): >= 100,000 durable appends/s batched,
1 M records verified in < 2 s, proofs in < 1 ms.

    .venv/bin/python benchmarks/audit.py [--big-seconds 60] [--batch 1000]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import tempfile
import time
from typing import Any

from optionswarm.audit import (
    AuditConfig,
    AuditLog,
    AuditStore,
    Ed25519Signer,
    GroupCommitWriter,
    canonical_payload,
)
from optionswarm.storage.sql import SqlConfig, create_sql_engine, sqlite_url

T0 = 1_700_000_000_000_000_000
KINDS = ("order.submitted", "order.filled", "risk.verdict", "view.published")


def events(start: int, n: int) -> list[tuple[str, dict[str, Any], int]]:
    """Realistic small records (about 120 bytes of payload)."""
    return [
        (
            KINDS[i % 4],
            {
                "client_order_id": f"co-{i:010d}",
                "symbol": "SPXW  261218P05500000",
                "qty": 1 + i % 7,
                "price": 12.35 + (i % 100) * 0.05,
                "reason": "ok",
            },
            T0 + i * 1_000,
        )
        for i in range(start, start + n)
    ]


def open_log(path: str, sync: str, every: int = 10_000) -> AuditLog:
    engine = create_sql_engine(SqlConfig(url=sqlite_url(path), synchronous=sync))  # type: ignore[arg-type]
    config = AuditConfig(checkpoint_every_records=every, checkpoint_every_seconds=0)
    return AuditLog(AuditStore(engine), Ed25519Signer.generate(), config)


def bench_appends(tmp: str, sync: str, n: int, batch: int, pipelined: bool = False) -> float:
    """Durable appends/s: the clock stops when the last batch's commit has returned."""
    name = f"append-{sync}-{batch}-{'pipe' if pipelined else 'sync'}.db"
    log = open_log(os.path.join(tmp, name), sync)
    data = [events(b, batch) for b in range(0, n, batch)]
    t = time.perf_counter()
    if pipelined:
        with GroupCommitWriter(log) as writer:
            futures = [writer.submit(chunk) for chunk in data]
        futures[-1].result()
    else:
        for chunk in data:
            log.append_many(chunk)
    rate = n / (time.perf_counter() - t)
    log.store.engine.dispose()
    return rate


def bench_plain(tmp: str, sync: str, n: int, batch: int) -> float:
    """The peer: sqlite3 executemany of the same rows (canonical payloads, 32-byte blobs)."""
    con = sqlite3.connect(os.path.join(tmp, f"plain-{sync}-{batch}-{n}.db"))
    con.execute("PRAGMA journal_mode=WAL")
    con.execute(f"PRAGMA synchronous={sync}")
    con.execute(
        "CREATE TABLE r (seq INTEGER PRIMARY KEY, ts_ns INTEGER, kind TEXT, payload BLOB, "
        "prev_hash BLOB, hash BLOB)"
    )
    blob = bytes(32)
    data = [
        [
            (b + i, e[2], e[0], canonical_payload(e[1]), blob, blob)
            for i, e in enumerate(events(b, batch))
        ]
        for b in range(0, n, batch)
    ]
    t = time.perf_counter()
    for rows in data:
        con.executemany("INSERT INTO r VALUES (?, ?, ?, ?, ?, ?)", rows)
        con.commit()
    rate = n / (time.perf_counter() - t)
    con.close()
    return rate


def proof_times(log: AuditLog, samples: int = 300) -> dict[str, float]:
    rng = random.Random(7)
    seqs = [rng.randrange(log.size) for _ in range(samples)]
    log.checkpoint(T0 + 10**18)
    inc = []
    for seq in seqs:
        t = time.perf_counter()
        log.prove_inclusion(seq)
        inc.append(time.perf_counter() - t)
    olds = [1 + rng.randrange(log.size - 1) for _ in range(samples // 3)]
    cps = {c.size for c in log.checkpoints()}
    olds = [o for o in olds if o in cps] or [min(cps)]
    con = []
    for old in olds:
        t = time.perf_counter()
        log.prove_consistency(old)
        con.append(time.perf_counter() - t)
    return {
        "log_size": log.size,
        "inclusion_ms_median": statistics.median(inc) * 1e3,
        "inclusion_ms_p99": sorted(inc)[int(0.99 * (len(inc) - 1))] * 1e3,
        "consistency_ms_median": statistics.median(con) * 1e3,
    }


def build_big(
    tmp: str, seconds: float, target: int
) -> tuple[AuditLog, float, list[dict[str, float]]]:
    log = open_log(os.path.join(tmp, "big.db"), "NORMAL", every=100_000)
    batch, scaling, next_probe = 10_000, [], 10_000
    t0 = time.perf_counter()
    while log.size < target and time.perf_counter() - t0 < seconds:
        log.append_many(events(log.size, batch))
        if log.size >= next_probe:
            build_time = time.perf_counter()
            scaling.append(proof_times(log, 100))
            t0 += time.perf_counter() - build_time  # probes do not eat the build budget
            next_probe *= 10
    return log, log.size / (time.perf_counter() - t0), scaling


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--big-seconds", type=float, default=60.0)
    parser.add_argument("--big-target", type=int, default=10_000_000)
    parser.add_argument("--n", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=1_000)
    args = parser.parse_args()
    out: dict[str, Any] = {"load_average_at_start": os.getloadavg()[0]}
    with tempfile.TemporaryDirectory() as tmp:
        for sync, batch in (
            ("FULL", args.batch),
            ("FULL", 10 * args.batch),
            ("NORMAL", args.batch),
        ):
            plain = bench_plain(tmp, sync, args.n, batch)
            ours = bench_appends(tmp, sync, args.n, batch)
            piped = bench_appends(tmp, sync, args.n, batch, pipelined=True)
            out[f"append_batched_{sync.lower()}_{batch}"] = {
                "records": args.n,
                "audit_log_append_many_per_s": round(ours),
                "audit_log_group_commit_writer_per_s": round(piped),
                "plain_sqlite_insert_per_s": round(plain),
                "ratio_best_to_plain": round(max(ours, piped) / plain, 3),
            }
        single = 2_000
        out["append_one_event_per_call_full"] = {
            "records": single,
            "audit_log_append_per_s": round(bench_appends(tmp, "FULL", single, 1)),
            "audit_log_group_commit_writer_per_s": round(
                bench_appends(tmp, "FULL", 20 * single, 1, pipelined=True)
            ),
            "plain_sqlite_one_commit_per_insert_per_s": round(bench_plain(tmp, "FULL", single, 1)),
            "note": "writer: single-event submits coalesced into shared transactions",
        }
        log, build_rate, scaling = build_big(tmp, args.big_seconds, args.big_target)
        t = time.perf_counter()
        result = log.verify()
        verify_s = time.perf_counter() - t
        t = time.perf_counter()
        result2 = log.verify(workers=2)
        verify2_s = time.perf_counter() - t
        con = sqlite3.connect(os.path.join(tmp, "big.db"))
        t = time.perf_counter()
        scanned = sum(
            1
            for _ in con.execute(
                "SELECT seq, ts_ns, kind, payload, prev_hash, hash FROM audit_records"
            )
        )
        scan_s = time.perf_counter() - t
        con.close()
        out["big_log"] = {
            "records": log.size,
            "target": args.big_target,
            "reached_target": log.size >= args.big_target,
            "build_budget_s": args.big_seconds,
            "build_appends_per_s_normal_batch_10k": round(build_rate),
            "verify_ok": result.ok,
            "verify_s": round(verify_s, 3),
            "verify_records_per_s": round(log.size / verify_s),
            "verify_1m_projected_s": round(1_000_000 / (log.size / verify_s), 3),
            "verify_2_workers_ok": result2.ok,
            "verify_2_workers_records_per_s": round(log.size / verify2_s),
            "verify_2_workers_1m_projected_s": round(1_000_000 / (log.size / verify2_s), 3),
            "peer_plain_sqlite_full_scan_records_per_s": round(scanned / scan_s),
            "proofs": proof_times(log),
            "proof_scaling": scaling,
        }
        log.store.engine.dispose()
    out["load_average_at_end"] = os.getloadavg()[0]
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
