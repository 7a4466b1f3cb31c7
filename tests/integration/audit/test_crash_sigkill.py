"""A process killed (SIGKILL) in the middle of appending leaves a log that verifies and keeps
every append it acknowledged. The child prints ``seq hash`` only after the commit returned."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from optionswarm.audit import AuditConfig, AuditLog, AuditStore, Ed25519Signer
from optionswarm.storage.sql import SqlConfig, create_sql_engine, sqlite_url

from .conftest import PG_URL

CHILD = """
import sys
from optionswarm.audit import AuditConfig, AuditLog, AuditStore, Ed25519Signer
from optionswarm.storage.sql import SqlConfig, create_sql_engine

url, prefix, key = sys.argv[1:4]
engine = create_sql_engine(SqlConfig(url=url, synchronous="FULL"))
config = AuditConfig(checkpoint_every_records=64, checkpoint_every_seconds=0, table_prefix=prefix)
log = AuditLog(AuditStore(engine, prefix), Ed25519Signer.load_or_create(key), config)
i = log.size
while True:
    batch = [("fill", {"i": i + k, "pad": "x" * (i % 97)}, i + k) for k in range(1 + i % 23)]
    receipts = log.append_many(batch)
    i += len(batch)
    for r in receipts:
        sys.stdout.write(f"{r.seq} {r.hash.hex()}\\n")
    sys.stdout.flush()
"""


def _run_and_kill(url: str, prefix: str, key: Path, acks_before_kill: int) -> dict[int, str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, prefix, str(key)],
        stdout=subprocess.PIPE,
        text=True,
    )
    acked: dict[int, str] = {}
    assert proc.stdout is not None
    try:
        while len(acked) < acks_before_kill:
            line = proc.stdout.readline()
            assert line, "the appending child exited early"
            seq, h = line.split()
            acked[int(seq)] = h
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        acked.update(
            (int(s), h) for s, h in (ln.split() for ln in proc.stdout.read().splitlines() if ln)
        )
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    return acked


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.service)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    """``(url, prefix)`` of an empty store the child appends to."""
    if request.param == "sqlite":
        return sqlite_url(str(tmp_path / "crash.db")), "audit_"
    engine = create_sql_engine(SqlConfig(url=PG_URL))
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except sa.exc.OperationalError as exc:
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    finally:
        engine.dispose()
    return PG_URL, f"k{uuid.uuid4().hex[:12]}_"


@pytest.mark.slow
def test_sigkill_mid_append_keeps_acknowledged_records_and_verifies(
    target: tuple[str, str], tmp_path: Path
) -> None:
    url, prefix = target
    key = tmp_path / "key.pem"
    engine = create_sql_engine(SqlConfig(url=url))
    store = AuditStore(engine, prefix)
    try:
        acked: dict[int, str] = {}
        for round_, kill_after in enumerate((120, 700)):
            acked |= _run_and_kill(url, prefix, key, kill_after)
            config = AuditConfig(checkpoint_every_records=64, table_prefix=prefix)
            log = AuditLog(store, Ed25519Signer.load_or_create(key), config)
            result = log.verify()
            assert result.ok, f"round {round_}: {result.message}"
            assert log.size >= max(acked) + 1
            missing = [s for s, h in acked.items() if log.record(s).hash.hex() != h]
            assert missing == []
    finally:
        store.drop()
        engine.dispose()
