"""``TradingNode``: builds and wires the components of one mode from one ``Settings`` object.

Backtest = simulated clock + paper broker; paper = wall clock + paper broker; live = wall clock +
a broker adapter (passed in). Every order goes strategy -> order manager -> risk engine (built
from the ``risk`` settings section unless another gate is passed) -> broker
(``optionswarm.execution.wiring``); an ``ExecutionStore`` makes orders, fills, positions and
breaker trips durable. A strategy other than the reference ones (e.g. the swarm's) is passed in
the same way. All wiring happens here; components receive everything through their constructors.

The bus is the one ``settings.bus`` names (in-process by default, NATS JetStream to scale out)
unless one is passed in; a NATS bus the node built is closed when the node stops.
"""

from __future__ import annotations

import datetime as dt

from optionswarm.bus import MessageBus, bus_from_settings
from optionswarm.config import ConfigError, Settings
from optionswarm.engine import Clock, Component, SimulatedClock, WallClock
from optionswarm.engine.recorder import (
    ENGINE_RECORDED_TOPICS,
    AuditRecorder,
    AuditSink,
    RecordedTopic,
)
from optionswarm.execution import (
    EXECUTION_NOTICES,
    ORDER_EVENTS,
    ExecutionClient,
    ExecutionStore,
    RiskGate,
)
from optionswarm.execution.wiring import build_execution_path
from optionswarm.portfolio import Portfolio
from optionswarm.risk import RISK_TOPICS
from optionswarm.strategy.base import StrategyComponent
from optionswarm.strategy.registry import build_strategy

__all__ = ["TradingNode"]


class TradingNode:
    """One running system: bus, clock and components, started and stopped together."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        bus: MessageBus | None = None,
        risk_gate: RiskGate | None = None,
        execution: ExecutionClient | None = None,
        audit: AuditSink | None = None,
        strategy: StrategyComponent | None = None,
        store: ExecutionStore | None = None,
    ) -> None:
        self.settings = settings
        # an in-process bus stays open after stop (reports read its counters); a NATS one closes
        self._closes_bus = bus is None and settings.bus.kind != "inprocess"
        self.bus: MessageBus = bus or bus_from_settings(settings.bus)
        self.clock: Clock = clock or _default_clock(settings)
        underlying = settings.backtest.underlying
        self.portfolio = Portfolio(self.bus, self.clock, settings.portfolio, underlying)
        components: list[Component] = [self.portfolio]
        if execution is None and settings.mode == "live":
            raise ConfigError("mode: live needs a broker adapter (execution=...)")
        # the real risk engine and the paper broker unless others are passed in
        path = build_execution_path(
            settings, self.bus, self.clock, gate=risk_gate, client=execution, store=store
        )
        components += path.components
        self.execution: ExecutionClient = path.client
        self.risk_gate: RiskGate = path.gate
        self.risk = path.risk
        self.order_manager = path.manager
        self.router = path.manager  # the order manager owns the path intent -> gate -> client
        self.strategy: StrategyComponent = strategy or build_strategy(
            settings.strategy.name,
            self.bus,
            self.clock,
            settings.strategy,
            underlying=underlying,
            initial_equity=settings.portfolio.initial_cash,
        )
        self.recorder = (
            AuditRecorder(self.bus, self.clock, audit, _recorded_topics())
            if audit is not None
            else None
        )
        components += [self.strategy]
        if self.recorder is not None:
            components.insert(0, self.recorder)
        self.components: tuple[Component, ...] = tuple(components)

    def start(self) -> None:
        """Start every component (recorder and portfolio first, strategy last)."""
        for component in self.components:
            component.start()

    def stop(self) -> None:
        """Stop every component in reverse order."""
        for component in reversed(self.components):
            component.stop()
        if isinstance(self.clock, WallClock):
            self.clock.stop()
        if self._closes_bus:
            self.bus.close()


def _recorded_topics() -> tuple[RecordedTopic, ...]:
    """The engine's topics plus every risk event and order-manager transition and notice."""
    risk_topics = tuple((topic.name, topic) for topic in RISK_TOPICS.values())
    return (
        *ENGINE_RECORDED_TOPICS,
        *risk_topics,
        ("order.transition", ORDER_EVENTS),
        ("execution.notice", EXECUTION_NOTICES),
    )


def _default_clock(settings: Settings) -> Clock:
    if settings.mode == "backtest":
        start = settings.backtest.start
        midnight = dt.datetime(start.year, start.month, start.day, tzinfo=dt.UTC)
        return SimulatedClock(start_ns=int(midnight.timestamp()) * 1_000_000_000)
    return WallClock()
