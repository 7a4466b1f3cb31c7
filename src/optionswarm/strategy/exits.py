"""Exits of an open structure: profit target, stop, days to expiry and short-delta breach.

Checked at every chain update, in this order (the first that fires wins):

* ``take_profit`` -- P&L at the closing side (sell at the bid, buy back at the ask) reaches
  ``take_profit`` x max profit (x the debit paid when the profit is unbounded);
* ``stop_loss`` -- the loss reaches ``stop_loss`` x max loss;
* ``dte_exit`` -- the nearest leg is ``exit_dte`` days or less from expiry (a roll follows when
  the consensus still asks for the same structure);
* ``delta_breach`` -- a short option's |delta| exceeds ``delta_breach``.

A leg the chain no longer quotes at its closing side holds the exit back (it is retried at the
next update); expired legs are settled in cash by the portfolio.
"""

from __future__ import annotations

import math

import msgspec
import numpy as np

from optionswarm.engine.contracts import find_row, parse_contract
from optionswarm.model import NS_PER_DAY, ChainSnapshot, Side
from optionswarm.strategy.selection import chain_deltas
from optionswarm.strategy.structures import MULTIPLIER, StructurePlan

__all__ = ["ExitConfig", "ExitSignal", "OpenStructure", "check_exit", "closing_value"]


class ExitConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Exit thresholds (fractions of max profit / max loss, days, |delta|)."""

    take_profit: float = 0.5
    stop_loss: float = 0.5
    exit_dte: int = 5
    delta_breach: float = 0.45
    roll: bool = True


class OpenStructure(msgspec.Struct, frozen=True, kw_only=True):
    """A structure the strategy holds: its plan, quantity and the trade it belongs to."""

    trade_id: str
    plan: StructurePlan
    quantity: int
    opened_ns: int


class ExitSignal(msgspec.Struct, frozen=True, kw_only=True):
    """Why and at what value to close: ``pnl`` in $ for the whole position."""

    reason_code: str
    explanation: str
    pnl: float


def closing_value(position: OpenStructure, chain: ChainSnapshot) -> float | None:
    """$ per unit received (+) or paid (-) to close every leg now; None if a leg has no quote."""
    total = 0.0
    for leg in position.plan.legs:
        if not leg.is_option:
            total += leg.ratio * chain.spot
            continue
        row = find_row(chain, parse_contract(leg.symbol))
        if row is None:
            return None
        closing_buy = leg.side is Side.SELL
        quote = float(chain.ask[row] if closing_buy else chain.bid[row])
        if not math.isfinite(quote):
            if closing_buy:
                return None
            quote = 0.0  # a long with no bid is worth nothing to sell
        total += leg.side.sign * leg.ratio * MULTIPLIER * quote
    return total


def _short_delta(position: OpenStructure, chain: ChainSnapshot) -> float:
    rows = []
    for leg in position.plan.legs:
        if leg.is_option and leg.side is Side.SELL:
            row = find_row(chain, parse_contract(leg.symbol))
            if row is not None:
                rows.append(row)
    if not rows:
        return 0.0
    deltas = chain_deltas(chain, np.asarray(rows, dtype=np.int64))
    finite = np.abs(deltas[np.isfinite(deltas)])
    return float(finite.max()) if finite.size else 0.0


def check_exit(
    position: OpenStructure, chain: ChainSnapshot, config: ExitConfig
) -> ExitSignal | None:
    """The exit that fires now, or None to hold."""
    plan = position.plan
    value = closing_value(position, chain)
    if value is None:
        return None
    unit_pnl = value - plan.net_price * MULTIPLIER
    pnl = unit_pnl * position.quantity
    target = plan.max_profit if math.isfinite(plan.max_profit) else plan.net_price * MULTIPLIER
    dte = (plan.expiry_ns - chain.ts_ns) / NS_PER_DAY
    if config.take_profit > 0.0 and target > 0.0 and unit_pnl >= config.take_profit * target:
        why = f"P&L {unit_pnl:,.0f}/unit reached {config.take_profit:.0%} of {target:,.0f}"
        return ExitSignal(reason_code="take_profit", explanation=why, pnl=pnl)
    if config.stop_loss > 0.0 and -unit_pnl >= config.stop_loss * plan.max_loss:
        why = (
            f"loss {-unit_pnl:,.0f}/unit reached {config.stop_loss:.0%} of max {plan.max_loss:,.0f}"
        )
        return ExitSignal(reason_code="stop_loss", explanation=why, pnl=pnl)
    if dte <= config.exit_dte:
        why = f"{dte:.1f} days to expiry <= {config.exit_dte}"
        return ExitSignal(reason_code="dte_exit", explanation=why, pnl=pnl)
    if config.delta_breach < 1.0:
        short = _short_delta(position, chain)
        if short > config.delta_breach:
            why = f"short leg |delta| {short:.2f} > {config.delta_breach:.2f}"
            return ExitSignal(reason_code="delta_breach", explanation=why, pnl=pnl)
    return None
