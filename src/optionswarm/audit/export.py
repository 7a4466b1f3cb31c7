"""Self-verifiable bundles: records + prefix frontier + signed checkpoints + an anchor proof.

A bundle of records ``[from_seq, to_seq)`` holds everything :mod:`optionswarm.audit.verifier` needs:
the hashes of the perfect subtrees left of ``from_seq`` (so Merkle roots of signed checkpoints
inside the range can be recomputed), the records, those checkpoints, and -- when no checkpoint
ends exactly at ``to_seq`` -- an inclusion proof of the last record in a later signed checkpoint.
Because each record holds its predecessor's hash, proving the last record proves them all.

Two encodings, one content: JSON Lines (one object per line, ``type`` first) and Parquet (one row
per record; the rest as JSON in the schema metadata key ``optionswarm.audit``).
"""

from __future__ import annotations

import io
import json
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq

from optionswarm.audit.merkle import frontier_keys, inclusion_ranges, resolve
from optionswarm.audit.store import RecordRow
from optionswarm.audit.verifier import BUNDLE_FORMAT

if TYPE_CHECKING:
    from optionswarm.audit.log import AuditLog

__all__ = ["BundleFormat", "build_bundle", "bundle_bytes", "export_bundle"]

BundleFormat = Literal["jsonl", "parquet"]


def build_bundle(
    log: AuditLog, from_seq: int = 0, to_seq: int | None = None, ts_ns: int | None = None
) -> tuple[dict[str, Any], list[RecordRow]]:
    """The bundle's metadata and records for live records ``[from_seq, to_seq)``.

    Signs a checkpoint (at ``ts_ns`` or the log's clock) if none covers ``to_seq`` yet.
    """
    end = log.size if to_seq is None else to_seq
    if not 0 <= from_seq < end <= log.size:
        raise ValueError(f"cannot export records {from_seq}..{end - 1} of a log of {log.size}")
    upto = log.store.archived_upto()
    records: list[RecordRow] = []
    if from_seq < upto and log.cold is not None:  # the archived part comes from the cold store
        from optionswarm.audit.archive import ArchiveLeaves  # noqa: PLC0415 -- import cycle

        records = ArchiveLeaves(log.store, log.cold).records(from_seq, min(end, upto))
    live_from = max(from_seq, upto) if records else from_seq
    records += [row for chunk in log.store.iter_records(live_from, end) for row in chunk]
    if len(records) != end - from_seq:
        raise ValueError(f"records {from_seq}..{end - 1} are neither all live nor all archived")
    keys = frontier_keys(from_seq)
    got = log.source.perfect_hashes(keys) if keys else {}
    cps = log.checkpoints()
    if not any(c.size >= end for c in cps):
        cps.append(log.checkpoint(ts_ns))
    chosen = [c for c in cps if from_seq < c.size <= end]
    meta: dict[str, Any] = {
        "header": {
            "format": BUNDLE_FORMAT,
            "log_id": log.config.log_id,
            "public_key": log.public_key.hex(),
            "key_id": log.signer.key_id,
            "from_seq": from_seq,
            "to_seq": end,
        },
        "frontier": {"size": from_seq, "hashes": [got[k].hex() for k in keys]},
    }
    if not chosen or chosen[-1].size != end:
        anchor = min((c for c in cps if c.size > end), key=lambda c: c.size)
        path = resolve(inclusion_ranges(end - 1, anchor.size), log.source)
        chosen.append(anchor)
        meta["inclusion"] = {
            "seq": end - 1,
            "tree_size": anchor.size,
            "path": [h.hex() for h in path],
        }
    meta["checkpoints"] = [
        {
            "size": c.size,
            "ts_ns": c.ts_ns,
            "root": c.root.hex(),
            "key_id": c.key_id,
            "signature": c.signature.hex(),
        }
        for c in chosen
    ]
    return meta, records


def bundle_bytes(meta: dict[str, Any], records: list[RecordRow], fmt: BundleFormat) -> bytes:
    """Encode a bundle as JSON Lines or Parquet."""
    if fmt == "jsonl":
        return _jsonl(meta, records)
    if fmt == "parquet":
        return _parquet(meta, records)
    raise ValueError(f"unknown bundle format {fmt!r} (jsonl or parquet)")


def _line(kind: str, obj: dict[str, Any]) -> str:
    return json.dumps({"type": kind, **obj}, separators=(",", ":"), ensure_ascii=False) + "\n"


def _jsonl(meta: dict[str, Any], records: list[RecordRow]) -> bytes:
    out = io.StringIO()
    out.write(_line("header", meta["header"]))
    out.write(_line("frontier", meta["frontier"]))
    for seq, ts_ns, kind, payload, prev, h in records:
        out.write(
            _line(
                "record",
                {
                    "seq": seq,
                    "ts_ns": ts_ns,
                    "kind": kind,
                    "payload": payload.decode(),
                    "prev_hash": prev.hex(),
                    "hash": h.hex(),
                },
            )
        )
    for cp in meta["checkpoints"]:
        out.write(_line("checkpoint", cp))
    if "inclusion" in meta:
        out.write(_line("inclusion", meta["inclusion"]))
    return out.getvalue().encode()


def _parquet(meta: dict[str, Any], records: list[RecordRow]) -> bytes:
    columns: list[Any] = list(zip(*records, strict=True)) if records else [[]] * 6
    schema = pa.schema(
        [
            ("seq", pa.int64()),
            ("ts_ns", pa.int64()),
            ("kind", pa.string()),
            ("payload", pa.binary()),
            ("prev_hash", pa.binary()),
            ("hash", pa.binary()),
        ],
        metadata={"optionswarm.audit": json.dumps(meta, separators=(",", ":"))},
    )
    table = pa.Table.from_arrays(
        [pa.array(c, t) for c, t in zip(columns, schema.types, strict=True)], schema=schema
    )
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return bytes(sink.getvalue().to_pybytes())


def export_bundle(
    log: AuditLog,
    path: str,
    *,
    from_seq: int = 0,
    to_seq: int | None = None,
    fmt: BundleFormat = "jsonl",
    ts_ns: int | None = None,
) -> dict[str, Any]:
    """Write a bundle of records ``[from_seq, to_seq)`` to ``path``; returns its header."""
    meta, records = build_bundle(log, from_seq, to_seq, ts_ns)
    with open(path, "wb") as fh:
        fh.write(bundle_bytes(meta, records, fmt))
    header: dict[str, Any] = meta["header"]
    return header
