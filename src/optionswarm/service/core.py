"""``TradingService``: the one facade the API, the CLI and the dashboard call (freqtrade's RPC).

It reads the running node (portfolio, orders, fills, agents, decisions, approvals, risk, chain)
and carries out operator actions on it (manual orders through oversight and risk, cancel,
approve/reject, kill switch, breakers, release, replay pause/resume), each audited with its actor.
Audit queries, configuration and backtest jobs live in helpers it owns (:mod:`.audit_ops`,
:mod:`.settings_ops`, :mod:`.jobs`). Transports map :mod:`.errors` onto their own codes.

Threading: the node is single-threaded; call every method from the thread (event loop) that
drives it. Nothing here blocks on the network.
"""

from __future__ import annotations

import collections
import inspect
import uuid
from typing import Any

import msgspec
from prometheus_client import CollectorRegistry

from optionswarm._version import __version__
from optionswarm.engine.events import PortfolioSnapshot
from optionswarm.engine.topics import BARS, CHAINS, FILLS, ORDERS, PORTFOLIO, SESSIONS
from optionswarm.execution import OrderState, UnknownOrderError
from optionswarm.execution.states import IllegalOrderTransitionError
from optionswarm.model import (
    ChainSnapshot,
    Fill,
    ModelValidationError,
    OrderIntent,
    OrderLeg,
    Side,
    TimeInForce,
    underlying_for_root,
)
from optionswarm.monitoring.metrics import render_metrics
from optionswarm.oversight.service import ApprovalRefusedError, OversightService
from optionswarm.oversight.states import ApprovalStatus
from optionswarm.risk import (
    RiskEngine,
)
from optionswarm.service import convert
from optionswarm.service import views as v
from optionswarm.service.agents_view import agent_views, latest_decisions
from optionswarm.service.audit_ops import AuditOps
from optionswarm.service.errors import (
    InvalidRequestError,
    NotFoundError,
    RefusedError,
)
from optionswarm.service.jobs import BacktestJobs
from optionswarm.service.ports import Actor, RuntimeLike
from optionswarm.service.risk_ops import RiskOps
from optionswarm.service.risk_view import risk_view
from optionswarm.service.settings_ops import SettingsOps

__all__ = ["Actor", "RuntimeLike", "TradingService"]

_READY_STATES = frozenset({"running", "ready", "paused", "holding", "finished"})


class TradingService:
    """The facade; build it once per runtime (it subscribes to fills, chains and snapshots)."""

    def __init__(self, runtime: RuntimeLike, *, jobs: BacktestJobs | None = None) -> None:
        self.runtime = runtime
        node = runtime.node
        self.node = node
        if not isinstance(node.risk, RiskEngine):
            raise TypeError("the service needs a node with the real risk engine")
        self.risk: RiskEngine = node.risk
        self.audit_ops = AuditOps(runtime.audit, node.clock.now_ns)
        self.risk_ops = RiskOps(self.risk, self._act)
        state_dir = runtime.settings.api.state_dir
        self.settings_ops = SettingsOps(runtime.settings, state_dir)
        self.jobs = jobs or BacktestJobs(state_dir / "backtests")
        self._fills: collections.deque[Fill] = collections.deque(maxlen=10_000)
        self._fill_value: dict[str, float] = {}
        self._chains: dict[str, ChainSnapshot] = {}
        self._snapshot: PortfolioSnapshot | None = None
        self._version = 0  # bumped by every market or book event: a key for cached views
        store = node.order_manager.store
        for fill in store.load_fills() if store is not None else ():  # fills already stored
            self._on_fill(fill)
        bus = node.bus
        bus.subscribe(FILLS, self._on_fill)
        bus.subscribe(CHAINS, self._on_chain)
        bus.subscribe(PORTFOLIO, self._on_snapshot)
        bus.subscribe(BARS, self._bump)
        bus.subscribe(SESSIONS, self._bump)

    # -- feeds -------------------------------------------------------------------------------
    def _bump(self, _: object = None) -> None:
        self._version += 1

    def book_key(self) -> tuple[int, int]:
        """Changes whenever positions, marks or the clock may have: views keyed by it can be
        reused until then (the clock counts in whole seconds)."""
        return (self._version, self.now_ns() // 1_000_000_000)

    def _on_fill(self, fill: Fill) -> None:
        self._version += 1
        self._fills.append(fill)
        cid = fill.client_order_id
        self._fill_value[cid] = self._fill_value.get(cid, 0.0) + fill.signed_quantity * fill.price

    def _on_chain(self, chain: ChainSnapshot) -> None:
        self._version += 1
        self._chains[chain.underlying] = chain
        if len(chain):
            self._chains[underlying_for_root(str(chain.root[0]))] = chain

    def _on_snapshot(self, snapshot: PortfolioSnapshot) -> None:
        self._version += 1
        self._snapshot = snapshot

    def close(self) -> None:
        """Stop background work (a running backtest process)."""
        self.jobs.close()

    def now_ns(self) -> int:
        """The node's clock."""
        return self.node.clock.now_ns()

    def record(self, kind: str, payload: dict[str, Any]) -> None:
        """Append one record to the audit log (logins, denials, actions)."""
        self.runtime.audit.append(kind, payload, self.now_ns())

    def _act(self, kind: str, actor: Actor, **payload: Any) -> None:
        self.record(kind, {**actor.as_payload(), **payload})

    # -- health and status -------------------------------------------------------------------
    def metrics(self, accept: str | None = None) -> tuple[bytes, str]:
        """The node's Prometheus metrics (``runtime.metrics``; none kept: an empty page) and
        their content type, negotiated from ``accept`` (OpenMetrics when asked for)."""
        node_metrics = getattr(self.runtime, "metrics", None)
        if node_metrics is None:
            return render_metrics(CollectorRegistry(), accept)
        body, content_type = node_metrics.render(accept)
        return body, content_type

    @staticmethod
    def health() -> v.Health:
        """Liveness."""
        return v.Health(version=__version__)

    def ready(self) -> v.Ready:
        """Readiness: every component running (the replay may be paused, holding or done)."""
        components = self.runtime.components_state()
        ready = all(state in _READY_STATES for state in components.values())
        return v.Ready(ready=ready, components=components)

    def replay_status(self) -> v.ReplayStatus | None:
        """Where the replay is (None without one)."""
        replay = self.runtime.replay
        if replay is None:
            return None
        status = replay.status()
        data = status if isinstance(status, dict) else _builtins(status)
        return v.ReplayStatus.model_validate(data)

    def status(self) -> v.Status:
        """The header line of the dashboard."""
        risk = self.risk.status()
        oversight = self.runtime.oversight
        pending = 0 if oversight is None else len(oversight.list_requests(ApprovalStatus.PENDING))
        return v.Status(
            mode=self.runtime.settings.mode,
            ts_ns=self.now_ns(),
            trading_state=risk.trading_state.value,
            kill_engaged=risk.kill_engaged,
            replay=self.replay_status(),
            equity=self.node.portfolio.equity(),
            pnl_today=None if self._snapshot is None else self._snapshot.pnl,
            pending_approvals=pending,
        )

    async def pause_replay(self, actor: Actor) -> v.ReplayStatus:
        """Pause the replay (audited)."""
        return await self._replay_call("pause", actor)

    async def resume_replay(self, actor: Actor) -> v.ReplayStatus:
        """Resume the replay (audited)."""
        return await self._replay_call("resume", actor)

    async def _replay_call(self, action: str, actor: Actor) -> v.ReplayStatus:
        replay = self.runtime.replay
        if replay is None:
            raise NotFoundError("no_replay", "this node runs no replay")
        result = getattr(replay, action)()
        if inspect.isawaitable(result):
            await result
        self._act(f"api.replay_{action}", actor)
        status = self.replay_status()
        assert status is not None
        return status

    # -- portfolio ---------------------------------------------------------------------------
    def portfolio(self) -> v.Portfolio:
        """Equity, P&L, Greeks against their limits, margin and the equity curve."""
        portfolio = self.node.portfolio
        risk = self.risk.status()
        marks = portfolio.marks()
        realized = sum(t.pnl for t in portfolio.ledger.closed)
        unrealized = sum(t.pnl for t in portfolio.ledger.open_trades(marks))
        bounds = self.risk.config.greeks.total
        curve = [v.EquityPoint(ts_ns=s.ts_ns, equity=s.equity) for s in portfolio.snapshots]
        return v.Portfolio(
            ts_ns=self.now_ns(),
            equity=portfolio.equity(),
            cash=portfolio.cash,
            pnl_today=None if self._snapshot is None else self._snapshot.pnl,
            realized_pnl=realized,
            unrealized_pnl=unrealized,
            greeks=convert.greeks_of(risk.greeks),
            limits=v.Greeks(
                delta=bounds.delta, gamma=bounds.gamma, vega=bounds.vega, theta=bounds.theta
            ),
            margin=risk.margin_capital,
            buying_power=risk.buying_power,
            equity_curve=curve[-2_000:],
        )

    def _position_views(self) -> dict[str, v.Position]:
        portfolio = self.node.portfolio
        trade_of = {s: t.trade_id for t in portfolio.ledger.open_trades({}) for s in t.symbols}
        now = self.now_ns()
        market = self.risk.market
        return {
            symbol: convert.position_view(
                p,
                portfolio.risk.get(symbol),
                now,
                trade_of.get(symbol),
                convert.dollar_greeks(p, market.option(symbol), market.underlying(symbol)),
            )
            for symbol, p in sorted(portfolio.positions.items())
        }

    def positions(self) -> list[v.Position]:
        """Every open position with its mark and Greeks."""
        return list(self._position_views().values())

    def structures(self) -> list[v.Structure]:
        """Open trades grouped as structures; ``max_loss`` is the opening order's as measured
        for its approval (None when it needed none)."""
        portfolio = self.node.portfolio
        trades = portfolio.ledger.open_trades(portfolio.marks())
        views = convert.structure_views(trades, self._position_views())
        oversight = self.runtime.oversight
        if oversight is None:
            return views
        out = []
        for view in views:
            stored = oversight.store.load_by_order(view.structure_id)
            loss = None if stored is None else stored.request.max_loss
            out.append(view.model_copy(update={"max_loss": loss}))
        return out

    # -- orders and fills --------------------------------------------------------------------
    def _order_view(self, cid: str) -> v.Order:
        record = self.node.order_manager.get(cid)
        units = record.filled_quantity
        value = self._fill_value.get(cid)
        avg = None if value is None or units == 0 else value / units
        return convert.order_view(record, avg)

    def orders(self, state: str | None = None, limit: int = 100) -> list[v.Order]:
        """Orders, newest first, optionally of one state."""
        records = self.node.order_manager.orders.values()
        chosen = [r for r in records if state is None or r.state.value == state]
        chosen.sort(key=lambda r: (r.updated_ns, r.client_order_id), reverse=True)
        return [self._order_view(r.client_order_id) for r in chosen[:limit]]

    def order(self, client_order_id: str) -> v.Order:
        """One order (``NotFoundError`` if none)."""
        try:
            return self._order_view(client_order_id)
        except UnknownOrderError:
            raise NotFoundError("order_not_found", f"no order {client_order_id!r}") from None

    def submit_order(self, request: v.SubmitOrder, actor: Actor) -> v.Order:
        """A manual order: through oversight (policy) and risk like any other; audited."""
        cid = request.client_order_id or f"manual-{uuid.uuid4().hex[:16]}"
        if cid in self.node.order_manager.orders:
            raise RefusedError("duplicate_client_order_id", f"order id {cid!r} is already used")
        try:
            intent = OrderIntent(
                client_order_id=cid,
                underlying=request.underlying,
                legs=tuple(
                    OrderLeg(symbol=leg.symbol, side=Side(leg.side), ratio=leg.ratio)
                    for leg in request.legs
                ),
                quantity=request.quantity,
                limit_price=request.limit_price,
                ts_ns=self.now_ns(),
                tif=TimeInForce(request.tif.upper()),
                source="manual",
                structure=request.structure,
                tag=cid,
            )
        except ModelValidationError as exc:
            raise InvalidRequestError("invalid_order", str(exc)) from None
        self._act("api.order_submitted", actor, client_order_id=cid, order=_builtins(intent))
        oversight = self.runtime.oversight
        if oversight is not None:
            oversight.place_manual(intent, actor.username)
        else:
            self.node.bus.publish(ORDERS, intent)
        return self.order(cid)

    def cancel_order(self, client_order_id: str, actor: Actor) -> v.Order:
        """Cancel a working order or one waiting for approval (audited)."""
        manager = self.node.order_manager
        record = manager.orders.get(client_order_id)
        if record is None:
            raise NotFoundError("order_not_found", f"no order {client_order_id!r}")
        cancellable = record.is_working or record.state is OrderState.PENDING_APPROVAL
        if not cancellable or record.state is OrderState.CANCEL_PENDING:
            message = f"order {client_order_id} is {record.state.value}: nothing to cancel"
            raise RefusedError("not_cancellable", message)
        try:
            manager.cancel(client_order_id, f"cancelled by {actor.username}")
        except IllegalOrderTransitionError as exc:
            raise RefusedError("not_cancellable", str(exc)) from None
        self._act("api.order_cancelled", actor, client_order_id=client_order_id)
        return self.order(client_order_id)

    def fills(self, limit: int = 100) -> list[v.Fill]:
        """The latest fills, newest first."""
        recent = list(self._fills)[-limit:]
        return [convert.fill_view(f) for f in reversed(recent)]

    # -- agents and decisions ----------------------------------------------------------------
    def agents(self) -> list[v.Agent]:
        """The swarm's agents with their latest views and track records (empty without one)."""
        return agent_views(self.node.strategy)

    def decisions(self, limit: int = 50) -> list[v.DecisionView]:
        """The latest consensus decisions, newest first."""
        return [convert.decision_view(d) for d in latest_decisions(self.node.strategy, limit)]

    # -- approvals ---------------------------------------------------------------------------
    def _oversight(self) -> OversightService:
        oversight = self.runtime.oversight
        if oversight is None:
            raise NotFoundError("no_oversight", "this node runs no approval queue")
        return oversight

    def approvals(self, status: str | None = None) -> list[v.Approval]:
        """Approval requests, newest first (optionally one status)."""
        oversight = self.runtime.oversight
        if oversight is None:
            return []
        wanted = None if status is None else ApprovalStatus(status)
        requests = oversight.list_requests(wanted)
        return [convert.approval_view(r) for r in reversed(requests)]

    def approval(self, request_id: str) -> v.Approval:
        """One approval request."""
        try:
            return convert.approval_view(self._oversight().get(request_id))
        except ApprovalRefusedError as exc:
            raise _approval_error(exc) from None

    def decide(self, request_id: str, approve: bool, actor: Actor, comment: str) -> v.Approval:
        """Approve or reject (the approval queue audits the decision; refusals are audited)."""
        oversight = self._oversight()
        try:
            if approve:
                request = oversight.approve(request_id, actor.username, comment)
            else:
                request = oversight.reject(request_id, actor.username, comment)
        except ApprovalRefusedError as exc:
            verb = "approve" if approve else "reject"
            self._act(f"api.{verb}_refused", actor, request_id=request_id, code=exc.code)
            raise _approval_error(exc) from None
        return convert.approval_view(request)

    # -- risk --------------------------------------------------------------------------------
    def risk_state(self) -> v.Risk:
        """Trading state, breakers, limits and usage."""
        return risk_view(self.risk)

    def kill(self, actor: Actor, reason: str) -> v.RiskAction:
        """The kill switch: halt, cancel working orders (flatten if configured)."""
        return self.risk_ops.kill(actor, reason)

    def release(self, actor: Actor) -> v.RiskAction:
        """Lift the trading state one step (HALTED -> REDUCING -> ACTIVE)."""
        return self.risk_ops.release(actor)

    def trip_breaker(self, name: str, actor: Actor, reason: str) -> v.RiskAction:
        """Trip a breaker by hand (it forces its trading state until reset)."""
        return self.risk_ops.trip_breaker(name, actor, reason)

    def reset_breaker(self, name: str, actor: Actor) -> v.RiskAction:
        """Reset a tripped breaker (the trading state is lifted by ``release``)."""
        return self.risk_ops.reset_breaker(name, actor)

    # -- audit, configuration, backtests (privileged ones audited here) ---------------------
    def export_audit(self, actor: Actor) -> bytes:
        """A zip of the self-verifiable bundle and the public key (audited)."""
        self._act("api.audit_export", actor, size=self.runtime.audit.size)
        return self.audit_ops.export_zip()

    def patch_config(self, changes: dict[str, Any], actor: Actor) -> v.ConfigPatchResult:
        """Validate and stage settings changes for the next start (audited)."""
        result = self.settings_ops.patch(changes)
        self._act("config.changed", actor, changes=result.applied)
        return result

    def start_backtest(self, request: v.BacktestRequest, actor: Actor) -> v.Job:
        """Queue a backtest in its own process (audited)."""
        job = self.jobs.submit(request, actor.username)
        self._act("api.backtest_started", actor, job_id=job.job_id, params=job.params)
        return job

    # -- chain -------------------------------------------------------------------------------
    def chain(self, underlying: str | None = None) -> v.Chain:
        """The latest (modelled) chain of an underlying with each contract's dollar Greeks."""
        name = underlying or self.runtime.settings.backtest.underlying
        chain = self._chains.get(name)
        if chain is None:
            raise NotFoundError("no_chain", f"no chain of {name!r} has been seen yet")
        return convert.chain_view(name, chain, self.risk.market.options.values())


def _approval_error(exc: ApprovalRefusedError) -> NotFoundError | RefusedError:
    if exc.code == "not_found":
        return NotFoundError("approval_not_found", exc.message)
    return RefusedError(exc.code, exc.message)


def _builtins(obj: Any) -> Any:
    return msgspec.to_builtins(obj)
