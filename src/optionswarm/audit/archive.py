"""Retention: closed periods move to a cold store (Parquet via ``pyarrow.fs``), still verifiable.

Archiving records ``[start, upto)``:

1. the segment is written to the cold store as a Parquet *bundle* (see
   :mod:`optionswarm.audit.export`): it verifies on its own with the standalone verifier;
2. a manifest ``{log_id, start, end, root, tail_hash, bundle, bundle_sha256, key_id, ts_ns}`` is
   signed with the log's Ed25519 key and written beside it (``root`` is the Merkle root of the
   first ``upto`` records, ``tail_hash`` the hash of record ``upto - 1``);
3. an ``audit.archived`` marker record naming the manifest's SHA-256 is appended to the log;
4. the segment is registered in the ``archives`` table and only then removed from the live table
   (the append-only trigger allows DELETE only below the highest registered segment).

Deleting live records through a forged ``archives`` row therefore gains an attacker nothing:
verification reads every registered segment from the cold store, checks the manifest signature,
the bundle hash, every record, the Merkle root at ``upto`` and the marker, and continues the live
chain from the archived tail hash. Nothing is ever purged: ``retention_years`` (7 by default) is
the floor, and :meth:`RetentionPolicy.purge_allowed` says when a segment *may* be dropped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
from collections.abc import Callable, Collection
from typing import TYPE_CHECKING, Any

import msgspec
import pyarrow.fs as pafs
import pyarrow.parquet as pq

from optionswarm.audit.export import build_bundle, bundle_bytes
from optionswarm.audit.verifier import (
    Reason,
    RecordScanner,
    VerificationResult,
    check_bundle,
    manifest_message,
    read_parquet_bundle,
    verify_signature,
)

if TYPE_CHECKING:
    from optionswarm.audit.log import AuditLog
    from optionswarm.audit.store import AuditStore

__all__ = [
    "ARCHIVE_MARKER_KIND",
    "ArchiveLeaves",
    "ColdStore",
    "RetentionPolicy",
    "archive_segment",
    "verify_archived_segments",
]

ARCHIVE_MARKER_KIND = "audit.archived"
_NS_PER_DAY = 86_400 * 10**9


class ColdStore:
    """A directory on any pyarrow filesystem: a local path (default) or a URI such as s3://..."""

    def __init__(self, uri: str, filesystem: pafs.FileSystem | None = None) -> None:
        if filesystem is not None:
            self.fs, self.base = filesystem, uri.rstrip("/")
        elif "://" in uri:
            self.fs, self.base = pafs.FileSystem.from_uri(uri)
        else:
            self.fs, self.base = pafs.LocalFileSystem(), os.path.abspath(uri)

    def write(self, name: str, data: bytes) -> None:
        """Write ``data`` to ``name`` under the base directory."""
        path = f"{self.base}/{name}"
        self.fs.create_dir(path.rsplit("/", 1)[0], recursive=True)
        with self.fs.open_output_stream(path) as out:
            out.write(data)

    def list(self, directory: str) -> list[str]:
        """File names (not paths) directly under ``directory``; empty if it does not exist."""
        selector = pafs.FileSelector(f"{self.base}/{directory}", allow_not_found=True)
        return [info.base_name for info in self.fs.get_file_info(selector)]

    def read(self, name: str) -> bytes | None:
        """The bytes stored at ``name``, or None if absent."""
        try:
            with self.fs.open_input_stream(f"{self.base}/{name}") as src:
                return bytes(src.read())
        except (FileNotFoundError, OSError):
            return None


class ArchiveLeaves:
    """Leaf hashes of archived records, read from the segments' Parquet bundles (cached)."""

    def __init__(self, store: AuditStore, cold: ColdStore) -> None:
        self.store, self.cold = store, cold
        self._cache: dict[str, dict[int, bytes]] = {}

    def __call__(self, seqs: Collection[int]) -> dict[int, bytes]:
        out: dict[int, bytes] = {}
        for row in self.store.archive_rows():
            if any(row["start"] <= s < row["upto"] for s in seqs):
                hashes = self._segment(row["manifest_path"])
                out.update((s, hashes[s]) for s in seqs if s in hashes)
        return out

    def records(self, start: int, end: int) -> list[Any]:
        """Archived records with ``start <= seq < end``, as record rows."""
        out: list[Any] = []
        for row in self.store.archive_rows():
            if row["start"] < end and start < row["upto"]:
                bundle = self._bundle(row["manifest_path"])
                out += [r for r in bundle if start <= r[0] < end]
        return out

    def _bundle(self, manifest_path: str) -> list[Any]:
        doc = json.loads(self.cold.read(manifest_path) or b"{}")
        data = self.cold.read(doc["manifest"]["bundle"]) or b""
        return list(read_parquet_bundle(io.BytesIO(data)).records)

    def _segment(self, manifest_path: str) -> dict[int, bytes]:
        if manifest_path not in self._cache:
            doc = json.loads(self.cold.read(manifest_path) or b"{}")
            data = self.cold.read(doc["manifest"]["bundle"]) or b""
            table = pq.read_table(io.BytesIO(data), columns=["seq", "hash"])
            seqs, hashes = table.column("seq").to_pylist(), table.column("hash").to_pylist()
            self._cache[manifest_path] = dict(zip(seqs, hashes, strict=True))
        return self._cache[manifest_path]


class RetentionPolicy(msgspec.Struct, frozen=True, kw_only=True):
    """Which records are due for the cold store, and when a cold segment may ever be purged."""

    retention_years: int = 7
    archive_after_days: int = 90

    def archive_cutoff_ns(self, now_ns: int) -> int:
        """Start (UTC) of the calendar month containing ``now - archive_after_days``: records
        stamped before it belong to closed periods."""
        edge = dt.datetime.fromtimestamp(
            (now_ns - self.archive_after_days * _NS_PER_DAY) / 1e9, dt.UTC
        )
        month = dt.datetime(edge.year, edge.month, 1, tzinfo=dt.UTC)
        return int(month.timestamp()) * 10**9

    def purge_allowed(self, newest_ts_ns: int, now_ns: int) -> bool:
        """True only once the newest record of a segment is older than the retention period."""
        return now_ns - newest_ts_ns >= int(self.retention_years * 365.25 * _NS_PER_DAY)


def _sha(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def archive_segment(log: AuditLog, cold: ColdStore, upto: int, ts_ns: int) -> dict[str, Any]:
    """Move records below ``upto`` to the cold store (steps in the module docstring).

    Returns the signed manifest document ``{"manifest": {...}, "signature": hex}``.
    """
    start = log.store.archived_upto()
    if not start < upto <= log.size:
        raise ValueError(f"cannot archive up to {upto}: archived up to {start}, size {log.size}")
    meta, records = build_bundle(log, start, upto, ts_ns)
    data = bundle_bytes(meta, records, "parquet")
    stem = f"{log.config.log_id}/segment-{start:015d}-{upto:015d}"
    bundle_name = f"{stem}.parquet"
    manifest: dict[str, Any] = {
        "log_id": log.config.log_id,
        "start": start,
        "end": upto,
        "root": log.root(upto).hex(),
        "tail_hash": records[-1][5].hex(),
        "bundle": bundle_name,
        "bundle_sha256": _sha(data).hex(),
        "key_id": log.signer.key_id,
        "ts_ns": ts_ns,
    }
    doc = {"manifest": manifest, "signature": log.signer.sign(manifest_message(manifest)).hex()}
    doc_bytes = json.dumps(doc, sort_keys=True, indent=1).encode()
    cold.write(bundle_name, data)
    cold.write(f"{stem}.manifest.json", doc_bytes)
    marker = {"start": start, "end": upto, "root": manifest["root"]}
    marker |= {"tail_hash": manifest["tail_hash"], "manifest_sha256": _sha(doc_bytes).hex()}
    log.append(ARCHIVE_MARKER_KIND, marker, ts_ns)
    log.store.record_archive(
        {
            "upto": upto,
            "start": start,
            "manifest_path": f"{stem}.manifest.json",
            "manifest_sha256": _sha(doc_bytes),
        }
    )
    return doc


class _ArchiveFaultError(Exception):
    """Internal: carries the failing result out of nested archive checks."""

    def __init__(self, reason: Reason, message: str, seq: int) -> None:
        super().__init__(message)
        self.result = VerificationResult.failure(reason, message, seq)


def _require(ok: bool, reason: Reason, message: str, seq: int) -> None:
    if not ok:
        raise _ArchiveFaultError(reason, message, seq)


def _load_segment(cold: ColdStore, row: dict[str, Any], public_key: bytes) -> tuple[Any, bytes]:
    start, upto = row["start"], row["upto"]
    span = f"{start}..{upto - 1}"
    doc_bytes = cold.read(row["manifest_path"])
    _require(doc_bytes is not None, Reason.ARCHIVE_MISSING, f"manifest of {span} missing", start)
    assert doc_bytes is not None
    _require(
        _sha(doc_bytes) == bytes(row["manifest_sha256"]),
        Reason.ARCHIVE_INVALID,
        f"the archive manifest of records {span} was changed",
        start,
    )
    doc = json.loads(doc_bytes)
    manifest = doc["manifest"]
    signed = verify_signature(
        public_key, manifest_message(manifest), bytes.fromhex(doc["signature"])
    )
    _require(signed, Reason.ARCHIVE_INVALID, f"manifest of {span} is not validly signed", start)
    _require(
        (manifest["start"], manifest["end"]) == (start, upto),
        Reason.ARCHIVE_INVALID,
        f"the archive manifest does not cover records {span}",
        start,
    )
    data = cold.read(manifest["bundle"])
    _require(data is not None, Reason.ARCHIVE_MISSING, f"archived records {span} missing", start)
    assert data is not None
    _require(
        _sha(data).hex() == manifest["bundle_sha256"],
        Reason.ARCHIVE_INVALID,
        f"the archived records {span} were changed",
        start,
    )
    return manifest, data


def verify_archived_segments(
    log: AuditLog, scanner: RecordScanner, feed: Callable[[list[Any]], VerificationResult | None]
) -> VerificationResult | None:
    """Verify every archived segment in order, passing its records to ``feed`` (the scanner's)."""
    try:
        _require(log.cold is not None, Reason.ARCHIVE_MISSING, "archives but no cold store", 0)
        assert log.cold is not None
        markers = _marker_hashes_in(log.store.records_of_kind(ARCHIVE_MARKER_KIND))
        for row in log.store.archive_rows():
            start, upto = row["start"], row["upto"]
            _require(
                start == scanner.next_seq,
                Reason.ARCHIVE_INVALID,
                f"an archive starts at {start} where {scanner.next_seq} was expected",
                scanner.next_seq,
            )
            manifest, data = _load_segment(log.cold, row, log.public_key)
            bundle = read_parquet_bundle(io.BytesIO(data))
            own = check_bundle(bundle, log.public_key)
            if not own.ok:
                return own
            _require(
                bundle.frontier.hashes == scanner.frontier.hashes,
                Reason.ARCHIVE_INVALID,
                f"archive {start}..{upto - 1} does not continue the log",
                start,
            )
            bad = feed(bundle.records)
            if bad is not None:
                return bad
            _require(
                scanner.frontier.root().hex() == manifest["root"],
                Reason.ARCHIVE_INVALID,
                f"the Merkle root at {upto} differs from the archive manifest",
                start,
            )
            markers |= _marker_hashes_in(bundle.records)
            _require(
                bytes(row["manifest_sha256"]).hex() in markers,
                Reason.ARCHIVE_INVALID,
                f"archive {start}..{upto - 1} has no marker record in the log",
                start,
            )
    except _ArchiveFaultError as fault:
        return fault.result
    return None


def _marker_hashes_in(records: list[Any]) -> set[str]:
    return {
        str(msgspec.json.decode(r[3])["manifest_sha256"])
        for r in records
        if r[2] == ARCHIVE_MARKER_KIND
    }
