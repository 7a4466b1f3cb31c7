"""Audit log queries for the service: pages of records, verification, proofs, export."""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import msgspec
import sqlalchemy as sa

from optionswarm.audit.log import AuditLog
from optionswarm.service import views as v
from optionswarm.service.errors import NotFoundError

__all__ = ["AuditOps"]


class AuditOps:
    """Read-side operations on one :class:`AuditLog` (proofs may sign a checkpoint)."""

    def __init__(self, log: AuditLog, now_ns: Callable[[], int]) -> None:
        self.log = log
        self.now_ns = now_ns

    def records(self, kind: str | None, after_seq: int, limit: int) -> v.AuditPage:
        """Records with ``seq > after_seq`` (optionally of one kind), oldest first."""
        rec = self.log.store.records
        stmt = sa.select(rec.c.seq, rec.c.ts_ns, rec.c.kind, rec.c.payload, rec.c.hash).where(
            rec.c.seq > after_seq
        )
        if kind is not None:
            stmt = stmt.where(rec.c.kind == kind)
        stmt = stmt.order_by(rec.c.seq).limit(limit)
        with self.log.store.engine.connect() as conn:
            rows = conn.execute(stmt).all()
        records = [
            v.AuditRecordView(
                seq=seq,
                kind=kind_,
                ts_ns=ts,
                payload=msgspec.json.decode(bytes(payload)),
                leaf_hash=bytes(h).hex(),
            )
            for seq, ts, kind_, payload, h in rows
        ]
        return v.AuditPage(size=self.log.size, records=records)

    def verify(self) -> v.AuditVerify:
        """Recompute every hash, link and signed root."""
        result = self.log.verify()
        size = self.log.size
        return v.AuditVerify(
            ok=result.ok,
            size=size,
            root=self.log.root().hex() if size else None,
            checked=result.checked_records,
            reasons=[] if result.ok else [f"{result.reason.value}: {result.message}"],
        )

    def proof(self, seq: int) -> v.AuditProof:
        """An inclusion proof of record ``seq`` in a signed checkpoint, checked here too."""
        try:
            proof = self.log.prove_inclusion(seq, self.now_ns())
        except KeyError:
            raise NotFoundError("record_not_found", f"no audit record {seq}") from None
        cp = proof.checkpoint
        key = self.log.public_key
        return v.AuditProof(
            seq=proof.seq,
            leaf_hash=proof.leaf_hash.hex(),
            size=cp.size,
            root=cp.root.hex(),
            path=[h.hex() for h in proof.path],
            checkpoint=v.Checkpoint(
                log_id=cp.log_id,
                size=cp.size,
                ts_ns=cp.ts_ns,
                root=cp.root.hex(),
                key_id=cp.key_id,
                signature=cp.signature.hex(),
            ),
            public_key=key.hex(),
            verified=proof.verify(key).ok,
        )

    def export_zip(self) -> bytes:
        """``bundle.jsonl`` (self-verifiable, see :mod:`optionswarm.audit.export`) and
        ``public_key.hex`` in one zip."""
        if self.log.size == 0:
            raise NotFoundError("empty_log", "the audit log has no records to export")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bundle.jsonl"
            self.log.export(str(path), ts_ns=self.now_ns())
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.write(path, "bundle.jsonl")
                archive.writestr("public_key.hex", self.log.public_key.hex() + "\n")
        return buffer.getvalue()
