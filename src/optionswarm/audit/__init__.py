"""Tamper-evident audit log in the style of certificate transparency (RFC 6962 / RFC 9162).

Every event that matters is appended as a canonical, hash-chained record; Merkle checkpoints are
signed with Ed25519 (key file outside the database); inclusion and consistency proofs show that a
record is in the log and that the log only grew; :meth:`AuditLog.verify` recomputes everything;
bundles verify with :mod:`optionswarm.audit.verifier` alone; closed periods move to a cold store,
which also keeps a signed witness of every checkpoint.

Modules: ``verifier`` (formats + standalone checks, stdlib + cryptography only), ``merkle``
(proof generation), ``store`` (SQL tables, append-only triggers), ``log`` (AuditLog),
``writer`` (pipelined group commit), ``verify`` / ``parallel`` (full verification, optionally
in worker processes), ``export`` (bundles), ``archive`` (cold store, retention),
``witness`` (checkpoint witnesses), ``signing`` (Ed25519 key file), ``kinds``, ``cli``.

Quick start::

    log = AuditLog.from_config(AuditConfig(key_path="key.pem"), "sqlite:///audit.db", clock)
    receipt = log.append(AuditKind.ORDER_SUBMITTED, intent, ts_ns=clock())
    assert log.verify().ok and log.prove_inclusion(receipt.seq).verify(log.public_key).ok
"""

from optionswarm.audit.archive import ColdStore, RetentionPolicy
from optionswarm.audit.kinds import AuditKind
from optionswarm.audit.log import AuditInputError, AuditLog, canonical_payload
from optionswarm.audit.signing import Ed25519Signer, KeyFileError
from optionswarm.audit.store import AuditStore
from optionswarm.audit.types import (
    AuditConfig,
    AuditEvent,
    AuditReceipt,
    AuditRecord,
    ConsistencyProof,
    InclusionProof,
    SignedCheckpoint,
)
from optionswarm.audit.verifier import Reason, VerificationResult, verify_bundle
from optionswarm.audit.writer import AuditWriterError, GroupCommitWriter

__all__ = [
    "AuditConfig",
    "AuditEvent",
    "AuditInputError",
    "AuditKind",
    "AuditLog",
    "AuditReceipt",
    "AuditRecord",
    "AuditStore",
    "AuditWriterError",
    "ColdStore",
    "ConsistencyProof",
    "Ed25519Signer",
    "GroupCommitWriter",
    "InclusionProof",
    "KeyFileError",
    "Reason",
    "RetentionPolicy",
    "SignedCheckpoint",
    "VerificationResult",
    "canonical_payload",
    "verify_bundle",
]
