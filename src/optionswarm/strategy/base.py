"""The ``Strategy`` protocol and ``StrategyComponent``, the base of the reference strategies.

A strategy reads market events from the bus and answers with a ``StrategyDecision`` (the why)
followed by the ``OrderIntent`` it causes; it never talks to the risk gate or the execution client
directly. Sizing uses the equity of the latest ``PortfolioSnapshot`` (the previous close).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from optionswarm.bus import MessageBus, Subscription
from optionswarm.config import StrategySettings
from optionswarm.engine import Clock, Component
from optionswarm.engine.contracts import is_option_symbol, parse_contract
from optionswarm.engine.events import OrderRejected, PortfolioSnapshot, StrategyDecision
from optionswarm.engine.topics import BARS, CHAINS, DECISIONS, ORDERS, PORTFOLIO, REJECTIONS
from optionswarm.model import Bar, ChainSnapshot, OrderIntent, OrderLeg, underlying_for_root

__all__ = ["Strategy", "StrategyComponent"]


@runtime_checkable
class Strategy(Protocol):
    """What the engine needs from a strategy: a name and handlers for market events."""

    name: str

    def on_bar(self, bar: Bar) -> None:
        """A new bar of the underlying (session close)."""
        ...

    def on_chain(self, chain: ChainSnapshot) -> None:
        """A new option chain snapshot of the underlying."""
        ...


def _order_underlying(legs: tuple[OrderLeg, ...], underlying: str) -> str:
    """The order's underlying: the options' own (SPXW -> SPX) or the traded symbol itself."""
    for leg in legs:
        if is_option_symbol(leg.symbol):
            return underlying_for_root(parse_contract(leg.symbol).root)
    return underlying


class StrategyComponent(Component):
    """Subscribes a strategy to the bus and gives it ``decide_and_order``."""

    def __init__(
        self,
        name: str,
        bus: MessageBus,
        clock: Clock,
        config: StrategySettings,
        *,
        underlying: str,
        initial_equity: float,
    ) -> None:
        super().__init__(name, bus, clock)
        self.config = config
        self.underlying = underlying
        self.initial_equity = initial_equity
        self._subscriptions: list[Subscription] = []
        self._sequence = 0
        self.equity = initial_equity
        self.rejected: list[OrderRejected] = []
        self.reset_state()

    def on_start(self) -> None:
        self._subscriptions = [
            self.bus.subscribe(BARS, self._route_bar),
            self.bus.subscribe(CHAINS, self._route_chain),
            self.bus.subscribe(PORTFOLIO, self._on_portfolio),
            self.bus.subscribe(REJECTIONS, self._on_rejection),
        ]

    def on_stop(self) -> None:
        for subscription in self._subscriptions:
            self.bus.unsubscribe(subscription)
        self._subscriptions = []

    def on_reset(self) -> None:
        self._sequence = 0
        self.equity = self.initial_equity
        self.rejected = []
        self.reset_state()

    def reset_state(self) -> None:
        """Clear strategy-specific state (subclasses)."""

    @property
    def orders_placed(self) -> int:
        """How many orders this strategy has placed (the sequence in its client order ids)."""
        return self._sequence

    def resume_sequence(self, placed: int) -> None:
        """Carry on numbering after ``placed`` orders (a restarted process never reuses an id)."""
        self._sequence = max(self._sequence, placed)

    def _route_bar(self, bar: Bar) -> None:
        if bar.symbol == self.underlying:
            self.on_bar(bar)

    def _route_chain(self, chain: ChainSnapshot) -> None:
        if chain.underlying == self.underlying:
            self.on_chain(chain)

    def _on_portfolio(self, snapshot: PortfolioSnapshot) -> None:
        self.equity = snapshot.equity

    def _on_rejection(self, rejection: OrderRejected) -> None:
        if rejection.client_order_id.startswith(f"{self.name}-"):
            self.rejected.append(rejection)
            self.on_rejected(rejection)

    def on_rejected(self, rejection: OrderRejected) -> None:
        """One of this strategy's orders was refused (subclasses may undo their bookkeeping)."""

    def report(self) -> dict[str, Any]:
        """Strategy-specific results for the backtest document (none by default)."""
        return {}

    def on_bar(self, bar: Bar) -> None:
        """Default: ignore bars."""

    def on_chain(self, chain: ChainSnapshot) -> None:
        """Default: ignore chains."""

    def decide_and_order(
        self,
        *,
        action: str,
        reason_code: str,
        explanation: str,
        legs: tuple[OrderLeg, ...],
        quantity: int,
        structure: str,
        trade_id: str | None = None,
    ) -> OrderIntent:
        """Publish the decision, then the market order it causes; returns the order.

        ``trade_id`` ties a closing order to its opening trade; an opening order starts a new
        trade named after its own id.
        """
        self._sequence += 1
        now = self.clock.now_ns()
        order_id = f"{self.name}-{self._sequence:06d}"
        decision_id = f"{order_id}-d"
        self.bus.publish(
            DECISIONS,
            StrategyDecision(
                decision_id=decision_id,
                strategy=self.name,
                underlying=self.underlying,
                ts_ns=now,
                action=action,
                reason_code=reason_code,
                explanation=explanation,
            ),
        )
        intent = OrderIntent(
            client_order_id=order_id,
            underlying=_order_underlying(legs, self.underlying),
            legs=legs,
            quantity=quantity,
            limit_price=None,
            ts_ns=now,
            structure=structure,
            decision_id=decision_id,
            tag=trade_id or order_id,
        )
        self.bus.publish(ORDERS, intent)
        return intent
