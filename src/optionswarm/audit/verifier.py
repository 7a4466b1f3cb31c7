"""Standalone verifier of optionswarm audit logs and bundles (RFC 6962 / RFC 9162 Merkle trees).

This one file is the *definition* of the audit log's formats and the checks an auditor runs. It
imports only the standard library and ``cryptography`` (pyarrow, lazily, for Parquet bundles), so it
can be copied out and run alone::

    python verifier.py bundle.jsonl        # exit status 0 when the bundle verifies

Formats (all hashes SHA-256):

* entry   = pack(">BQqH", 1, seq, ts_ns, len(kind)) || kind (UTF-8) || prev_hash (32) || payload,
  where payload is canonical JSON (keys sorted) and prev_hash is the previous record's hash
  (32 zero bytes for seq 0). The record hash is the RFC 6962 leaf hash ``SHA-256(0x00 || entry)``,
  so the hash chain and the Merkle tree share their leaves.
* Merkle tree: RFC 6962 section 2.1 -- node = SHA-256(0x01 || left || right); the empty tree's
  root is SHA-256("").
* signed checkpoint: Ed25519 over ``checkpoint_message(log_id, size, root, ts_ns)``; ``key_id`` is
  the first 8 bytes (hex) of SHA-256 of the raw 32-byte public key.
"""

from __future__ import annotations

import enum
import hashlib
import json
import struct
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

__all__ = [
    "BUNDLE_FORMAT",
    "EMPTY_ROOT",
    "GENESIS_HASH",
    "Bundle",
    "CheckpointView",
    "Frontier",
    "Reason",
    "RecordScanner",
    "VerificationResult",
    "check_bundle",
    "check_signatures",
    "checkpoint_message",
    "entry_bytes",
    "key_id_of",
    "leaf_hash",
    "main",
    "manifest_message",
    "merkle_root",
    "node_hash",
    "read_bundle",
    "record_hash",
    "root_from_inclusion_proof",
    "verify_bundle",
    "verify_consistency",
    "verify_inclusion",
    "verify_signature",
]

BUNDLE_FORMAT = "optionswarm-audit-bundle/1"
GENESIS_HASH = bytes(32)
EMPTY_ROOT = hashlib.sha256(b"").digest()
_ENTRY_HEADER = struct.Struct(">BQqH")
_ENTRY_VERSION = 1
_LEAF = b"\x00"
_NODE = b"\x01"
_sha256 = hashlib.sha256


class Reason(enum.StrEnum):
    """Machine-readable outcome of a verification; each failure names what was found."""

    OK = "OK"
    RECORD_ALTERED = "RECORD_ALTERED"
    RECORD_MISSING = "RECORD_MISSING"
    RECORD_REORDERED = "RECORD_REORDERED"
    CHAIN_BROKEN = "CHAIN_BROKEN"
    LOG_TRUNCATED = "LOG_TRUNCATED"
    CHECKPOINT_ROOT_MISMATCH = "CHECKPOINT_ROOT_MISMATCH"
    CHECKPOINT_SIGNATURE_INVALID = "CHECKPOINT_SIGNATURE_INVALID"
    CHECKPOINT_WRONG_KEY = "CHECKPOINT_WRONG_KEY"
    NODE_MISMATCH = "NODE_MISMATCH"
    PROOF_INVALID = "PROOF_INVALID"
    ARCHIVE_MISSING = "ARCHIVE_MISSING"
    ARCHIVE_INVALID = "ARCHIVE_INVALID"
    MALFORMED = "MALFORMED"


@dataclass(frozen=True, slots=True)
class VerificationResult:
    """Outcome of a verification: ``ok``, the first bad sequence number, a reason and a sentence.

    A frozen dataclass rather than a msgspec Struct so that this file needs no third-party
    package beyond ``cryptography``.
    """

    ok: bool
    reason: Reason
    message: str
    first_bad_seq: int | None = None
    checked_records: int = 0
    checked_checkpoints: int = 0

    @staticmethod
    def success(message: str, records: int = 0, checkpoints: int = 0) -> VerificationResult:
        """A passing result."""
        return VerificationResult(True, Reason.OK, message, None, records, checkpoints)

    @staticmethod
    def failure(reason: Reason, message: str, seq: int | None = None) -> VerificationResult:
        """A failing result naming ``reason`` and the record ``seq`` it concerns."""
        return VerificationResult(False, reason, message, seq)


# --------------------------------------------------------------------------- hashing


def entry_bytes(seq: int, ts_ns: int, kind: str, prev_hash: bytes, payload: bytes) -> bytes:
    """The canonical byte string of one record (what its leaf hash covers)."""
    kind_b = kind.encode()
    return (
        _ENTRY_HEADER.pack(_ENTRY_VERSION, seq, ts_ns, len(kind_b)) + kind_b + prev_hash + payload
    )


def record_hash(seq: int, ts_ns: int, kind: str, prev_hash: bytes, payload: bytes) -> bytes:
    """The record's hash: its RFC 6962 leaf hash."""
    return _sha256(_LEAF + entry_bytes(seq, ts_ns, kind, prev_hash, payload)).digest()


def leaf_hash(data: bytes) -> bytes:
    """RFC 6962 leaf hash: SHA-256(0x00 || data)."""
    return _sha256(_LEAF + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash: SHA-256(0x01 || left || right)."""
    return _sha256(_NODE + left + right).digest()


def merkle_root(leaf_hashes: Sequence[bytes]) -> bytes:
    """RFC 6962 Merkle Tree Hash over already-hashed leaves."""
    frontier = Frontier()
    for h in leaf_hashes:
        frontier.push(h)
    return frontier.root()


class Frontier:
    """The right edge of a growing RFC 6962 tree: its perfect subtrees' hashes, left to right.

    The subtree sizes follow from ``size`` (one per set bit, largest first). ``push`` adds a leaf
    hash and returns the interior nodes it completed as ``(level, index, hash)`` for levels of at
    least ``min_level``, so that a caller may store them; ``root`` folds the edge.
    """

    __slots__ = ("hashes", "size")

    def __init__(self, size: int = 0, hashes: Iterable[bytes] = ()) -> None:
        self.size = size
        self.hashes = list(hashes)
        if len(self.hashes) != size.bit_count():
            raise ValueError(f"a tree of {size} leaves has {size.bit_count()} edge subtrees")

    @property
    def levels(self) -> list[int]:
        """The level (log2 of the leaf count) of each edge subtree, largest first."""
        return [lv for lv in range(self.size.bit_length() - 1, -1, -1) if self.size >> lv & 1]

    def copy(self) -> Frontier:
        """An independent copy (for all-or-nothing batch appends)."""
        return Frontier(self.size, self.hashes)

    def push(self, h: bytes, min_level: int = 1) -> list[tuple[int, int, bytes]]:
        """Append one leaf hash; return the interior nodes of ``min_level`` or more it completed."""
        hashes, n = self.hashes, self.size
        done: list[tuple[int, int, bytes]] = []
        level = 0
        while n & 1:
            h = _sha256(_NODE + hashes.pop() + h).digest()
            n >>= 1
            level += 1
            if level >= min_level:
                done.append((level, ((self.size + 1) >> level) - 1, h))
        hashes.append(h)
        self.size += 1
        return done

    def root(self) -> bytes:
        """The Merkle Tree Hash of everything pushed so far."""
        if not self.hashes:
            return EMPTY_ROOT
        h = self.hashes[-1]
        for left in reversed(self.hashes[:-1]):
            h = _sha256(_NODE + left + h).digest()
        return h


# --------------------------------------------------------------------------- proofs (RFC 9162)


def root_from_inclusion_proof(
    index: int, size: int, leaf: bytes, path: Sequence[bytes]
) -> bytes | None:
    """The root implied by an inclusion proof (RFC 9162 2.1.3.2), or None if it is malformed."""
    if index >= size or index < 0:
        return None
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return None
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return r if sn == 0 else None


def verify_inclusion(
    index: int, size: int, leaf: bytes, path: Sequence[bytes], root: bytes
) -> bool:
    """True when ``path`` proves leaf ``index`` with hash ``leaf`` is in the tree ``root``."""
    return root_from_inclusion_proof(index, size, leaf, path) == root


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """True when ``proof`` shows tree (new_size, new_root) extends (old_size, old_root).

    RFC 9162 section 2.1.4.2. ``old_size == new_size`` needs an empty proof and equal roots; a
    proof from the empty tree is not defined and is rejected.
    """
    if old_size <= 0 or old_size > new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    path = list(proof)
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root


# --------------------------------------------------------------------------- signatures


def key_id_of(public_key_raw: bytes) -> str:
    """Short identifier of an Ed25519 public key (hex of the first 8 bytes of its SHA-256)."""
    return _sha256(public_key_raw).digest()[:8].hex()


def checkpoint_message(log_id: str, size: int, root: bytes, ts_ns: int) -> bytes:
    """The exact bytes a checkpoint signature covers."""
    return f"optionswarm-audit-checkpoint/v1\n{log_id}\n{size}\n{ts_ns}\n{root.hex()}\n".encode()


def manifest_message(manifest: dict[str, Any]) -> bytes:
    """The exact bytes an archive-manifest signature covers (sorted compact JSON)."""
    body = json.dumps(manifest, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return b"optionswarm-audit-archive/v1\n" + body.encode()


def verify_signature(public_key_raw: bytes, message: bytes, signature: bytes) -> bool:
    """True when ``signature`` is a valid Ed25519 signature of ``message``."""
    try:
        Ed25519PublicKey.from_public_bytes(public_key_raw).verify(signature, message)
    except (InvalidSignature, ValueError):
        return False
    return True


# --------------------------------------------------------------------------- scanning records


@dataclass(frozen=True, slots=True)
class CheckpointView:
    """The fields of a signed checkpoint the verifier needs."""

    size: int
    ts_ns: int
    root: bytes
    key_id: str
    signature: bytes


def check_signatures(
    log_id: str, public_key: bytes, checkpoints: Iterable[CheckpointView]
) -> VerificationResult | None:
    """Check each checkpoint's key id and Ed25519 signature; return the first failure or None."""
    expected = key_id_of(public_key)
    for cp in checkpoints:
        if cp.key_id != expected:
            return VerificationResult.failure(
                Reason.CHECKPOINT_WRONG_KEY,
                f"checkpoint at size {cp.size} is signed by key {cp.key_id}, "
                f"not the trusted key {expected}",
                max(cp.size - 1, 0),
            )
        msg = checkpoint_message(log_id, cp.size, cp.root, cp.ts_ns)
        if not verify_signature(public_key, msg, cp.signature):
            return VerificationResult.failure(
                Reason.CHECKPOINT_SIGNATURE_INVALID,
                f"checkpoint at size {cp.size} has an invalid signature",
                max(cp.size - 1, 0),
            )
    return None


NodeSink = Callable[[int, int, bytes], None]


@dataclass
class RecordScanner:
    """Checks records in order: sequence, hash, chain link, and Merkle roots at checkpoints.

    Feed rows ``(seq, ts_ns, kind, payload, prev_hash, hash)`` with :meth:`feed`; the first failure
    is kept in :attr:`failure` and scanning stops. ``frontier`` may start from an archived prefix.
    """

    log_id: str
    public_key: bytes
    checkpoints: list[CheckpointView]
    next_seq: int = 0
    prev_hash: bytes = GENESIS_HASH
    frontier: Frontier = field(default_factory=Frontier)
    node_sink: NodeSink | None = None
    node_min_level: int = 1
    failure: VerificationResult | None = None
    locate: Callable[[bytes], int | None] | None = None
    tree_offset: int = 0
    """Leaves before this are outside ``frontier`` (a segment checked on its own)."""
    _cp_index: int = 0
    _good_size: int = 0

    def __post_init__(self) -> None:
        self.checkpoints = sorted(self.checkpoints, key=lambda c: c.size)
        while (
            self._cp_index < len(self.checkpoints)
            and self.checkpoints[self._cp_index].size <= self.frontier.size
        ):
            self._cp_index += 1

    def check_signatures(self) -> VerificationResult | None:
        """Check every checkpoint's key id and signature; the first bad one is returned."""
        return check_signatures(self.log_id, self.public_key, self.checkpoints)

    def feed(self, rows: Iterable[tuple[int, int, str, bytes, bytes, bytes]]) -> bool:
        """Check ``rows``; False (and :attr:`failure` set) at the first bad one."""
        if self.failure is not None:
            return False
        sha, pack, leaf, node = _sha256, _ENTRY_HEADER.pack, _LEAF, _NODE
        sink, sink_level = self.node_sink, self.node_min_level if self.node_sink else 64
        offset = self.tree_offset
        edge = self.frontier.hashes
        pop, push = edge.pop, edge.append
        expected, prev = self.next_seq, self.prev_hash
        cps, cp_i = self.checkpoints, self._cp_index
        next_cp = cps[cp_i].size if cp_i < len(cps) else -1
        kinds: dict[str, bytes] = {}
        for seq, ts_ns, kind, payload, prev_hash, stored in rows:
            kind_b = kinds.get(kind)
            if kind_b is None:
                kind_b = kinds[kind] = kind.encode()
            computed = sha(
                leaf + pack(1, seq, ts_ns, len(kind_b)) + kind_b + prev_hash + payload
            ).digest()
            if seq != expected or computed != stored or prev_hash != prev:
                self._stop(expected, prev, cp_i)
                self.failure = self._diagnose(seq, computed, stored, prev_hash)
                return False
            h, n, level = stored, seq - offset, 0
            while n & 1:
                h = sha(node + pop() + h).digest()
                n >>= 1
                level += 1
                if level >= sink_level:
                    sink(level, ((seq + 1) >> level) - 1, h)  # type: ignore[misc]
            push(h)
            prev = stored
            expected += 1
            if expected == next_cp:
                self._stop(expected, prev, cp_i)
                if not self._check_checkpoint(cps[cp_i]):
                    return False
                cp_i += 1
                next_cp = cps[cp_i].size if cp_i < len(cps) else -1
        self._stop(expected, prev, cp_i)
        return True

    def skip_to(self, next_seq: int, prev_hash: bytes) -> None:
        """Continue after records checked elsewhere (the frontier was advanced by the caller)."""
        self.next_seq, self.prev_hash = next_seq, prev_hash
        while (
            self._cp_index < len(self.checkpoints)
            and self.checkpoints[self._cp_index].size <= next_seq
        ):
            self._good_size = self.checkpoints[self._cp_index].size
            self._cp_index += 1

    def _stop(self, next_seq: int, prev: bytes, cp_index: int) -> None:
        self.next_seq, self.prev_hash, self._cp_index = next_seq, prev, cp_index
        self.frontier.size = next_seq - self.tree_offset

    def _check_checkpoint(self, cp: CheckpointView) -> bool:
        if self.frontier.root() != cp.root:
            self.failure = VerificationResult.failure(
                Reason.CHECKPOINT_ROOT_MISMATCH,
                f"the Merkle root of the first {cp.size} records differs from the signed "
                f"checkpoint: records from {self._good_size} on were rewritten",
                self._good_size,
            )
            return False
        self._good_size = cp.size
        return True

    def _diagnose(
        self, seq: int, computed: bytes, stored: bytes, link: bytes
    ) -> VerificationResult:
        expected, prev = self.next_seq, self.prev_hash
        if seq > expected:
            return VerificationResult.failure(
                Reason.RECORD_MISSING,
                f"record {expected} is missing (the next stored record is {seq})",
                expected,
            )
        if seq < expected:
            return VerificationResult.failure(
                Reason.RECORD_REORDERED, f"record {seq} appears after record {expected - 1}", seq
            )
        if computed != stored:
            where = self.locate(link) if self.locate is not None and link != prev else None
            if where is not None and where != expected - 1:
                return VerificationResult.failure(
                    Reason.RECORD_REORDERED,
                    f"record {seq} holds the content of another position: records were reordered",
                    seq,
                )
            return VerificationResult.failure(
                Reason.RECORD_ALTERED, f"record {seq} does not match its stored hash", seq
            )
        return VerificationResult.failure(
            Reason.CHAIN_BROKEN,
            f"record {seq} does not link to the hash of record {seq - 1}: "
            f"record {seq - 1} was rewritten or a record was removed before {seq}",
            max(seq - 1, 0),
        )

    def finish(self) -> VerificationResult:
        """The final result once all rows were fed (truncation is checked here)."""
        if self.failure is not None:
            return self.failure
        if self._cp_index < len(self.checkpoints):
            cp = self.checkpoints[-1]
            return VerificationResult.failure(
                Reason.LOG_TRUNCATED,
                f"a signed checkpoint covers {cp.size} records but the log holds "
                f"{self.next_seq}: records from {self.next_seq} on were removed",
                self.next_seq,
            )
        return VerificationResult.success(
            f"{self.next_seq} records and {len(self.checkpoints)} signed checkpoints verify",
            self.next_seq,
            len(self.checkpoints),
        )


# --------------------------------------------------------------------------- bundles


@dataclass
class Bundle:
    """A parsed bundle: header, prefix frontier, records, checkpoints and the anchor proof."""

    header: dict[str, Any]
    records: list[tuple[int, int, str, bytes, bytes, bytes]]
    checkpoints: list[CheckpointView]
    frontier: Frontier
    inclusion: dict[str, Any] | None


def _checkpoint_from(obj: dict[str, Any]) -> CheckpointView:
    return CheckpointView(
        int(obj["size"]),
        int(obj["ts_ns"]),
        bytes.fromhex(obj["root"]),
        str(obj["key_id"]),
        bytes.fromhex(obj["signature"]),
    )


def _frontier_from(obj: dict[str, Any] | None) -> Frontier:
    if obj is None:
        return Frontier()
    return Frontier(int(obj["size"]), [bytes.fromhex(h) for h in obj["hashes"]])


def _meta_to_bundle(meta: dict[str, Any], records: list[Any]) -> Bundle:
    return Bundle(
        header=meta["header"],
        records=records,
        checkpoints=[_checkpoint_from(c) for c in meta.get("checkpoints", [])],
        frontier=_frontier_from(meta.get("frontier")),
        inclusion=meta.get("inclusion"),
    )


def read_jsonl_bundle(path: str) -> Bundle:
    """Parse a JSON Lines bundle."""
    meta: dict[str, Any] = {"checkpoints": []}
    records: list[tuple[int, int, str, bytes, bytes, bytes]] = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            obj = json.loads(line)
            kind = obj.pop("type")
            if kind == "record":
                records.append(
                    (
                        int(obj["seq"]),
                        int(obj["ts_ns"]),
                        str(obj["kind"]),
                        obj["payload"].encode(),
                        bytes.fromhex(obj["prev_hash"]),
                        bytes.fromhex(obj["hash"]),
                    )
                )
            elif kind == "checkpoint":
                meta["checkpoints"].append(obj)
            else:
                meta[kind] = obj
    return _meta_to_bundle(meta, records)


def read_parquet_bundle(source: str | IO[bytes]) -> Bundle:
    """Parse a Parquet bundle from a path or file (needs pyarrow; JSON Lines needs nothing)."""
    import pyarrow.parquet as pq  # noqa: PLC0415 -- optional: only Parquet bundles need pyarrow

    table = pq.read_table(source)
    meta = json.loads(table.schema.metadata[b"optionswarm.audit"])
    cols = [table.column(n).to_pylist() for n in ("seq", "ts_ns", "kind", "payload")]
    hashes = [table.column(n).to_pylist() for n in ("prev_hash", "hash")]
    records = list(zip(*cols, *hashes, strict=True))
    return _meta_to_bundle(meta, records)


def read_bundle(path: str) -> Bundle:
    """Parse a bundle file, choosing the reader by its magic bytes."""
    with open(path, "rb") as fh:
        magic = fh.read(4)
    return read_parquet_bundle(path) if magic == b"PAR1" else read_jsonl_bundle(path)


def _check_header(bundle: Bundle, public_key: bytes | None) -> VerificationResult | None:
    header = bundle.header
    if header.get("format") != BUNDLE_FORMAT:
        return VerificationResult.failure(Reason.MALFORMED, "not an optionswarm audit bundle")
    bundle_key = bytes.fromhex(header["public_key"])
    if public_key is not None and public_key != bundle_key:
        return VerificationResult.failure(
            Reason.CHECKPOINT_WRONG_KEY,
            f"the bundle is signed by key {key_id_of(bundle_key)}, "
            f"not the trusted key {key_id_of(public_key)}",
        )
    if bundle.frontier.size != int(header["from_seq"]):
        return VerificationResult.failure(Reason.MALFORMED, "prefix frontier does not end at from")
    return check_signatures(str(header["log_id"]), bundle_key, bundle.checkpoints)


def check_bundle(bundle: Bundle, public_key: bytes | None = None) -> VerificationResult:
    """Verify a parsed bundle against its own (or the given trusted) public key."""
    bad = _check_header(bundle, public_key)
    if bad is not None:
        return bad
    header = bundle.header
    first, end = int(header["from_seq"]), int(header["to_seq"])
    in_range = [c for c in bundle.checkpoints if first < c.size <= end]
    anchors = [c for c in bundle.checkpoints if c.size > end]
    start_prev = bundle.records[0][4] if bundle.records and first > 0 else GENESIS_HASH
    scanner = RecordScanner(
        str(header["log_id"]),
        bytes.fromhex(header["public_key"]),
        in_range,
        next_seq=first,
        prev_hash=start_prev,
        frontier=bundle.frontier.copy(),
    )
    by_hash: dict[bytes, int] = {}

    def locate(h: bytes) -> int | None:
        if not by_hash:
            by_hash.update((r[5], r[0]) for r in bundle.records)
        return by_hash.get(h)

    scanner.locate = locate
    misplaced = _first_misplaced(bundle.records, first)
    if misplaced is not None:
        return misplaced
    scanner.feed(bundle.records)
    result = scanner.finish()
    if not result.ok:
        return result
    if scanner.next_seq != end:
        return VerificationResult.failure(
            Reason.LOG_TRUNCATED,
            f"the bundle claims records up to {end} but holds them only up to {scanner.next_seq}",
            scanner.next_seq,
        )
    return _check_anchor(bundle, anchors, end, first, len(in_range))


def _first_misplaced(
    records: Sequence[tuple[int, int, str, bytes, bytes, bytes]], first: int
) -> VerificationResult | None:
    """A record stored out of order (its seq is in the bundle, but elsewhere) is reordering."""
    present = {r[0] for r in records}
    for i, rec in enumerate(records):
        expected = first + i
        if rec[0] != expected:
            if expected in present:
                return VerificationResult.failure(
                    Reason.RECORD_REORDERED,
                    f"record {expected} appears out of order (record {rec[0]} is in its place)",
                    expected,
                )
            return None
    return None


def _check_anchor(
    bundle: Bundle, anchors: list[CheckpointView], end: int, first: int, n_cps: int
) -> VerificationResult:
    records = end - first
    if anchors:
        proof = bundle.inclusion
        if proof is None or not bundle.records:
            return VerificationResult.failure(
                Reason.PROOF_INVALID, "the bundle has no inclusion proof for its last record"
            )
        anchor = next((c for c in anchors if c.size == int(proof["tree_size"])), None)
        path = [bytes.fromhex(h) for h in proof["path"]]
        last = bundle.records[-1]
        if anchor is None or int(proof["seq"]) != last[0]:
            return VerificationResult.failure(
                Reason.PROOF_INVALID, "the inclusion proof does not match the bundle", last[0]
            )
        if not verify_inclusion(last[0], anchor.size, last[5], path, anchor.root):
            return VerificationResult.failure(
                Reason.PROOF_INVALID,
                f"record {last[0]} is not proven in the signed tree of size {anchor.size}",
                last[0],
            )
        n_cps += 1
    elif n_cps == 0:
        return VerificationResult.failure(
            Reason.PROOF_INVALID, "no signed checkpoint covers the bundle's records", first
        )
    return VerificationResult.success(
        f"{records} records (seq {first}..{end - 1}) and {n_cps} signed checkpoints verify",
        records,
        n_cps,
    )


def verify_bundle(path: str, public_key: bytes | None = None) -> VerificationResult:
    """Verify an exported bundle file (JSON Lines, or Parquet if pyarrow is installed)."""
    try:
        bundle = read_bundle(path)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return VerificationResult.failure(Reason.MALFORMED, f"cannot read bundle {path}: {exc}")
    try:
        return check_bundle(bundle, public_key)
    except (ValueError, KeyError, TypeError) as exc:
        return VerificationResult.failure(Reason.MALFORMED, f"malformed bundle {path}: {exc}")


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: ``python verifier.py BUNDLE [TRUSTED_PUBLIC_KEY_HEX]``."""
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or len(args) > 2:
        print("usage: verifier.py BUNDLE [TRUSTED_PUBLIC_KEY_HEX]", file=sys.stderr)
        return 2
    key = bytes.fromhex(args[1]) if len(args) == 2 else None
    result = verify_bundle(args[0], key)
    print(
        json.dumps(
            {
                "ok": result.ok,
                "reason": str(result.reason),
                "first_bad_seq": result.first_bad_seq,
                "message": result.message,
            }
        )
    )
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
