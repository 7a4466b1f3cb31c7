"""``optionswarm approvals list|show|approve|reject``: the approval queue from the command line.

It works on the persisted store (``--db``, env ``OPTIONSWARM_OVERSIGHT_DB``, default
``sqlite:///<data dir>/oversight.db``) through the same :class:`OversightService` the API and
dashboard use, and appends every decision to the audit log (``--audit-db`` / ``--audit-key``,
the audit CLI's variables). A running node carries the decision out (re-checking risk first)
on its next ``sync``. The CLI is the edge of the system, so it reads the wall clock.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import msgspec
import typer

from optionswarm.audit.log import AuditLog
from optionswarm.audit.types import AuditConfig
from optionswarm.bus import InProcessBus
from optionswarm.engine import WallClock
from optionswarm.oversight.config import OversightConfig
from optionswarm.oversight.service import ApprovalRefusedError, OversightService
from optionswarm.oversight.states import ApprovalStatus
from optionswarm.oversight.store import ApprovalStore
from optionswarm.oversight.types import ApprovalRequest
from optionswarm.storage.sql import create_sql_engine

__all__ = ["app", "default_db_url"]

app = typer.Typer(
    name="approvals", help="Human approval of high-risk trades.", no_args_is_help=True
)

DbOpt = Annotated[
    str | None,
    typer.Option("--db", envvar="OPTIONSWARM_OVERSIGHT_DB", help="SQLAlchemy URL of the store."),
]
AuditDbOpt = Annotated[
    str,
    typer.Option("--audit-db", envvar="OPTIONSWARM_AUDIT_DB", help="Audit log URL."),
]
AuditKeyOpt = Annotated[
    Path,
    typer.Option("--audit-key", envvar="OPTIONSWARM_AUDIT_KEY", help="Ed25519 key file."),
]
AuditColdOpt = Annotated[
    str,
    typer.Option("--audit-cold", envvar="OPTIONSWARM_AUDIT_COLD", help="Audit cold store."),
]
ActorOpt = Annotated[str, typer.Option("--actor", help="Who decides (recorded and audited).")]
CommentOpt = Annotated[str, typer.Option("--comment", help="Why.")]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def default_db_url() -> str:
    """``sqlite:///<OPTIONSWARM_DATA_DIR or var/data>/oversight.db``."""
    data_dir = Path(os.environ.get("OPTIONSWARM_DATA_DIR", "var/data"))
    return f"sqlite:///{data_dir / 'oversight.db'}"


def _service(db: str | None, audit: AuditLog | None = None) -> OversightService:
    url = db or default_db_url()
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    store = ApprovalStore(create_sql_engine(url))
    return OversightService(
        OversightConfig(), store, bus=InProcessBus(), clock=WallClock(), audit=audit
    )


def _audit(url: str, key: Path, cold: str) -> AuditLog:
    return AuditLog.from_config(AuditConfig(key_path=str(key), cold_uri=cold), url)


def _line(r: ApprovalRequest) -> str:
    loss = "unbounded" if r.max_loss is None else f"${r.max_loss:,.0f}"
    reasons = ", ".join(x.code for x in r.reasons)
    return (
        f"{r.request_id}  {r.status.value:<16} {r.intent.underlying:<6} {r.structure:<14}"
        f" qty {r.intent.quantity:<4} max loss {loss:<10} approvals"
        f" {len(r.approvers)}/{r.required_approvals}  [{reasons}]"
    )


def _emit(obj: Any) -> None:
    typer.echo(json.dumps(msgspec.to_builtins(obj), indent=2))


@app.command("list")
def list_command(
    db: DbOpt = None,
    status: Annotated[
        ApprovalStatus | None, typer.Option("--status", help="Only this status.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """List approval requests, oldest first (expired ones are marked expired on the way)."""
    requests = _service(db).list_requests(status)
    if as_json:
        _emit(requests)
        return
    for request in requests:
        typer.echo(_line(request))
    if not requests:
        typer.echo("no approval requests")


@app.command("show")
def show_command(request_id: str, db: DbOpt = None) -> None:
    """Everything the approver is shown for one request (JSON), with its votes."""
    service = _service(db)
    try:
        request = service.get(request_id)
    except ApprovalRefusedError as exc:
        typer.echo(exc.message, err=True)
        raise typer.Exit(2) from None
    _emit({"request": request, "votes": service.votes(request_id)})


def _decide(
    request_id: str,
    *,
    db: str | None,
    audit_db: str,
    audit_key: Path,
    audit_cold: str,
    decide: str,
    actor: str,
    comment: str,
) -> None:
    service = _service(db, _audit(audit_db, audit_key, audit_cold))
    try:
        method = service.approve if decide == "approve" else service.reject
        request = method(request_id, actor, comment)
    except ApprovalRefusedError as exc:
        typer.echo(f"refused ({exc.code}): {exc.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(_line(request))


def _decision_command(decide: str, doc: str) -> Callable[..., None]:
    """The ``approve`` or ``reject`` command: the same options, one decision."""

    def command(
        request_id: str,
        *,
        actor: ActorOpt,
        comment: CommentOpt = "",
        db: DbOpt = None,
        audit_db: AuditDbOpt = "sqlite:///optionswarm-audit.db",
        audit_key: AuditKeyOpt = Path("audit-signing-key.pem"),
        audit_cold: AuditColdOpt = "audit-archive",
    ) -> None:
        _decide(
            request_id,
            db=db,
            audit_db=audit_db,
            audit_key=audit_key,
            audit_cold=audit_cold,
            decide=decide,
            actor=actor,
            comment=comment,
        )

    command.__doc__ = doc
    command.__name__ = f"{decide}_command"
    return command


approve_command = app.command("approve")(
    _decision_command(
        "approve", "Approve a request (four eyes: a second, different approver may be needed)."
    )
)
reject_command = app.command("reject")(
    _decision_command("reject", "Reject a request: its order is never executed.")
)
