"""Status, replay, portfolio, positions, orders, fills, agents, decisions and the chain."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from pydantic import TypeAdapter

from optionswarm.api.deps import Caller, ServiceDep, require
from optionswarm.api.errors import responses
from optionswarm.api.security import Permission
from optionswarm.execution import OrderState
from optionswarm.service import views as v
from optionswarm.service.core import Actor
from optionswarm.service.errors import NotFoundError

__all__ = ["router"]

router = APIRouter(prefix="/api")
Trader = Annotated[Actor, Depends(require(Permission.ORDERS))]
ReplayControl = Annotated[Actor, Depends(require(Permission.REPLAY))]
OrderId = Annotated[str, Path(min_length=1, max_length=64)]
Limit = Annotated[int, Query(ge=1, le=1000)]
_READ = responses(401, 429)
_READ_Q = responses(401, 422, 429)
_ONE = responses(401, 404, 422, 429)


@router.get("/status", response_model=v.Status, tags=["status"], responses=_READ)
async def status(service: ServiceDep, _: Caller) -> v.Status:
    """Mode, time, trading state, replay progress, equity, P&L and pending approvals."""
    return service.status()


@router.get("/replay", response_model=v.ReplayStatus, tags=["replay"], responses=_ONE)
async def replay(service: ServiceDep, _: Caller) -> v.ReplayStatus:
    """Where the replay of history is (the data are real bars with modelled chains)."""
    found = service.replay_status()
    if found is None:
        raise NotFoundError("no_replay", "this node runs no replay")
    return found


@router.post(
    "/replay/pause",
    response_model=v.ReplayStatus,
    tags=["replay"],
    responses=responses(401, 403, 404, 429),
)
async def pause(service: ServiceDep, actor: ReplayControl) -> v.ReplayStatus:
    """Pause the replay (audited)."""
    return await service.pause_replay(actor)


@router.post(
    "/replay/resume",
    response_model=v.ReplayStatus,
    tags=["replay"],
    responses=responses(401, 403, 404, 429),
)
async def resume(service: ServiceDep, actor: ReplayControl) -> v.ReplayStatus:
    """Resume the replay (audited)."""
    return await service.resume_replay(actor)


@router.get("/portfolio", response_model=v.Portfolio, tags=["portfolio"], responses=_READ)
async def portfolio(service: ServiceDep, _: Caller) -> v.Portfolio:
    """Equity, cash, P&L, Greeks against their limits, margin and the equity curve."""
    return service.portfolio()


_POSITIONS = TypeAdapter(list[v.Position])


@router.get("/positions", response_model=list[v.Position], tags=["portfolio"], responses=_READ)
async def positions(service: ServiceDep, _: Caller, request: Request) -> Response:
    """Every open position with its mark and Greeks."""
    cache: dict[str, tuple[object, bytes]] = request.app.state.view_cache
    key = service.book_key()
    held = cache.get("positions")
    if held is None or held[0] != key:  # a dashboard polls: serialise once per book change
        held = cache["positions"] = (key, _POSITIONS.dump_json(service.positions()))
    return Response(held[1], media_type="application/json")


@router.get("/structures", response_model=list[v.Structure], tags=["portfolio"], responses=_READ)
async def structures(service: ServiceDep, _: Caller) -> list[v.Structure]:
    """Open positions grouped by the trade (structure) they belong to."""
    return service.structures()


@router.get("/orders", response_model=list[v.Order], tags=["orders"], responses=_READ_Q)
async def orders(
    service: ServiceDep, _: Caller, state: OrderState | None = None, limit: Limit = 100
) -> list[v.Order]:
    """Orders, newest first; optionally of one state."""
    return service.orders(None if state is None else state.value, limit)


@router.get("/orders/{client_order_id}", response_model=v.Order, tags=["orders"], responses=_ONE)
async def order(service: ServiceDep, _: Caller, client_order_id: OrderId) -> v.Order:
    """One order."""
    return service.order(client_order_id)


@router.post(
    "/orders",
    response_model=v.Order,
    status_code=201,
    tags=["orders"],
    responses=responses(400, 401, 403, 409, 413, 422, 429),
)
async def submit(service: ServiceDep, actor: Trader, body: v.SubmitOrder) -> v.Order:
    """A manual order. It goes through policy and risk like any other: the order returned may
    be ``pending_approval`` or ``denied`` with its reason (audited)."""
    return service.submit_order(body, actor)


@router.post(
    "/orders/{client_order_id}/cancel",
    response_model=v.Order,
    tags=["orders"],
    responses=responses(401, 403, 404, 409, 422, 429),
)
async def cancel(service: ServiceDep, actor: Trader, client_order_id: OrderId) -> v.Order:
    """Cancel a working order or one waiting for approval (audited)."""
    return service.cancel_order(client_order_id, actor)


@router.get("/fills", response_model=list[v.Fill], tags=["orders"], responses=_READ_Q)
async def fills(service: ServiceDep, _: Caller, limit: Limit = 100) -> list[v.Fill]:
    """The latest fills, newest first."""
    return service.fills(limit)


@router.get("/agents", response_model=list[v.Agent], tags=["swarm"], responses=_READ)
async def agents(service: ServiceDep, _: Caller) -> list[v.Agent]:
    """The swarm's agents: latest view, weight and measured track record."""
    return service.agents()


@router.get("/decisions", response_model=list[v.DecisionView], tags=["swarm"], responses=_READ_Q)
async def decisions(service: ServiceDep, _: Caller, limit: Limit = 50) -> list[v.DecisionView]:
    """The latest consensus decisions with each agent's contribution, newest first."""
    return service.decisions(limit)


@router.get("/chain", response_model=v.Chain, tags=["market"], responses=_ONE)
async def chain(
    service: ServiceDep,
    _: Caller,
    underlying: Annotated[str | None, Query(min_length=1, max_length=32)] = None,
) -> v.Chain:
    """The latest modelled option chain with each contract's dollar Greeks."""
    return service.chain(underlying)
