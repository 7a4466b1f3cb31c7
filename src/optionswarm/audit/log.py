"""The audit log: hash-chained records, Merkle checkpoints signed with Ed25519, proofs, verify.

Every record's hash is its RFC 6962 leaf hash, and each record holds its predecessor's hash, so
the hash chain and the Merkle tree share leaves (formats: :mod:`optionswarm.audit.verifier`).
Appends are group-committed: :meth:`AuditLog.append_many` writes a batch, the subtree hashes it
completed and, when due, a signed checkpoint in ONE transaction; receipts are returned only after
the commit, so an acknowledged record is durable to the level the store's ``synchronous`` gives.

Durability (SQLite, WAL): ``synchronous=FULL`` -- an acknowledged append survives SIGKILL and
power loss (the WAL is fsynced at each commit). ``NORMAL`` -- survives SIGKILL (the data is in the
OS page cache); a power loss may drop the last commits since the latest WAL checkpoint, never
corrupting the file, and a dropped tail is detected only against a signed checkpoint kept
elsewhere (exported). A transaction cut short by a crash is rolled back whole: a batch is all in
or all out, and the log always verifies (tested by SIGKILL of a process appending in a loop).
PostgreSQL: with its default ``synchronous_commit=on`` an acknowledged append survives power
loss; with ``off`` the last fraction of a second of commits may be lost, never half a batch.
Whatever the mode, records that were never acknowledged may or may not be there -- never partly.

The engine never reads the wall clock: ``ts_ns`` comes from the caller or the injected ``clock``.
Nothing random or time-dependent enters hashed content, so a backtest's root is deterministic.
"""

from __future__ import annotations

import contextlib
import hashlib
import struct
from collections.abc import Callable, Collection, Iterable
from typing import Any, NamedTuple

import msgspec

from optionswarm.audit.archive import (
    ArchiveLeaves,
    ColdStore,
    RetentionPolicy,
    archive_segment,
)
from optionswarm.audit.export import BundleFormat, export_bundle
from optionswarm.audit.merkle import (
    PerfectKey,
    consistency_ranges,
    frontier_keys,
    inclusion_ranges,
    resolve,
)
from optionswarm.audit.parallel import SEGMENT_LEVEL
from optionswarm.audit.signing import Ed25519Signer
from optionswarm.audit.store import (
    NODE_MIN_LEVEL,
    AuditStore,
    RecordRow,
    node_id,
)
from optionswarm.audit.types import (
    AuditConfig,
    AuditEvent,
    AuditReceipt,
    AuditRecord,
    ConsistencyProof,
    InclusionProof,
    SignedCheckpoint,
)
from optionswarm.audit.verifier import (
    GENESIS_HASH,
    Frontier,
    VerificationResult,
    checkpoint_message,
    merkle_root,
)
from optionswarm.audit.verify import verify_log
from optionswarm.audit.witness import write_witness
from optionswarm.storage.sql import SqlConfig, create_sql_engine

__all__ = ["AuditInputError", "AuditLog", "EventLike", "PreparedBatch", "canonical_payload"]

EventLike = AuditEvent | tuple[str, Any, int]
LeafLookup = Callable[[Collection[int]], dict[int, bytes]]

_ENCODER = msgspec.json.Encoder(order="sorted")
_MAX_KIND_BYTES = 128
_ENTRY_HEADER = struct.Struct(">BQqH")  # verifier.entry_bytes: version, seq, ts_ns, len(kind)


def canonical_payload(payload: Any) -> bytes:
    """Deterministic JSON of a payload (msgspec Structs, dicts, lists, scalars; keys sorted)."""
    return _ENCODER.encode(payload)


class _StoreHashSource:
    """Perfect-subtree hashes: big ones from the nodes table, small ones from leaf hashes."""

    def __init__(self, store: AuditStore, archived_leaves: LeafLookup | None) -> None:
        self.store = store
        self.archived_leaves = archived_leaves

    def perfect_hashes(self, keys: Collection[PerfectKey]) -> dict[PerfectKey, bytes]:
        big = {node_id(lv, ix): (lv, ix) for lv, ix in keys if lv >= NODE_MIN_LEVEL}
        small = [k for k in keys if k[0] < NODE_MIN_LEVEL]
        seqs = {s for lv, ix in small for s in range(ix << lv, (ix + 1) << lv)}
        upto = self.store.archived_upto() if self.archived_leaves is not None else 0
        nodes, leaves = self.store.subtree_hashes(big, {s for s in seqs if s >= upto})
        if upto and self.archived_leaves is not None:
            leaves.update(self.archived_leaves({s for s in seqs if s < upto}))
        if len(leaves) != len(seqs):
            raise LookupError(f"records {sorted(seqs - set(leaves))[:5]} are not in the log")
        if len(nodes) != len(big):
            missing = min(set(big) - set(nodes))
            raise LookupError(f"Merkle subtree {big[missing]} is not stored; run `audit verify`")
        out = {big[i]: h for i, h in nodes.items()}
        for lv, ix in small:
            out[(lv, ix)] = merkle_root([leaves[s] for s in range(ix << lv, (ix + 1) << lv)])
        return out


class AuditLog:
    """An append-only, tamper-evident log in an :class:`AuditStore`, signed by ``signer``.

    One appending process per store (a second one fails on the ``seq`` key rather than forking
    the chain) and one thread at a time per instance; the in-memory tip (size, last hash, Merkle
    edge) runs ahead of the store only between :meth:`prepare` and :meth:`commit`.
    """

    def __init__(
        self,
        store: AuditStore,
        signer: Ed25519Signer,
        config: AuditConfig | None = None,
        clock: Callable[[], int] | None = None,
        cold: ColdStore | None = None,
    ) -> None:
        self.store = store
        self.signer = signer
        self.config = config or AuditConfig()
        self.clock = clock
        self.cold = cold
        leaves = ArchiveLeaves(store, cold) if cold is not None else None
        self.source = _StoreHashSource(store, leaves)
        store.create()
        self._stale = False  # a failed commit's reload failed too: reload before the next batch
        self.reload()

    @classmethod
    def from_config(
        cls,
        config: AuditConfig,
        url: str = "sqlite:///optionswarm-audit.db",
        clock: Callable[[], int] | None = None,
    ) -> AuditLog:
        """Open the log at ``url`` with the key file, cold store and pragmas named in ``config``."""
        engine = create_sql_engine(SqlConfig(url=url, synchronous=config.synchronous))
        return cls(
            AuditStore(engine, config.table_prefix),
            Ed25519Signer.load_or_create(config.key_path),
            config,
            clock=clock,
            cold=ColdStore(config.cold_uri),
        )

    def reload(self) -> None:
        """Re-read the tail, the Merkle frontier and the latest checkpoint from the store."""
        self._stale = True
        _first, size, last = self.store.tail()
        self._size = size
        self._last_hash = last if last is not None else GENESIS_HASH
        keys = frontier_keys(size)
        got = self.source.perfect_hashes(keys) if keys else {}
        self._frontier = Frontier(size, [got[k] for k in keys])
        self._last_cp = self.store.checkpoint_row()
        self._stale = False

    @property
    def size(self) -> int:
        """Number of records ever appended (archived ones included)."""
        return self._size

    @property
    def public_key(self) -> bytes:
        """The raw Ed25519 public key that verifies this log's checkpoints."""
        return self.signer.public_key

    # ------------------------------------------------------------------ appending

    def append(self, kind: str, payload: Any, ts_ns: int | None = None) -> AuditReceipt:
        """Append one record in its own transaction; returns after the commit."""
        ts = self._now() if ts_ns is None else ts_ns
        return self.append_many([(kind, payload, ts)])[0]

    def append_many(self, events: Iterable[EventLike]) -> list[AuditReceipt]:
        """Append a batch in one transaction (group commit); all of it or none of it lands."""
        prepared = self.prepare(events)
        return [] if prepared is None else self.commit(prepared)

    def prepare(self, events: Iterable[EventLike]) -> PreparedBatch | None:
        """Hash and chain a batch and advance the in-memory tip; nothing is stored yet.

        Every prepared batch must be passed to :meth:`commit` in order (the
        :class:`~optionswarm.audit.writer.GroupCommitWriter` does this from its own thread, so
        that hashing the next batch overlaps the flush of this one).
        """
        if self._stale:  # never chain onto a batch that did not land
            self.reload()
        frontier = self._frontier.copy()
        batch = _hash_batch(
            events, self._size, self._last_hash, frontier.hashes, self.config.max_payload_bytes
        )
        if not batch.rows:
            return None
        seq, ts = self._size + len(batch.rows), batch.last_ts
        frontier.size = seq
        cp = self._signed(seq, frontier.root(), ts) if self._checkpoint_due(seq, ts) else None
        self._size, self._last_hash, self._frontier = seq, batch.rows[-1][5], frontier
        if cp is not None:
            self._last_cp = cp
        return PreparedBatch(batch.rows, batch.nodes, None if cp is None else _cp_row(cp))

    def commit(
        self, prepared: PreparedBatch, *, reload_on_error: bool = True
    ) -> list[AuditReceipt]:
        """Write a prepared batch in one transaction; receipts mean it is durable.

        On failure nothing of the batch is stored and (by default) the in-memory tip is
        re-read from the store, so the log continues from what is really there.
        """
        return self.commit_many([prepared], reload_on_error=reload_on_error)[0]

    def commit_many(
        self, batches: list[PreparedBatch], *, reload_on_error: bool = True
    ) -> list[list[AuditReceipt]]:
        """Write consecutive prepared batches in ONE transaction (one flush for all of them)."""
        rows = [row for b in batches for row in b.rows]
        nodes = [node for b in batches for node in b.nodes]
        cps = [b.checkpoint for b in batches if b.checkpoint is not None]
        try:
            self.store.write_batch(rows, nodes, cps)
        except BaseException:
            if reload_on_error:
                self._reload_after_failure()
            raise
        if cps and self.cold is not None:
            write_witness(self.cold, self.config.log_id, cps[-1])
        return [[AuditReceipt(row[0], row[5]) for row in b.rows] for b in batches]

    def _reload_after_failure(self) -> None:
        """Re-read the tip after a failed commit; if the store is unreachable, on the next batch."""
        with contextlib.suppress(Exception):  # the commit's own error is what the caller gets
            self.reload()  # a reload that fails leaves ``_stale`` set: ``prepare`` retries it

    def _checkpoint_due(self, size: int, ts_ns: int) -> bool:
        cfg, last = self.config, self._last_cp
        last_size, last_ts = (0, None) if last is None else (last.size, last.ts_ns)
        if cfg.checkpoint_every_records > 0 and size - last_size >= cfg.checkpoint_every_records:
            return True
        if cfg.checkpoint_every_seconds <= 0:
            return False
        if last_ts is None:
            return True
        return ts_ns - last_ts >= cfg.checkpoint_every_seconds * 1e9

    def _now(self) -> int:
        if self.clock is None:
            raise ValueError("no ts_ns given and no clock injected into the AuditLog")
        return self.clock()

    # ------------------------------------------------------------------ checkpoints

    def _signed(self, size: int, root: bytes, ts_ns: int) -> Any:
        from optionswarm.audit.verifier import CheckpointView  # noqa: PLC0415 -- tiny helper

        sig = self.signer.sign(checkpoint_message(self.config.log_id, size, root, ts_ns))
        return CheckpointView(size, ts_ns, root, self.signer.key_id, sig)

    def checkpoint(self, ts_ns: int | None = None) -> SignedCheckpoint:
        """Sign and store the current tree head (or return the latest if nothing was added)."""
        if self._size == 0:
            raise ValueError("an empty log has no checkpoint")
        if self._last_cp is not None and self._last_cp.size == self._size:
            return self._as_signed(self._last_cp)
        ts = self._now() if ts_ns is None else ts_ns
        cp = self._signed(self._size, self._frontier.root(), ts)
        self.store.add_checkpoint(_cp_row(cp))
        if self.cold is not None:
            write_witness(self.cold, self.config.log_id, _cp_row(cp))
        self._last_cp = cp
        return self._as_signed(cp)

    def tick(self, now_ns: int) -> SignedCheckpoint | None:
        """Timer hook: sign a checkpoint if records are uncovered and ``checkpoint_every_seconds``
        passed since the last one (an idle log's tail is otherwise unsigned). Call it from the
        node's clock; returns the new checkpoint, if one was made."""
        last = self._last_cp
        if self._size == 0 or (last is not None and last.size == self._size):
            return None
        period = self.config.checkpoint_every_seconds
        if period <= 0 or (last is not None and now_ns - last.ts_ns < period * 1e9):
            return None
        return self.checkpoint(now_ns)

    def checkpoint_at(self, size: int, ts_ns: int | None = None) -> SignedCheckpoint:
        """The signed tree head at an earlier ``size``, signing one now if none was stored."""
        if not 0 < size <= self._size:
            raise ValueError(f"size {size} is outside 1..{self._size}")
        found = self.store.checkpoint_row(size)
        if found is not None:
            return self._as_signed(found)
        if size == self._size:
            return self.checkpoint(ts_ns)
        ts = self._now() if ts_ns is None else ts_ns
        cp = self._signed(size, self.root(size), ts)
        self.store.add_checkpoint(_cp_row(cp))
        return self._as_signed(cp)

    def latest_checkpoint(self) -> SignedCheckpoint | None:
        """The signed checkpoint covering the most records, if any."""
        return None if self._last_cp is None else self._as_signed(self._last_cp)

    def checkpoints(self) -> list[SignedCheckpoint]:
        """All stored checkpoints by size."""
        return [self._as_signed(c) for c in self.store.checkpoint_rows()]

    def _as_signed(self, cp: Any) -> SignedCheckpoint:
        return SignedCheckpoint(
            log_id=self.config.log_id,
            size=cp.size,
            ts_ns=cp.ts_ns,
            root=cp.root,
            key_id=cp.key_id,
            signature=cp.signature,
        )

    # ------------------------------------------------------------------ reading and proofs

    def root(self, size: int | None = None) -> bytes:
        """Merkle Tree Hash of the first ``size`` records (default: all)."""
        if size is None or size == self._size:
            return self._frontier.root()
        if not 0 <= size <= self._size:
            raise ValueError(f"size {size} is outside 0..{self._size}")
        return resolve([(0, size)], self.source)[0]

    def record(self, seq: int) -> AuditRecord:
        """One live record by sequence number."""
        row = self.store.record(seq)
        if row is None:
            raise KeyError(f"record {seq} is not in the live log")
        s, ts, kind, payload, prev, h = row
        return AuditRecord(seq=s, ts_ns=ts, kind=kind, payload=payload, prev_hash=prev, hash=h)

    def prove_inclusion(self, seq: int, ts_ns: int | None = None) -> InclusionProof:
        """Prove record ``seq`` is in the latest signed tree (signing one if it is not covered)."""
        if not 0 <= seq < self._size:
            raise KeyError(f"record {seq} is not in the log of {self._size} records")
        cp = self._last_cp
        signed = self._as_signed(cp) if cp is not None and cp.size > seq else self.checkpoint(ts_ns)
        hashes = resolve([*inclusion_ranges(seq, signed.size), (seq, seq + 1)], self.source)
        return InclusionProof(
            seq=seq, leaf_hash=hashes[-1], path=tuple(hashes[:-1]), checkpoint=signed
        )

    def prove_consistency(
        self, old_size: int, new_size: int | None = None, ts_ns: int | None = None
    ) -> ConsistencyProof:
        """Prove the signed tree of ``new_size`` extends that of ``old_size``.

        ``new_size`` defaults to the latest checkpoint; tree heads missing at either size are
        signed now (at ``ts_ns`` or the clock).
        """
        if new_size is None:
            latest = self.latest_checkpoint()
            new = latest if latest is not None else self.checkpoint(ts_ns)
        else:
            new = self.checkpoint_at(new_size, ts_ns)
        old = self.checkpoint_at(old_size, ts_ns)
        path = resolve(consistency_ranges(old.size, new.size), self.source)
        return ConsistencyProof(old=old, new=new, path=tuple(path))

    # ------------------------------------------------------------------ verification

    def verify(
        self, workers: int = 1, *, chunk: int = 100_000, segment_level: int = SEGMENT_LEVEL
    ) -> VerificationResult:
        """Recompute every hash, link, stored subtree and signed root; report the first fault.

        Archived segments are read back from the cold store first. ``workers > 1`` checks
        segments of ``2**segment_level`` live records in that many processes; the result is the
        same (see :mod:`optionswarm.audit.verify`).
        """
        return verify_log(self, workers=workers, chunk=chunk, segment_level=segment_level)

    def archive(self, upto: int, ts_ns: int | None = None) -> dict[str, Any]:
        """Move records below ``upto`` to the cold store (see :mod:`optionswarm.audit.archive`)."""
        if self.cold is None:
            raise ValueError("no cold store configured for this AuditLog")
        return archive_segment(self, self.cold, upto, self._now() if ts_ns is None else ts_ns)

    def apply_retention(self, now_ns: int | None = None) -> dict[str, Any] | None:
        """Archive every closed period older than ``archive_after_days`` (None if nothing due)."""
        now = self._now() if now_ns is None else now_ns
        policy = RetentionPolicy(
            retention_years=self.config.retention_years,
            archive_after_days=self.config.archive_after_days,
        )
        start = self.store.archived_upto()
        due = self.store.first_seq_at_or_after(policy.archive_cutoff_ns(now), start)
        upto = self._size if due is None else due
        return self.archive(upto, now) if upto > start else None

    def export(
        self,
        path: str,
        *,
        from_seq: int = 0,
        to_seq: int | None = None,
        fmt: BundleFormat = "jsonl",
        ts_ns: int | None = None,
    ) -> dict[str, Any]:
        """Write a self-verifiable bundle of live records (see :mod:`optionswarm.audit.export`)."""
        return export_bundle(self, path, from_seq=from_seq, to_seq=to_seq, fmt=fmt, ts_ns=ts_ns)


class PreparedBatch(NamedTuple):
    """Rows of a hashed, chained batch waiting for :meth:`AuditLog.commit`."""

    rows: list[RecordRow]
    nodes: list[tuple[int, bytes]]
    checkpoint: dict[str, Any] | None


class _Batch(NamedTuple):
    rows: list[RecordRow]
    nodes: list[tuple[int, bytes]]
    last_ts: int


class AuditInputError(ValueError):
    """An event cannot be appended: bad kind, oversize payload or bad timestamp (nothing stored)."""


def _kind_bytes(kind: object) -> bytes:
    if not isinstance(kind, str) or not 0 < len(kind.encode()) <= _MAX_KIND_BYTES:
        raise AuditInputError(f"event kind must be a string of 1..{_MAX_KIND_BYTES} bytes")
    if not kind.isprintable():
        raise AuditInputError(f"event kind {kind!r} holds control characters")
    return kind.encode()


def _hash_batch(
    events: Iterable[EventLike], seq: int, prev: bytes, edge: list[bytes], max_payload: int
) -> _Batch:
    """Encode, hash and chain a batch; extend the Merkle edge ``edge`` in place.

    The hot loop of appending, so :func:`record_hash` and :meth:`Frontier.push` are inlined
    here (same formats, see :mod:`optionswarm.audit.verifier`). Completed subtrees of at least
    ``2**NODE_MIN_LEVEL`` leaves are returned as ``(node_id, hash)`` rows.
    """
    sha, pack, encode = hashlib.sha256, _ENTRY_HEADER.pack, _ENCODER.encode
    rows: list[RecordRow] = []
    nodes: list[tuple[int, bytes]] = []
    kinds: dict[str, bytes] = {}
    ts = 0
    for event in events:
        kind, payload, ts = (
            (event.kind, event.payload, event.ts_ns) if isinstance(event, AuditEvent) else event
        )
        body = encode(payload)
        kind_b = kinds.get(kind) or kinds.setdefault(kind, _kind_bytes(kind))
        kind = kind_b.decode() if type(kind) is not str else kind  # StrEnum -> plain str
        if len(body) > max_payload:
            raise AuditInputError(f"{kind} payload of {len(body)} bytes exceeds {max_payload}")
        try:
            header = pack(1, seq, ts, len(kind_b))
        except struct.error as exc:
            raise AuditInputError(f"{kind} ts_ns must be an int64 of nanoseconds: {exc}") from exc
        h = sha(b"\x00" + header + kind_b + prev + body).digest()
        rows.append((seq, ts, kind, body, prev, h))
        node, m, level = h, seq, 0
        while m & 1:
            node = sha(b"\x01" + edge.pop() + node).digest()
            m >>= 1
            level += 1
            if level >= NODE_MIN_LEVEL:
                nodes.append(((seq + 1) * 64 + level, node))
        edge.append(node)
        prev = h
        seq += 1
    return _Batch(rows, nodes, ts)


def _cp_row(cp: Any) -> dict[str, Any]:
    return {
        "size": cp.size,
        "ts_ns": cp.ts_ns,
        "root": cp.root,
        "key_id": cp.key_id,
        "signature": cp.signature,
    }
