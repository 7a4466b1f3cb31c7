"""A small SQLite-backed audit log for unit tests (the full backend suite is in integration)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from optionswarm.audit import AuditConfig, AuditLog, AuditStore, ColdStore, Ed25519Signer
from optionswarm.storage.sql import create_sql_engine, sqlite_url

T0 = 1_700_000_000_000_000_000


@pytest.fixture
def audit_log(tmp_path: Path) -> Iterator[AuditLog]:
    """A log of 50 records with checkpoints every 16, on a SQLite file, with a clock."""
    engine = create_sql_engine(sqlite_url(str(tmp_path / "audit.db")))
    ticks = iter(range(T0 + 10**12, T0 + 10**13, 10**9))
    log = AuditLog(
        AuditStore(engine),
        Ed25519Signer.generate(),
        AuditConfig(checkpoint_every_records=16, checkpoint_every_seconds=0),
        clock=lambda: next(ticks),
        cold=ColdStore(str(tmp_path / "cold")),
    )
    log.append_many(("decision.made", {"n": i, "why": "ü"}, T0 + i) for i in range(50))
    yield log
    engine.dispose()
