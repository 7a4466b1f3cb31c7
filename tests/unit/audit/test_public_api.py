"""The audit package's public surface does not drift by accident."""

from __future__ import annotations

from optionswarm import audit


def test_public_names_are_exactly_these() -> None:
    assert sorted(audit.__all__) == [
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
    assert all(hasattr(audit, name) for name in audit.__all__)
