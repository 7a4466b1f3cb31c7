"""Reference strategies on the underlying alone: buy-and-hold and an SMA crossover."""

from __future__ import annotations

import itertools
import math
from collections import deque

from optionswarm.engine.events import OrderRejected
from optionswarm.model import Bar, OrderLeg, Side
from optionswarm.strategy.base import StrategyComponent

__all__ = ["BuyAndHold", "SmaCrossover"]


class BuyAndHold(StrategyComponent):
    """Buy as many units of the underlying as the cash allows on the first bar; hold."""

    def reset_state(self) -> None:
        self.bought = False

    def on_bar(self, bar: Bar) -> None:
        if self.bought:
            return
        quantity = math.floor(self.equity * 0.99 / bar.close)
        if quantity < 1:
            return
        self.bought = True
        self.decide_and_order(
            action="open",
            reason_code="buy_and_hold_entry",
            explanation=(
                f"Buy and hold: buy {quantity} units of {bar.symbol} at the close "
                f"{bar.close:.2f} with 99% of equity {self.equity:,.0f}, and hold to the end."
            ),
            legs=(OrderLeg(symbol=bar.symbol, side=Side.BUY),),
            quantity=quantity,
            structure="underlying",
        )


class SmaCrossover(StrategyComponent):
    """Long a fixed quantity while the fast SMA is above the slow SMA; flat otherwise.

    Enters when the fast average crosses above the slow one and exits when it crosses below, at
    the close of the crossing bar (the same rule as the peer libraries in the benchmark).
    """

    quantity = 100

    def reset_state(self) -> None:
        self._closes: deque[float] = deque(maxlen=self.config.sma_slow)
        self._previous_diff: float | None = None
        self._trade_id: str | None = None

    def _update(self, close: float) -> float | None:
        fast_n, slow_n = self.config.sma_fast, self.config.sma_slow
        closes = self._closes
        closes.append(close)
        if len(closes) < slow_n:
            return None
        # exact sums (fsum) so that a crossing is decided the same way on every run
        fast = math.fsum(itertools.islice(closes, slow_n - fast_n, slow_n)) / fast_n
        return fast - math.fsum(closes) / slow_n

    def on_bar(self, bar: Bar) -> None:
        diff = self._update(bar.close)
        previous, self._previous_diff = self._previous_diff, diff
        if diff is None or previous is None:
            return
        if self._trade_id is None and previous <= 0.0 < diff:
            intent = self.decide_and_order(
                action="open",
                reason_code="sma_cross_up",
                explanation=(
                    f"SMA{self.config.sma_fast} crossed above SMA{self.config.sma_slow} "
                    f"(gap {diff:+.2f}) at close {bar.close:.2f}: go long {self.quantity}."
                ),
                legs=(OrderLeg(symbol=bar.symbol, side=Side.BUY),),
                quantity=self.quantity,
                structure="underlying",
            )
            self._trade_id = intent.tag
        elif self._trade_id is not None and previous >= 0.0 > diff:
            self.decide_and_order(
                action="close",
                reason_code="sma_cross_down",
                explanation=(
                    f"SMA{self.config.sma_fast} crossed below SMA{self.config.sma_slow} "
                    f"(gap {diff:+.2f}) at close {bar.close:.2f}: exit the long."
                ),
                legs=(OrderLeg(symbol=bar.symbol, side=Side.SELL),),
                quantity=self.quantity,
                structure="underlying",
                trade_id=self._trade_id,
            )
            self._trade_id = None

    def on_rejected(self, rejection: OrderRejected) -> None:
        self._trade_id = None
