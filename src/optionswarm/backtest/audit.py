"""An audit log for one backtest run: SQLite in memory, a fresh signing key.

The Merkle root depends only on the records, never on the key or the wall clock, so the root in
the backtest JSON is deterministic.
"""

from __future__ import annotations

from optionswarm.audit.log import AuditLog
from optionswarm.audit.signing import Ed25519Signer
from optionswarm.audit.store import AuditStore
from optionswarm.engine.recorder import AuditSink
from optionswarm.storage.sql import SqlConfig, create_sql_engine

__all__ = ["in_memory_audit_log"]


def in_memory_audit_log() -> AuditSink:
    """A complete audit log (hash chain + Merkle checkpoints) held in an in-memory SQLite."""
    engine = create_sql_engine(SqlConfig(url="sqlite:///:memory:", synchronous="OFF"))
    return AuditLog(AuditStore(engine), Ed25519Signer.generate())
