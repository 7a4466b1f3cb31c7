"""Correlation ids: one id per trade idea, from the market event through decision, order and fill.

The id is the strategy's ``decision_id`` (``<strategy>-000042-d``) when an order has one, else the
order's ``client_order_id`` (manual and flatten orders). :class:`CorrelationLog` writes one
structured line per lifecycle step with ``correlation_id`` bound through structlog's contextvars,
so a log query for one id shows the chain::

    decision   correlation_id=swarm-000042-d  market_event=market.chains:sp500:1451941200000000000
    order      correlation_id=swarm-000042-d  client_order_id=swarm-000042
    risk       correlation_id=swarm-000042-d  decision=accept
    transition correlation_id=swarm-000042-d  state=working ... filled
    fill       correlation_id=swarm-000042-d  fill_id=...

Market events are remembered, never logged (no per-tick line at info).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final

import structlog

from optionswarm.bus import MessageBus, Subscription, Topic
from optionswarm.engine import Clock, Component
from optionswarm.engine.events import OrderRejected, StrategyDecision
from optionswarm.engine.topics import BARS, CHAINS, DECISIONS, FILLS, ORDERS, REJECTIONS
from optionswarm.execution.events import ORDER_EVENTS, OrderEvent
from optionswarm.model import Bar, ChainSnapshot, Fill, OrderIntent
from optionswarm.risk.events import RISK_TOPICS, RiskDecision, RiskVerdict

__all__ = ["CorrelationLog", "bind_correlation", "correlation_id"]

_MAX_ORDERS: Final = 65_536  # client_order_id -> correlation id, oldest forgotten first


def correlation_id(intent: OrderIntent) -> str:
    """The id that ties ``intent`` to its decision (its ``decision_id``, else its own id)."""
    return intent.decision_id or intent.client_order_id


@contextmanager
def bind_correlation(cid: str, **extra: Any) -> Iterator[None]:
    """Bind ``correlation_id`` (and ``extra``) to every log line inside the block."""
    with structlog.contextvars.bound_contextvars(correlation_id=cid, **extra):
        yield


class CorrelationLog(Component):
    """Logs each decision, order, verdict, transition, rejection and fill with its correlation id.

    Start it before the node's components so that it sees a market event before the strategy
    reacts (the in-process bus delivers depth-first in subscription order).
    """

    def __init__(self, bus: MessageBus, clock: Clock, *, name: str = "correlation-log") -> None:
        super().__init__(name, bus, clock)
        self._lifecycle = structlog.get_logger("optionswarm.lifecycle")
        self._market: dict[str, str] = {}
        self._orders: dict[str, str] = {}
        self._subscriptions: list[Subscription] = []

    def correlation_of(self, client_order_id: str) -> str:
        """The correlation id of a known order (its own id when unknown)."""
        return self._orders.get(client_order_id, client_order_id)

    def on_start(self) -> None:
        """Subscribe to the market, strategy, order, risk and fill topics."""
        verdicts: Topic[Any] = RISK_TOPICS[RiskVerdict]
        handlers: list[tuple[Topic[Any], Callable[[Any], None]]] = [
            (BARS, self._on_bar),
            (CHAINS, self._on_chain),
            (DECISIONS, self._on_decision),
            (ORDERS, self._on_order),
            (verdicts, self._on_verdict),
            (ORDER_EVENTS, self._on_transition),
            (REJECTIONS, self._on_rejection),
            (FILLS, self._on_fill),
        ]
        self._subscriptions = [self.bus.subscribe(topic, handler) for topic, handler in handlers]

    def on_stop(self) -> None:
        """Unsubscribe."""
        for subscription in self._subscriptions:
            self.bus.unsubscribe(subscription)
        self._subscriptions = []

    def on_reset(self) -> None:
        """Forget markets and orders."""
        self._market.clear()
        self._orders.clear()

    def _on_bar(self, bar: Bar) -> None:
        self._market[bar.symbol] = f"{BARS.name}:{bar.symbol}:{bar.ts_ns}"

    def _on_chain(self, chain: ChainSnapshot) -> None:
        self._market[chain.underlying] = f"{CHAINS.name}:{chain.underlying}:{chain.ts_ns}"

    def _on_decision(self, decision: StrategyDecision) -> None:
        with bind_correlation(decision.decision_id):
            self._lifecycle.info(
                "decision",
                strategy=decision.strategy,
                underlying=decision.underlying,
                action=decision.action,
                reason_code=decision.reason_code,
                market_event=self._market.get(decision.underlying, ""),
                ts_ns=decision.ts_ns,
            )

    def _on_order(self, intent: OrderIntent) -> None:
        cid = correlation_id(intent)
        if len(self._orders) >= _MAX_ORDERS:
            del self._orders[next(iter(self._orders))]
        self._orders[intent.client_order_id] = cid
        with bind_correlation(cid, client_order_id=intent.client_order_id):
            self._lifecycle.info(
                "order",
                underlying=intent.underlying,
                structure=intent.structure,
                source=intent.source,
                quantity=intent.quantity,
                legs=len(intent.legs),
                limit_price=intent.limit_price,
                ts_ns=intent.ts_ns,
            )

    def _on_verdict(self, verdict: RiskVerdict) -> None:
        cid = self.correlation_of(verdict.client_order_id)
        log = self._lifecycle.debug if verdict.accepted else self._lifecycle.info
        with bind_correlation(cid, client_order_id=verdict.client_order_id):
            log(
                "risk_verdict",
                decision=verdict.decision.value,
                codes=[code.value for code in verdict.codes],
                needs_approval=verdict.decision is RiskDecision.NEEDS_APPROVAL,
                trading_state=verdict.trading_state.value,
                ts_ns=verdict.ts_ns,
            )

    def _on_transition(self, event: OrderEvent) -> None:
        with bind_correlation(
            self.correlation_of(event.client_order_id), client_order_id=event.client_order_id
        ):
            self._lifecycle.info(
                "order_transition",
                previous=event.previous.value,
                state=event.state.value,
                trigger=event.trigger.value,
                reason_code=event.reason_code,
                filled_quantity=event.filled_quantity,
                ts_ns=event.ts_ns,
            )

    def _on_rejection(self, rejection: OrderRejected) -> None:
        with bind_correlation(
            self.correlation_of(rejection.client_order_id),
            client_order_id=rejection.client_order_id,
        ):
            self._lifecycle.warning(
                "order_rejected",
                stage=rejection.stage,
                reason_code=rejection.reason_code,
                message=rejection.message,
                ts_ns=rejection.ts_ns,
            )

    def _on_fill(self, fill: Fill) -> None:
        with bind_correlation(
            self.correlation_of(fill.client_order_id), client_order_id=fill.client_order_id
        ):
            self._lifecycle.info(
                "fill",
                fill_id=fill.fill_id,
                symbol=fill.symbol,
                side=fill.side.value,
                quantity=fill.quantity,
                price=fill.price,
                fee=fill.fee,
                ts_ns=fill.ts_ns,
            )
