"""Value types of the audit log: config, receipts, records, checkpoints and proofs."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

from optionswarm.audit.verifier import (
    CheckpointView,
    Reason,
    VerificationResult,
    check_signatures,
    checkpoint_message,
    verify_consistency,
    verify_inclusion,
)

__all__ = [
    "AuditConfig",
    "AuditEvent",
    "AuditReceipt",
    "AuditRecord",
    "ConsistencyProof",
    "InclusionProof",
    "SignedCheckpoint",
]


class AuditConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Configuration of one audit log.

    ``checkpoint_every_records`` / ``checkpoint_every_seconds``: a signed checkpoint is written in
    the same transaction as the append that makes one due (seconds are measured on the records'
    own ``ts_ns``, so an idle log needs an explicit :meth:`AuditLog.checkpoint`; 0 disables).
    ``key_path``: the Ed25519 signing key file (0600), created on first use.
    ``synchronous``: SQLite durability (see :mod:`optionswarm.storage.sql`).
    ``max_payload_bytes``: larger canonical payloads are refused (nothing of the batch lands).
    ``retention_years``: nothing younger than this is ever purged; ``archive_after_days``: closed
    calendar months older than this move to the cold store (``cold_uri``).
    """

    log_id: str = "optionswarm"
    checkpoint_every_records: int = 10_000
    checkpoint_every_seconds: float = 60.0
    retention_years: int = 7
    archive_after_days: int = 90
    key_path: str = "audit-signing-key.pem"
    cold_uri: str = "audit-archive"
    synchronous: Literal["OFF", "NORMAL", "FULL", "EXTRA"] = "FULL"
    table_prefix: str = "audit_"
    max_payload_bytes: int = 1 << 20


class AuditEvent(msgspec.Struct, frozen=True, kw_only=True):
    """One event to append: a kind (e.g. ``"order.submitted"``), a payload and its time."""

    kind: str
    payload: Any
    ts_ns: int


class AuditReceipt(msgspec.Struct, frozen=True):
    """Acknowledgement of a committed append: the record's sequence number and hash."""

    seq: int
    hash: bytes


class AuditRecord(msgspec.Struct, frozen=True, kw_only=True):
    """A stored record; ``payload`` is the canonical JSON the hash covers."""

    seq: int
    ts_ns: int
    kind: str
    payload: bytes
    prev_hash: bytes
    hash: bytes

    def decoded(self) -> Any:
        """The payload as plain Python values."""
        return msgspec.json.decode(self.payload)


class SignedCheckpoint(msgspec.Struct, frozen=True, kw_only=True):
    """An Ed25519-signed tree head: the log held ``size`` records with Merkle root ``root``."""

    log_id: str
    size: int
    ts_ns: int
    root: bytes
    key_id: str
    signature: bytes

    def message(self) -> bytes:
        """The bytes the signature covers."""
        return checkpoint_message(self.log_id, self.size, self.root, self.ts_ns)

    def verify(self, public_key: bytes) -> VerificationResult:
        """Check the signature and key id against the trusted ``public_key``."""
        view = CheckpointView(self.size, self.ts_ns, self.root, self.key_id, self.signature)
        bad = check_signatures(self.log_id, public_key, [view])
        return bad or VerificationResult.success(f"checkpoint at size {self.size} is signed")


class InclusionProof(msgspec.Struct, frozen=True, kw_only=True):
    """Proof that record ``seq`` (hash ``leaf_hash``) is in the signed tree ``checkpoint``."""

    seq: int
    leaf_hash: bytes
    path: tuple[bytes, ...]
    checkpoint: SignedCheckpoint

    def verify(self, public_key: bytes) -> VerificationResult:
        """Check the checkpoint's signature and the audit path (RFC 9162 2.1.3.2)."""
        signed = self.checkpoint.verify(public_key)
        if not signed.ok:
            return signed
        cp = self.checkpoint
        if not verify_inclusion(self.seq, cp.size, self.leaf_hash, self.path, cp.root):
            return VerificationResult.failure(
                Reason.PROOF_INVALID,
                f"the inclusion proof of record {self.seq} in the tree of size {cp.size} fails",
                self.seq,
            )
        return VerificationResult.success(f"record {self.seq} is in the signed tree of {cp.size}")


class ConsistencyProof(msgspec.Struct, frozen=True, kw_only=True):
    """Proof that the signed tree ``new`` extends the signed tree ``old`` (append-only)."""

    old: SignedCheckpoint
    new: SignedCheckpoint
    path: tuple[bytes, ...]

    def verify(self, public_key: bytes) -> VerificationResult:
        """Check both signatures and the consistency path (RFC 9162 2.1.4.2)."""
        for cp in (self.old, self.new):
            signed = cp.verify(public_key)
            if not signed.ok:
                return signed
        old, new = self.old, self.new
        if not verify_consistency(old.size, new.size, old.root, new.root, self.path):
            return VerificationResult.failure(
                Reason.PROOF_INVALID,
                f"the tree of size {new.size} is not proven to extend the tree of size {old.size}",
                old.size,
            )
        return VerificationResult.success(f"the tree of {new.size} extends the tree of {old.size}")
