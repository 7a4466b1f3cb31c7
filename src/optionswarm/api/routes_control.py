"""Approvals and risk: the queue of orders waiting for a person, breakers and the kill switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path

from optionswarm.api.deps import Caller, ServiceDep, require
from optionswarm.api.errors import responses
from optionswarm.api.security import Permission
from optionswarm.oversight.states import ApprovalStatus
from optionswarm.service import views as v
from optionswarm.service.core import Actor

__all__ = ["router"]

router = APIRouter(prefix="/api")
Approver = Annotated[Actor, Depends(require(Permission.APPROVE))]
Killer = Annotated[Actor, Depends(require(Permission.KILL))]
BreakerAdmin = Annotated[Actor, Depends(require(Permission.BREAKERS))]
Releaser = Annotated[Actor, Depends(require(Permission.RELEASE))]
RequestId = Annotated[str, Path(min_length=1, max_length=128)]
BreakerName = Annotated[str, Path(min_length=1, max_length=64)]
_DECIDE = responses(400, 401, 403, 404, 409, 413, 422, 429)
_ACTION = responses(400, 401, 403, 404, 409, 413, 422, 429)


@router.get(
    "/approvals",
    response_model=list[v.Approval],
    tags=["approvals"],
    responses=responses(401, 422, 429),
)
async def approvals(
    service: ServiceDep, _: Caller, status: ApprovalStatus | None = None
) -> list[v.Approval]:
    """Approval requests, newest first (optionally one status); each carries everything an
    approver needs: reasons, max loss, margin, Greeks before/after, the decision and checks."""
    return service.approvals(None if status is None else status.value)


@router.get(
    "/approvals/{request_id}",
    response_model=v.Approval,
    tags=["approvals"],
    responses=responses(401, 404, 422, 429),
)
async def approval(service: ServiceDep, _: Caller, request_id: RequestId) -> v.Approval:
    """One approval request."""
    return service.approval(request_id)


@router.post(
    "/approvals/{request_id}/approve",
    response_model=v.Approval,
    tags=["approvals"],
    responses=_DECIDE,
)
async def approve(
    service: ServiceDep,
    actor: Approver,
    request_id: RequestId,
    body: Annotated[v.DecisionComment | None, Body()] = None,
) -> v.Approval:
    """Approve (four eyes above the threshold; never your own order; risk is re-checked).
    Refused -> 409 with the code (``self_approval``, ``already_decided``, ``price_moved``...)."""
    return service.decide(request_id, True, actor, body.comment if body else "")


@router.post(
    "/approvals/{request_id}/reject",
    response_model=v.Approval,
    tags=["approvals"],
    responses=_DECIDE,
)
async def reject(
    service: ServiceDep,
    actor: Approver,
    request_id: RequestId,
    body: Annotated[v.DecisionComment | None, Body()] = None,
) -> v.Approval:
    """Reject: the order is refused and never executed."""
    return service.decide(request_id, False, actor, body.comment if body else "")


@router.get("/risk", response_model=v.Risk, tags=["risk"], responses=responses(401, 429))
async def risk(service: ServiceDep, _: Caller) -> v.Risk:
    """Trading state, kill switch, every breaker, limits and their usage."""
    return service.risk_state()


@router.post("/risk/kill", response_model=v.RiskAction, tags=["risk"], responses=_ACTION)
async def kill(service: ServiceDep, actor: Killer, body: v.ReasonRequest) -> v.RiskAction:
    """The kill switch: halt trading, cancel every working order (audited)."""
    return service.kill(actor, body.reason)


@router.post(
    "/risk/release",
    response_model=v.RiskAction,
    tags=["risk"],
    responses=responses(401, 403, 409, 429),
)
async def release(service: ServiceDep, actor: Releaser) -> v.RiskAction:
    """Lift the trading state one step (HALTED -> REDUCING -> ACTIVE); refused while a breaker
    that forces the state is still tripped (admin)."""
    return service.release(actor)


@router.post(
    "/risk/breakers/{name}/trip", response_model=v.RiskAction, tags=["risk"], responses=_ACTION
)
async def trip(
    service: ServiceDep, actor: BreakerAdmin, name: BreakerName, body: v.ReasonRequest
) -> v.RiskAction:
    """Trip a breaker by hand (admin)."""
    return service.trip_breaker(name, actor, body.reason)


@router.post(
    "/risk/breakers/{name}/reset",
    response_model=v.RiskAction,
    tags=["risk"],
    responses=responses(401, 403, 404, 409, 422, 429),
)
async def reset(service: ServiceDep, actor: BreakerAdmin, name: BreakerName) -> v.RiskAction:
    """Reset a tripped breaker (admin); then ``release`` lifts the trading state."""
    return service.reset_breaker(name, actor)
