"""Build the execution path of a node: risk engine -> order manager -> paper broker.

Kept out of the package ``__init__`` because the risk engine imports the execution ports.
Start order (what ``ExecutionPath.components`` lists): broker, risk engine, order manager — the
broker and risk see market data before the manager routes the first order.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from typing import TypeVar, cast

import msgspec

from optionswarm.bus import BusStats, MessageBus, RequestTopic, Subscription, Topic
from optionswarm.config import Settings
from optionswarm.engine import Clock, Component, TimerCallback
from optionswarm.engine.topics import BARS, CHAINS
from optionswarm.execution.durability import BreakerJournal
from optionswarm.execution.manager import OrderManager
from optionswarm.execution.paper import PaperBroker, PaperBrokerConfig
from optionswarm.execution.ports import ExecutionClient, RiskGate
from optionswarm.execution.store import ExecutionStore
from optionswarm.model import Bar, ChainSnapshot, Quote, underlying_for_root
from optionswarm.risk import (
    BreakersConfig,
    CollarConfig,
    GreekBounds,
    GreekLimits,
    LossLimits,
    OrderLimits,
    RiskConfig,
    RiskEngine,
    StaleDataConfig,
)

__all__ = ["BarQuotes", "ExecutionPath", "build_execution_path", "risk_config_from_settings"]

_NS = 1_000_000_000
_SESSION_CLOSE = dt.time(16, 0)


def risk_config_from_settings(settings: Settings) -> RiskConfig:
    """The risk engine's config for a node: risk defaults plus the node's ``risk`` section."""
    section = settings.risk
    age = None if section.max_quote_age_s is None else int(section.max_quote_age_s * _NS)
    allow_market = section.allow_market_orders
    if allow_market is None:
        allow_market = settings.mode == "backtest"
    stale = None if section.stale_data_s is None else int(section.stale_data_s * _NS)
    loss_breakers = section.loss_breakers
    if loss_breakers is None:
        loss_breakers = settings.mode != "backtest"
    breakers = msgspec.structs.replace(
        BreakersConfig(),
        stale_data=None if stale is None else StaleDataConfig(max_age_ns=stale),
    )
    if not loss_breakers:
        breakers = msgspec.structs.replace(
            breakers, daily_loss=None, drawdown=None, consecutive_losses=None
        )
    max_loss = section.max_loss_fraction * settings.portfolio.initial_cash
    total = GreekBounds(
        delta=section.max_delta_dollars,
        gamma=section.max_gamma_dollars,
        vega=section.max_vega_dollars,
        theta=section.max_theta_dollars,
    )
    return RiskConfig(
        greeks=GreekLimits(total=total),
        order=OrderLimits(
            allow_market_orders=allow_market,
            max_order_premium=max_loss,
            max_order_notional=max(10_000_000.0, 10.0 * settings.portfolio.initial_cash),
        ),
        loss=LossLimits(
            max_loss_per_order=max_loss,
            max_stress_loss=max_loss,
            allow_undefined_risk=section.allow_undefined_risk,
        ),
        collar=CollarConfig(max_quote_age_ns=age),
        breakers=breakers,
        heartbeat_ns=int(section.heartbeat_s * _NS),
        starting_equity=settings.portfolio.initial_cash,
        flatten_on_kill=section.flatten_on_kill,
    )


class _PrefixedClock:
    """The node's clock with timer names prefixed, so several nodes can share one clock
    (``run_backtests`` drives a parameter grid on one simulated clock)."""

    def __init__(self, clock: Clock, prefix: str) -> None:
        self._clock = clock
        self._prefix = prefix

    def now_ns(self) -> int:
        return self._clock.now_ns()

    def set_alarm(self, name: str, at_ns: int, callback: TimerCallback) -> None:
        self._clock.set_alarm(self._prefix + name, at_ns, callback)

    def set_timer(
        self,
        name: str,
        interval_ns: int,
        callback: TimerCallback,
        start_ns: int | None = None,
        stop_ns: int | None = None,
    ) -> None:
        self._clock.set_timer(self._prefix + name, interval_ns, callback, start_ns, stop_ns)

    def cancel(self, name: str) -> None:
        self._clock.cancel(self._prefix + name)

    def timer_names(self) -> list[str]:
        return [
            n[len(self._prefix) :] for n in self._clock.timer_names() if n.startswith(self._prefix)
        ]


_paths = itertools.count(1)
M = TypeVar("M")
Req = TypeVar("Req")
Resp = TypeVar("Resp")


def _relabel(chain: ChainSnapshot) -> ChainSnapshot:
    """The chain under its options' underlying (``sp500`` data of SPX/SPXW options -> ``SPX``),
    which is the name orders use."""
    if not len(chain):
        return chain
    named = underlying_for_root(str(chain.root[0]))
    return chain if named == chain.underlying else msgspec.structs.replace(chain, underlying=named)


class _RiskBus:
    """The node's bus as the risk engine sees it: chains arrive under their options' underlying
    (one pass over each chain, not one per name)."""

    def __init__(self, bus: MessageBus) -> None:
        self._bus = bus

    def publish(self, topic: Topic[M], message: M) -> None:
        self._bus.publish(topic, message)

    def subscribe(self, topic: Topic[M], handler: Callable[[M], None]) -> Subscription:
        if topic.name == CHAINS.name:
            chain_handler = cast("Callable[[ChainSnapshot], None]", handler)
            return self._bus.subscribe(CHAINS, lambda chain: chain_handler(_relabel(chain)))
        return self._bus.subscribe(topic, handler)

    def unsubscribe(self, subscription: Subscription) -> None:
        self._bus.unsubscribe(subscription)

    def register_responder(
        self, topic: RequestTopic[Req, Resp], responder: Callable[[Req], Resp]
    ) -> None:
        self._bus.register_responder(topic, responder)

    def request(self, topic: RequestTopic[Req, Resp], message: Req) -> Resp:
        return self._bus.request(topic, message)

    def stats(self) -> BusStats:
        return self._bus.stats()

    def close(self) -> None:
        self._bus.close()


class BarQuotes(Component):
    """Feeds each bar's close to the risk engine as a quote (the underlying's mark)."""

    def __init__(self, bus: MessageBus, clock: Clock, risk: RiskEngine) -> None:
        super().__init__("bar-quotes", bus, clock)
        self.risk = risk
        self._subscription: Subscription | None = None

    def on_start(self) -> None:
        self._subscription = self.bus.subscribe(BARS, self._on_bar)

    def on_stop(self) -> None:
        if self._subscription is not None:
            self.bus.unsubscribe(self._subscription)
            self._subscription = None

    def _on_bar(self, bar: Bar) -> None:
        self.risk.on_quote(Quote(symbol=bar.symbol, ts_ns=bar.ts_ns, bid=bar.close, ask=bar.close))


class ExecutionPath(msgspec.Struct, kw_only=True):
    """The wired pieces; ``components`` in start order (stop in reverse)."""

    gate: RiskGate
    client: ExecutionClient
    manager: OrderManager
    risk: RiskEngine | None
    broker: PaperBroker | None
    components: tuple[Component, ...]


def build_execution_path(
    settings: Settings,
    bus: MessageBus,
    clock: Clock,
    *,
    gate: RiskGate | None = None,
    client: ExecutionClient | None = None,
    store: ExecutionStore | None = None,
) -> ExecutionPath:
    """Risk engine (unless a gate is given), paper broker (unless a client is given), manager."""
    components: list[Component] = []
    broker: PaperBroker | None = None
    if client is None:
        broker = PaperBroker(bus, clock, PaperBrokerConfig.from_settings(settings.execution))
        client = broker
        components.append(broker)
    risk: RiskEngine | None = None
    if gate is None:
        risk_clock = _PrefixedClock(clock, f"path{next(_paths)}.")
        config = risk_config_from_settings(settings)
        risk = RiskEngine(config, bus=_RiskBus(bus), clock=risk_clock)
        gate = risk
        components += [risk, BarQuotes(bus, clock, risk)]
        if store is not None:
            components.append(BreakerJournal(bus, clock, store))
    elif isinstance(gate, Component):
        components.append(gate)
    manager = OrderManager(
        bus,
        clock,
        gate,
        client,
        store=store,
        observer=risk.observe if risk else None,
        # a replay closes its sessions by events; paper/live by the clock at 16:00 New York
        session_close=None if settings.mode == "backtest" else _SESSION_CLOSE,
    )
    if risk is not None:
        risk.controls.order_control = manager
    components.append(manager)
    return ExecutionPath(
        gate=gate,
        client=client,
        manager=manager,
        risk=risk,
        broker=broker,
        components=tuple(components),
    )
