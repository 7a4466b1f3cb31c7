"""Checkpoint witnesses: each signed checkpoint is also written to the cold store.

The checkpoints table lives in the same database as the records, so an insider who deletes the
tail of the log AND the checkpoints that cover it leaves a log that verifies on its own. Every
signed checkpoint is therefore also written, after its transaction committed, as a small JSON
file ``{log_id}/checkpoints/{size}.json`` in the cold store (a different system: a local
directory, or S3 with object lock). Verification reads the latest validly signed witness: if it
covers more records than the log holds, the tail was truncated; if its root differs from the
log's root at that size, history was rewritten.

A witness is written only after the commit, so it never runs ahead of an acknowledged append;
failing to write one does not fail the append (it is logged).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import structlog

from optionswarm.audit.verifier import (
    CheckpointView,
    Reason,
    VerificationResult,
    check_signatures,
)

if TYPE_CHECKING:
    from optionswarm.audit.archive import ColdStore
    from optionswarm.audit.log import AuditLog

__all__ = ["latest_witness", "verify_witness", "write_witness"]

_log = structlog.get_logger(__name__)


def _dir(log_id: str) -> str:
    return f"{log_id}/checkpoints"


def write_witness(cold: ColdStore, log_id: str, checkpoint: dict[str, Any]) -> bool:
    """Write one signed checkpoint row to the cold store; False (and a warning) if it failed."""
    doc = {k: v.hex() if isinstance(v, bytes) else v for k, v in checkpoint.items()}
    try:
        cold.write(f"{_dir(log_id)}/{checkpoint['size']:015d}.json", json.dumps(doc).encode())
    except OSError as exc:
        _log.warning(
            "audit checkpoint witness not written", size=checkpoint["size"], error=str(exc)
        )
        return False
    return True


def latest_witness(cold: ColdStore, log_id: str, public_key: bytes) -> CheckpointView | None:
    """The largest witness that parses and is signed by ``public_key`` (others are ignored)."""
    for name in sorted(cold.list(_dir(log_id)), reverse=True):
        try:
            doc = json.loads(cold.read(f"{_dir(log_id)}/{name}") or b"")
            view = CheckpointView(
                int(doc["size"]),
                int(doc["ts_ns"]),
                bytes.fromhex(doc["root"]),
                str(doc["key_id"]),
                bytes.fromhex(doc["signature"]),
            )
        except (ValueError, KeyError, TypeError):
            continue
        if check_signatures(log_id, public_key, [view]) is None:
            return view
    return None


def verify_witness(
    log: AuditLog, size: int, verified_roots: dict[int, bytes], nodes_ok: bool
) -> VerificationResult | None:
    """Compare the latest witness with a verified log of ``size`` records.

    ``verified_roots`` maps sizes to roots the caller recomputed; other sizes are computed from
    the stored subtrees, which is trusted only when ``nodes_ok``.
    """
    if log.cold is None:
        return None
    witness = latest_witness(log.cold, log.config.log_id, log.public_key)
    if witness is None:
        return None
    if witness.size > size:
        return VerificationResult.failure(
            Reason.LOG_TRUNCATED,
            f"a signed checkpoint witness in the cold store covers {witness.size} records but "
            f"the log holds {size}: records from {size} on were removed",
            size,
        )
    root = verified_roots.get(witness.size)
    if root is None and nodes_ok:
        root = log.root(witness.size)
    if root is not None and root != witness.root:
        return VerificationResult.failure(
            Reason.CHECKPOINT_ROOT_MISMATCH,
            f"the log's first {witness.size} records differ from the signed witness",
            0,
        )
    return None
