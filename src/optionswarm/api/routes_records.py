"""The audit log, backtest jobs and the configuration."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel

from optionswarm.api.deps import Caller, ServiceDep, require
from optionswarm.api.errors import responses
from optionswarm.api.security import Permission
from optionswarm.service import views as v
from optionswarm.service.core import Actor

__all__ = ["router"]

router = APIRouter(prefix="/api")
Exporter = Annotated[Actor, Depends(require(Permission.AUDIT_EXPORT))]
Backtester = Annotated[Actor, Depends(require(Permission.BACKTESTS))]
ConfigAdmin = Annotated[Actor, Depends(require(Permission.CONFIG))]
JobId = Annotated[str, Path(min_length=1, max_length=64)]
_MAX_SEQ = 2**62


@router.get(
    "/audit", response_model=v.AuditPage, tags=["audit"], responses=responses(401, 422, 429)
)
async def audit(
    service: ServiceDep,
    _: Caller,
    kind: Annotated[str | None, Query(min_length=1, max_length=128)] = None,
    after_seq: Annotated[int, Query(ge=-1, le=_MAX_SEQ)] = -1,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> v.AuditPage:
    """Records with ``seq > after_seq`` (optionally of one kind), oldest first."""
    return service.audit_ops.records(kind, after_seq, limit)


@router.get(
    "/audit/verify", response_model=v.AuditVerify, tags=["audit"], responses=responses(401, 429)
)
async def verify(service: ServiceDep, _: Caller) -> v.AuditVerify:
    """Recompute every hash, chain link and signed checkpoint of the log."""
    return service.audit_ops.verify()


@router.get(
    "/audit/records/{seq}/proof",
    response_model=v.AuditProof,
    tags=["audit"],
    responses=responses(401, 404, 422, 429),
)
async def proof(
    service: ServiceDep, _: Caller, seq: Annotated[int, Path(ge=0, le=_MAX_SEQ)]
) -> v.AuditProof:
    """An inclusion proof of one record in a signed checkpoint (checked server-side too)."""
    return service.audit_ops.proof(seq)


@router.get(
    "/audit/export",
    response_class=Response,
    tags=["audit"],
    responses={
        200: {"content": {"application/zip": {}}, "description": "bundle.jsonl + public key"},
        **responses(401, 403, 404, 429),
    },
)
async def export(service: ServiceDep, actor: Exporter) -> Response:
    """A zip of the self-verifiable bundle and the public key (admin; audited)."""
    data = service.export_audit(actor)
    headers = {"Content-Disposition": 'attachment; filename="audit-bundle.zip"'}
    return Response(data, media_type="application/zip", headers=headers)


@router.post(
    "/backtests",
    response_model=v.Job,
    status_code=202,
    tags=["backtests"],
    responses=responses(400, 401, 403, 413, 422, 429),
)
async def start_backtest(service: ServiceDep, actor: Backtester, body: v.BacktestRequest) -> v.Job:
    """Queue a backtest; it runs in its own process (poll the job for progress)."""
    return service.start_backtest(body, actor)


@router.get(
    "/backtests", response_model=list[v.Job], tags=["backtests"], responses=responses(401, 429)
)
async def backtests(service: ServiceDep, _: Caller) -> list[v.Job]:
    """Every kept job, newest first."""
    return service.jobs.all_jobs()


@router.get(
    "/backtests/{job_id}",
    response_model=v.Job,
    tags=["backtests"],
    responses=responses(401, 404, 422, 429),
)
async def backtest(service: ServiceDep, _: Caller, job_id: JobId) -> v.Job:
    """One job: state and progress (0..1)."""
    return service.jobs.get(job_id)


@router.get(
    "/backtests/{job_id}/result",
    response_class=FileResponse,
    tags=["backtests"],
    responses={
        200: {"content": {"application/json": {}}, "description": "The results document"},
        **responses(401, 404, 409, 422, 429),
    },
)
async def backtest_result(service: ServiceDep, _: Caller, job_id: JobId) -> FileResponse:
    """The results JSON of a finished job."""
    return FileResponse(service.jobs.output(job_id, "result.json"), media_type="application/json")


@router.get(
    "/backtests/{job_id}/report",
    response_class=FileResponse,
    tags=["backtests"],
    responses={
        200: {"content": {"text/html": {}}, "description": "The HTML report"},
        **responses(401, 404, 409, 422, 429),
    },
)
async def backtest_report(service: ServiceDep, _: Caller, job_id: JobId) -> FileResponse:
    """The HTML report of a finished job."""
    return FileResponse(service.jobs.output(job_id, "report.html"), media_type="text/html")


@router.get("/config", response_model=v.ConfigView, tags=["config"], responses=responses(401, 429))
async def config(service: ServiceDep, _: Caller) -> v.ConfigView:
    """The running settings (secrets redacted) and the changes staged for the next start."""
    return service.settings_ops.read()


@router.patch(
    "/config",
    response_model=v.ConfigPatchResult,
    tags=["config"],
    responses=responses(400, 401, 403, 413, 422, 429),
)
async def patch_config(
    service: ServiceDep, actor: ConfigAdmin, body: v.ConfigPatch
) -> v.ConfigPatchResult:
    """Validate and stage changes (``{"changes": {"risk.flatten_on_kill": true}}``); they take
    effect at the next start (admin; audited)."""
    model = cast(BaseModel, body.changes)  # a model built from Settings at import
    changes = model.model_dump(mode="json", by_alias=True, exclude_unset=True)
    return service.patch_config(changes, actor)
