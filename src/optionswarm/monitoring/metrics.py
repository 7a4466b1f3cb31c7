"""``NodeMetrics``: Prometheus metrics of one node, fed by its bus, on its own registry.

Wiring (the runtime)::

    metrics = NodeMetrics.for_node(node)     # also times node.order_manager's risk gate
    metrics.start()                          # before node.start(): see each tick first
    node.start()
    body, content_type = render_metrics(metrics.registry)   # GET /metrics

Event rates are counted per topic; the tick-to-order histogram pairs a strategy's order with
the market event that caused it (see ``timing.TickToOrder``). The in-process bus delivers
depth-first in subscription order, so the component must subscribe before the strategy does;
on NATS, delivery is asynchronous and the latency includes the bus hop.
Breaker, trading-state and kill-switch gauges are read from the risk engine at scrape time when
it is at hand (``risk_state``), else follow the risk events; portfolio gauges follow snapshots.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, start_http_server
from prometheus_client.exposition import choose_encoder, generate_latest

from optionswarm.bus import MessageBus, Subscription, Topic
from optionswarm.engine import Clock, Component
from optionswarm.engine.events import OrderRejected, PortfolioSnapshot, StrategyDecision
from optionswarm.engine.topics import (
    BARS,
    CHAINS,
    DECISIONS,
    FILLS,
    ORDERS,
    PORTFOLIO,
    REJECTIONS,
    SESSIONS,
)
from optionswarm.execution.events import EXECUTION_NOTICES, ORDER_EVENTS, OrderEvent
from optionswarm.model import Bar, ChainSnapshot, OrderIntent, underlying_for_root
from optionswarm.monitoring.collectors import (
    BusCollector,
    CountsSource,
    QuarantineCollector,
    QueueDepthCollector,
)
from optionswarm.monitoring.instruments import Instruments
from optionswarm.monitoring.risk_state import RiskStateCollector
from optionswarm.monitoring.timing import SESSION_KEY, TickToOrder, TimedChatEngine, TimedRiskGate
from optionswarm.oversight.types import (
    APPROVAL_DECIDED,
    APPROVAL_EXPIRED,
    APPROVAL_REQUESTED,
    ApprovalDecided,
    ApprovalExpired,
    ApprovalRequested,
)
from optionswarm.risk.events import (
    RISK_TOPICS,
    BreakerReset,
    BreakerTripped,
    KillSwitchEngaged,
    RiskVerdict,
    TradingStateChanged,
)

if TYPE_CHECKING:
    from optionswarm.execution.manager import OrderManager
    from optionswarm.llm.types import ChatEngine
    from optionswarm.node import TradingNode
    from optionswarm.risk.engine import RiskEngine

__all__ = ["MetricsServer", "NodeMetrics", "exposed_names", "render_metrics"]

_Handler = Callable[[Any], None]
_GREEKS = ("delta", "gamma", "vega", "theta")


def render_metrics(registry: CollectorRegistry, accept: str | None = None) -> tuple[bytes, str]:
    """The registry as exposition text and its content type (OpenMetrics if ``accept`` asks)."""
    if accept is None:
        return generate_latest(registry), "text/plain; version=0.0.4; charset=utf-8"
    encoder, content_type = choose_encoder(accept)
    return encoder(registry), content_type


class MetricsServer:
    """``registry`` served at ``http://addr:port/metrics`` on a thread (roles without the API).

    ``port=0`` picks a free port; ``port`` then holds the one bound.
    """

    def __init__(self, registry: CollectorRegistry, port: int = 9100, addr: str = "127.0.0.1"):
        self._server, self._thread = start_http_server(port, addr=addr, registry=registry)
        self.port: int = self._server.server_port

    def stop(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def exposed_names(registry: CollectorRegistry) -> set[str]:
    """Every sample name the registry can expose (``_total``, ``_bucket``... included)."""
    suffixes = {
        "counter": ("_total", "_created"),
        "histogram": ("_bucket", "_sum", "_count", "_created"),
        "info": ("_info",),
        "gauge": ("",),
    }
    names: set[str] = set()
    for family in registry.collect():
        names.update(family.name + s for s in suffixes.get(family.type, ("",)))
    return names


class NodeMetrics(Component):
    """Counts, latencies and state gauges of one node (see the module docstring)."""

    def __init__(
        self,
        bus: MessageBus,
        clock: Clock,
        *,
        registry: CollectorRegistry | None = None,
        risk: RiskEngine | None = None,
        initial_equity: float | None = None,
        quarantine: CountsSource | None = None,
        name: str = "metrics",
    ) -> None:
        super().__init__(name, bus, clock)
        self.registry = registry if registry is not None else CollectorRegistry()
        self.instruments = Instruments(self.registry)
        self.risk = risk
        self.initial_equity = initial_equity
        self.queues = QueueDepthCollector()
        self.quarantine = QuarantineCollector(quarantine)
        self.risk_state = RiskStateCollector(risk)
        for collector in (BusCollector(bus), self.queues, self.quarantine, self.risk_state):
            self.registry.register(collector)
        self.tick_to_order = TickToOrder(self.instruments.tick_to_order)
        self._pending_approvals: set[str] = set()
        self._subscriptions: list[Subscription] = []

    @classmethod
    def for_node(
        cls,
        node: TradingNode,
        *,
        registry: CollectorRegistry | None = None,
        quarantine: CountsSource | None = None,
    ) -> NodeMetrics:
        """Metrics on ``node``'s bus and clock, its risk engine's state and a timed risk gate."""
        metrics = cls(
            node.bus,
            node.clock,
            registry=registry,
            risk=node.risk,
            initial_equity=node.settings.portfolio.initial_cash,
            quarantine=quarantine,
        )
        metrics.time_risk_gate(node.order_manager)
        return metrics

    # -- seams ---------------------------------------------------------------------------------
    def time_risk_gate(self, manager: OrderManager) -> None:
        """Wrap ``manager.gate`` so each pre-trade check is timed (idempotent)."""
        if not isinstance(manager.gate, TimedRiskGate):
            manager.gate = TimedRiskGate(manager.gate, self.instruments.risk_check)

    def timed_engine(self, engine: ChatEngine) -> TimedChatEngine:
        """``engine`` with each model call timed: ``LLMClient(config, engine=...)``."""
        return TimedChatEngine(engine, self.instruments.llm_call)

    def add_queue(self, queue: str, depth: Callable[[], int]) -> None:
        """Report ``depth()`` as ``optionswarm_queue_depth{queue=...}`` at each scrape."""
        self.queues.add(queue, depth)

    def render(self, accept: str | None = None) -> tuple[bytes, str]:
        """``render_metrics`` of this node's registry."""
        return render_metrics(self.registry, accept)

    # -- lifecycle -----------------------------------------------------------------------------
    def on_start(self) -> None:
        """Subscribe to every engine, risk, execution and oversight topic."""
        routes: list[tuple[Topic[Any], _Handler | None]] = [
            (BARS, self._on_bar),
            (CHAINS, self._on_chain),
            (SESSIONS, self._on_session),
            (DECISIONS, self._on_decision),
            (ORDERS, self._on_order),
            (REJECTIONS, self._on_rejection),
            (FILLS, None),
            (PORTFOLIO, self._on_portfolio),
            (ORDER_EVENTS, self._on_transition),
            (EXECUTION_NOTICES, None),
            (APPROVAL_REQUESTED, self._on_approval_requested),
            (APPROVAL_DECIDED, self._on_approval_decided),
            (APPROVAL_EXPIRED, self._on_approval_expired),
        ]
        risk_handlers: dict[type, _Handler] = {
            RiskVerdict: self._on_verdict,
            BreakerTripped: self._on_breaker_tripped,
            BreakerReset: self._on_breaker_reset,
            TradingStateChanged: self._on_trading_state,
            KillSwitchEngaged: self._on_kill,
        }
        routes += [(topic, risk_handlers.get(cls)) for cls, topic in RISK_TOPICS.items()]
        self._subscriptions = [
            self.bus.subscribe(topic, self._counted(topic.name, handler))
            for topic, handler in routes
        ]

    def on_stop(self) -> None:
        """Unsubscribe (values stay readable)."""
        for subscription in self._subscriptions:
            self.bus.unsubscribe(subscription)
        self._subscriptions = []

    def _counted(self, topic: str, handler: _Handler | None) -> _Handler:
        counter = self.instruments.events.labels(topic=topic)
        if handler is None:
            return lambda _message: counter.inc()

        def handle(message: Any) -> None:
            counter.inc()
            handler(message)

        return handle

    # -- market and strategy -------------------------------------------------------------------
    def _on_bar(self, bar: Bar) -> None:
        self.tick_to_order.on_tick(bar.symbol, "bar")

    def _on_chain(self, chain: ChainSnapshot) -> None:
        self.tick_to_order.on_tick(chain.underlying, "chain")
        if len(chain):  # orders name the options' underlying (sp500 chains -> SPX)
            named = underlying_for_root(str(chain.root[0]))
            if named != chain.underlying:
                self.tick_to_order.on_tick(named, "chain")

    def _on_session(self, _close: object) -> None:
        self.tick_to_order.on_tick(SESSION_KEY, "session")

    def _on_decision(self, decision: StrategyDecision) -> None:
        self.tick_to_order.on_decision(decision.decision_id, decision.underlying)

    def _on_order(self, intent: OrderIntent) -> None:
        self.tick_to_order.on_order(intent)

    # -- orders, risk and approvals ------------------------------------------------------------
    def _on_rejection(self, rejection: OrderRejected) -> None:
        self.instruments.rejections.labels(
            stage=rejection.stage, reason=rejection.reason_code
        ).inc()

    def _on_transition(self, event: OrderEvent) -> None:
        self.instruments.order_transitions.labels(state=event.state.value).inc()

    def _on_verdict(self, verdict: RiskVerdict) -> None:
        self.instruments.risk_verdicts.labels(decision=verdict.decision.value).inc()

    def _on_breaker_tripped(self, event: BreakerTripped) -> None:
        self.instruments.breaker_trips.labels(breaker=event.breaker).inc()
        self.risk_state.on_breaker_tripped(event)

    def _on_breaker_reset(self, event: BreakerReset) -> None:
        self.risk_state.on_breaker_reset(event)

    def _on_trading_state(self, event: TradingStateChanged) -> None:
        self.risk_state.on_trading_state(event)

    def _on_kill(self, _event: KillSwitchEngaged) -> None:
        self.risk_state.on_kill()

    def _on_approval_requested(self, event: ApprovalRequested) -> None:
        self.instruments.approvals.labels(outcome="requested").inc()
        self._pending_approvals.add(event.request.request_id)
        self.instruments.approvals_pending.set(len(self._pending_approvals))

    def _on_approval_decided(self, event: ApprovalDecided) -> None:
        self.instruments.approvals.labels(outcome=event.status.value).inc()
        if not event.status.is_open:
            self._close_approval(event.request_id)

    def _on_approval_expired(self, event: ApprovalExpired) -> None:
        self.instruments.approvals.labels(outcome="expired").inc()
        self._close_approval(event.request_id)

    def _close_approval(self, request_id: str) -> None:
        self._pending_approvals.discard(request_id)
        self.instruments.approvals_pending.set(len(self._pending_approvals))

    # -- portfolio -----------------------------------------------------------------------------
    def _on_portfolio(self, snapshot: PortfolioSnapshot) -> None:
        ins = self.instruments
        ins.equity.set(snapshot.equity)
        ins.cash.set(snapshot.cash)
        ins.gross_exposure.set(snapshot.gross_exposure)
        ins.open_positions.set(snapshot.open_positions)
        ins.snapshot_ts.set(snapshot.ts_ns / 1e9)
        for greek in _GREEKS:
            ins.greeks.labels(greek=greek).set(getattr(snapshot, greek))
        ins.pnl.labels(component="total").set(snapshot.pnl)
        for part in (*_GREEKS, "residual"):
            ins.pnl.labels(component=part).set(getattr(snapshot, f"pnl_{part}"))
        if self.initial_equity is not None:
            ins.pnl_cumulative.set(snapshot.equity - self.initial_equity)
