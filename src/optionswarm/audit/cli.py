"""``optionswarm audit ...``: verify the log, prove records, export and check bundles, archive.

The CLI is the edge of the system, so it is where the wall clock is read (for checkpoints signed
on demand); the engine itself only takes times from its caller.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated, Any

import msgspec
import typer

from optionswarm.audit.export import BundleFormat
from optionswarm.audit.log import AuditLog
from optionswarm.audit.types import AuditConfig
from optionswarm.audit.verifier import VerificationResult, verify_bundle

__all__ = ["app"]

app = typer.Typer(name="audit", help="Tamper-evident audit log: verify, prove, export, archive.")

DbOpt = Annotated[
    str, typer.Option("--db", envvar="OPTIONSWARM_AUDIT_DB", help="SQLAlchemy URL of the store.")
]
KeyOpt = Annotated[
    Path, typer.Option("--key", envvar="OPTIONSWARM_AUDIT_KEY", help="Ed25519 key file (0600).")
]
ColdOpt = Annotated[
    str, typer.Option("--cold", envvar="OPTIONSWARM_AUDIT_COLD", help="Cold store dir or URI.")
]
LogIdOpt = Annotated[str, typer.Option("--log-id", help="Log identifier signed into checkpoints.")]
PrefixOpt = Annotated[str, typer.Option("--prefix", help="Table name prefix.")]

_DEFAULT_DB = "sqlite:///optionswarm-audit.db"
_DEFAULT_KEY = Path("audit-signing-key.pem")


def _open(db: str, key: Path, cold: str, log_id: str, prefix: str) -> AuditLog:
    config = AuditConfig(log_id=log_id, key_path=str(key), cold_uri=cold, table_prefix=prefix)
    return AuditLog.from_config(config, db, clock=time.time_ns)


def _jsonable(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return value


def _emit(obj: Any) -> None:
    typer.echo(json.dumps(_jsonable(msgspec.to_builtins(obj, builtin_types=(bytes,))), indent=2))


def _report(result: VerificationResult) -> None:
    typer.echo(
        json.dumps(
            {
                "ok": result.ok,
                "reason": str(result.reason),
                "first_bad_seq": result.first_bad_seq,
                "message": result.message,
                "checked_records": result.checked_records,
                "checked_checkpoints": result.checked_checkpoints,
            },
            indent=2,
        )
    )
    if not result.ok:
        raise typer.Exit(1)


@app.command("verify")
def verify_cmd(
    *,
    db: DbOpt = _DEFAULT_DB,
    key: KeyOpt = _DEFAULT_KEY,
    cold: ColdOpt = "audit-archive",
    log_id: LogIdOpt = "optionswarm",
    prefix: PrefixOpt = "audit_",
    workers: Annotated[int, typer.Option("--workers", help="Processes for big logs.")] = 1,
) -> None:
    """Recompute every hash, link, subtree and signed root; report the first bad record."""
    _report(_open(db, key, cold, log_id, prefix).verify(workers))


@app.command("prove")
def prove_cmd(
    record_id: Annotated[int, typer.Argument(help="Sequence number of the record.")],
    *,
    db: DbOpt = _DEFAULT_DB,
    key: KeyOpt = _DEFAULT_KEY,
    cold: ColdOpt = "audit-archive",
    log_id: LogIdOpt = "optionswarm",
    prefix: PrefixOpt = "audit_",
) -> None:
    """Print an inclusion proof of RECORD_ID in the latest signed checkpoint."""
    log = _open(db, key, cold, log_id, prefix)
    try:
        proof = log.prove_inclusion(record_id)
    except KeyError as exc:
        typer.echo(str(exc.args[0]), err=True)
        raise typer.Exit(2) from exc
    _emit({"public_key": log.public_key, "proof": proof})


@app.command("export")
def export_cmd(
    *,
    out: Annotated[Path, typer.Option("--out", help="Bundle file to write.")],
    from_seq: Annotated[int, typer.Option("--from", help="First record (inclusive).")] = 0,
    to_seq: Annotated[int | None, typer.Option("--to", help="End record (exclusive).")] = None,
    fmt: Annotated[str, typer.Option("--format", help="jsonl or parquet.")] = "jsonl",
    db: DbOpt = _DEFAULT_DB,
    key: KeyOpt = _DEFAULT_KEY,
    cold: ColdOpt = "audit-archive",
    log_id: LogIdOpt = "optionswarm",
    prefix: PrefixOpt = "audit_",
) -> None:
    """Write a self-verifiable bundle of records [--from, --to)."""
    if fmt not in ("jsonl", "parquet"):
        raise typer.BadParameter("--format must be jsonl or parquet")
    bundle_fmt: BundleFormat = "jsonl" if fmt == "jsonl" else "parquet"
    log = _open(db, key, cold, log_id, prefix)
    header = log.export(str(out), from_seq=from_seq, to_seq=to_seq, fmt=bundle_fmt)
    typer.echo(json.dumps({"written": str(out), **header}, indent=2))


@app.command("verify-bundle")
def verify_bundle_cmd(
    bundle: Annotated[Path, typer.Argument(help="Bundle file (JSON Lines or Parquet).")],
    public_key: Annotated[
        str | None, typer.Option("--public-key", help="Trusted Ed25519 public key (hex).")
    ] = None,
) -> None:
    """Verify an exported bundle with nothing but the bundle (and optionally a trusted key)."""
    _report(verify_bundle(str(bundle), bytes.fromhex(public_key) if public_key else None))


@app.command("archive")
def archive_cmd(
    *,
    upto: Annotated[
        int | None, typer.Option("--upto", help="Archive records below this (default: policy).")
    ] = None,
    db: DbOpt = _DEFAULT_DB,
    key: KeyOpt = _DEFAULT_KEY,
    cold: ColdOpt = "audit-archive",
    log_id: LogIdOpt = "optionswarm",
    prefix: PrefixOpt = "audit_",
) -> None:
    """Move closed periods (or records below --upto) to the cold store."""
    log = _open(db, key, cold, log_id, prefix)
    doc = log.apply_retention() if upto is None else log.archive(upto)
    typer.echo(json.dumps(doc or {"archived": None}, indent=2))
