"""Reference option strategies: a monthly covered call and a delta-targeted short put spread.

Strikes are chosen by target delta and expiries by target days-to-expiry from the chain (deltas
from the pricing library). Both hold to expiry by default (cash settlement of the index) and size
from the latest equity.
"""

from __future__ import annotations

import math

from optionswarm.engine.contracts import contract_symbol, find_row, parse_contract
from optionswarm.engine.events import OrderRejected
from optionswarm.model import NS_PER_DAY, ChainSnapshot, OrderLeg, Side, expiry_date_of
from optionswarm.strategy.base import StrategyComponent
from optionswarm.strategy.selection import select_expiry, select_strike_by_delta

__all__ = ["CoveredCall", "ShortPutSpread"]

MULTIPLIER = 100


class _OpenSpread:
    def __init__(self, trade_id: str, short: str, long: str, expiry_ns: int, credit: float) -> None:
        self.trade_id = trade_id
        self.short = short
        self.long = long
        self.expiry_ns = expiry_ns
        self.credit = credit
        self.quantity = 0


class ShortPutSpread(StrategyComponent):
    """Sell a put at ``target_delta`` and buy one at ``wing_delta`` around ``target_dte`` days.

    One spread position at a time. Size: ``risk_fraction`` of equity over the spread's maximum
    loss. Closes early at ``take_profit`` of the credit or at ``exit_dte`` days before expiry;
    otherwise it is cash-settled at expiry.
    """

    def reset_state(self) -> None:
        self._open: _OpenSpread | None = None

    def on_rejected(self, rejection: OrderRejected) -> None:
        if self._open is not None and rejection.client_order_id == self._open.trade_id:
            self._open = None

    def on_chain(self, chain: ChainSnapshot) -> None:
        spread = self._open
        if spread is not None and spread.expiry_ns <= chain.ts_ns:
            self._open = spread = None  # settled in cash by the portfolio at this close
        if spread is None:
            self._try_open(chain)
        else:
            self._maybe_close(chain, spread)

    def _try_open(self, chain: ChainSnapshot) -> None:
        cfg = self.config
        expiry = select_expiry(chain, cfg.target_dte, cfg.max_dte_error, min_dte=cfg.exit_dte + 1)
        if expiry is None:
            return
        short_row = select_strike_by_delta(chain, expiry, False, cfg.target_delta)
        if short_row is None or not chain.bid[short_row] > 0.0:
            return
        long_row = select_strike_by_delta(
            chain, expiry, False, cfg.wing_delta, below_strike=float(chain.strike[short_row])
        )
        if long_row is None:
            return
        credit = float(chain.bid[short_row] - chain.ask[long_row])
        width = float(chain.strike[short_row] - chain.strike[long_row])
        max_loss = (width - credit) * MULTIPLIER
        if credit <= 0.0 or max_loss <= 0.0:
            return
        quantity = math.floor(cfg.risk_fraction * self.equity / max_loss)
        if quantity < 1:
            return
        short_symbol, long_symbol = (
            contract_symbol(chain, short_row),
            contract_symbol(chain, long_row),
        )
        dte = (expiry - chain.ts_ns) / NS_PER_DAY
        intent = self.decide_and_order(
            action="open",
            reason_code="open_short_put_spread",
            explanation=(
                f"Sell the {chain.strike[short_row]:.0f} put (|delta| ~{cfg.target_delta:.2f}) "
                f"and buy the {chain.strike[long_row]:.0f} put (|delta| ~{cfg.wing_delta:.2f}) "
                "expiring "
                f"{expiry_date_of(expiry)} ({dte:.0f} DTE) with spot {chain.spot:.2f}: credit "
                f"{credit:.2f} at bid/ask, max loss {max_loss:,.0f} per spread; {quantity} spreads "
                f"risk {cfg.risk_fraction:.0%} of equity {self.equity:,.0f}."
            ),
            legs=(
                OrderLeg(symbol=short_symbol, side=Side.SELL),
                OrderLeg(symbol=long_symbol, side=Side.BUY),
            ),
            quantity=quantity,
            structure="short_put_spread",
        )
        self._open = _OpenSpread(intent.client_order_id, short_symbol, long_symbol, expiry, credit)
        self._open.quantity = quantity

    def _maybe_close(self, chain: ChainSnapshot, spread: _OpenSpread) -> None:
        cfg = self.config
        dte = (spread.expiry_ns - chain.ts_ns) / NS_PER_DAY
        debit = self._close_debit(chain, spread)
        take = cfg.take_profit > 0.0 and debit is not None
        take = take and debit <= (1.0 - cfg.take_profit) * spread.credit  # type: ignore[operator]
        timed = cfg.exit_dte > 0 and dte <= cfg.exit_dte and debit is not None
        if not (take or timed):
            return
        why = (
            f"take profit: closing costs {debit:.2f} of the {spread.credit:.2f} credit"
            if take
            else f"time exit: {dte:.0f} days to expiry <= {cfg.exit_dte}"
        )
        self.decide_and_order(
            action="close",
            reason_code="take_profit" if take else "time_exit",
            explanation=f"Close the short put spread ({why}).",
            legs=(
                OrderLeg(symbol=spread.short, side=Side.BUY),
                OrderLeg(symbol=spread.long, side=Side.SELL),
            ),
            quantity=spread.quantity,
            structure="short_put_spread",
            trade_id=spread.trade_id,
        )
        self._open = None

    @staticmethod
    def _close_debit(chain: ChainSnapshot, spread: _OpenSpread) -> float | None:
        short_row = find_row(chain, parse_contract(spread.short))
        long_row = find_row(chain, parse_contract(spread.long))
        if short_row is None or long_row is None:
            return None
        ask = float(chain.ask[short_row])
        bid = float(chain.bid[long_row])
        if not math.isfinite(ask):
            return None
        return ask - (bid if math.isfinite(bid) else 0.0)


class CoveredCall(StrategyComponent):
    """Hold the underlying in lots of 100 and sell one call per lot each month.

    The call is chosen at ``target_delta`` near ``target_dte`` days and held to its cash
    settlement; a new call is sold on the first session after the old one expires.
    """

    def reset_state(self) -> None:
        self._units = 0
        self._stock_trade: str | None = None
        self._call_expiry: int | None = None

    def on_chain(self, chain: ChainSnapshot) -> None:
        if self._stock_trade is None:
            self._buy_underlying(chain)
            return
        if self._call_expiry is not None and self._call_expiry > chain.ts_ns:
            return
        self._call_expiry = None
        self._sell_call(chain)

    def _buy_underlying(self, chain: ChainSnapshot) -> None:
        lots = math.floor(self.equity * 0.98 / (chain.spot * MULTIPLIER))
        if lots < 1:
            return
        self._units = lots * MULTIPLIER
        intent = self.decide_and_order(
            action="open",
            reason_code="covered_call_underlying",
            explanation=(
                f"Covered call: buy {self._units} units of {self.underlying} at {chain.spot:.2f} "
                f"({lots} lots of 100) to cover one short call per lot."
            ),
            legs=(OrderLeg(symbol=self.underlying, side=Side.BUY),),
            quantity=self._units,
            structure="underlying",
        )
        self._stock_trade = intent.client_order_id

    def _sell_call(self, chain: ChainSnapshot) -> None:
        cfg = self.config
        expiry = select_expiry(chain, cfg.target_dte, cfg.max_dte_error)
        if expiry is None:
            return
        row = select_strike_by_delta(chain, expiry, True, cfg.target_delta)
        if row is None or not chain.bid[row] > 0.0:
            return
        lots = self._units // MULTIPLIER
        self.decide_and_order(
            action="open",
            reason_code="sell_covered_call",
            explanation=(
                f"Sell {lots} calls at {chain.strike[row]:.0f} (|delta| ~{cfg.target_delta:.2f}) "
                f"expiring {expiry_date_of(expiry)} for {chain.bid[row]:.2f} bid, covered by "
                f"{self._units} units; hold to cash settlement."
            ),
            legs=(OrderLeg(symbol=contract_symbol(chain, row), side=Side.SELL),),
            quantity=lots,
            structure="covered_call",
        )
        self._call_expiry = expiry

    def on_rejected(self, rejection: OrderRejected) -> None:
        if rejection.client_order_id == self._stock_trade:
            self._stock_trade = None
        else:
            self._call_expiry = None
