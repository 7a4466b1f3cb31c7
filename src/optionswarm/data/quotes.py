"""Modelled bid/ask quotes around a model price, on the exchange's tick grid.

The full spread in dollars is::

    width = max(min_ticks * tick(price), price * rel, abs_floor)
    rel   = base_rel + moneyness_coef * |k| + short_dte_coef / sqrt(max(dte_days, 1))

times a lognormal jitter (``jitter`` standard deviation, seeded). So spreads widen away from the
money (``|k|``), near expiry (``dte_days``) and, relative to the price, for cheap options (the
minimum-tick term). Bids round down and asks round up to the tick of their own price level under
the class's ``TickRule`` (SPX: $0.05 below $3.00, $0.10 from $3.00). A bid that would be below
zero is zero (no bid; flagged ``NO_BID``). Sizes, volume and open interest are drawn from the
same seeded generator (uniform draws), decaying away from the money.
"""

from __future__ import annotations

import msgspec
import numpy as np
import numpy.typing as npt

from optionswarm.model import NON_PENNY, TickRule

__all__ = ["ModelledQuotes", "SpreadModel", "model_quotes", "tick_ceil", "tick_floor"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_GRID_EPS = 1e-9
_SQRT12 = 12.0**0.5


class SpreadModel(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Parameters of the modelled spread and size/volume/open-interest draws."""

    base_rel: float = 0.02
    moneyness_coef: float = 0.15
    short_dte_coef: float = 0.06
    min_ticks: float = 2.0
    abs_floor: float = 0.05
    jitter: float = 0.10
    mean_size: float = 40.0
    oi_atm: float = 8_000.0
    volume_atm: float = 1_500.0
    tick_below: float = NON_PENNY.below
    tick_at_or_above: float = NON_PENNY.at_or_above
    tick_threshold: float = NON_PENNY.threshold

    @property
    def tick_rule(self) -> TickRule:
        """The class's minimum price increments."""
        return TickRule(
            below=self.tick_below, at_or_above=self.tick_at_or_above, threshold=self.tick_threshold
        )


class ModelledQuotes(msgspec.Struct, frozen=True, kw_only=True):
    """Quote columns for a chain (one entry per contract)."""

    bid: FloatArray
    ask: FloatArray
    bid_size: IntArray
    ask_size: IntArray
    volume: IntArray
    open_interest: IntArray


def _ticks(price: FloatArray, rule: TickRule) -> FloatArray:
    below = np.abs(price) < rule.threshold - _GRID_EPS
    return np.where(below, rule.below, rule.at_or_above)


def tick_floor(price: FloatArray, rule: TickRule) -> FloatArray:
    """Vectorised round-down to the tick of each price's level (cleaned of binary noise)."""
    tick = _ticks(price, rule)
    return np.round(np.floor(price / tick + 1e-6) * tick, 10)


def tick_ceil(price: FloatArray, rule: TickRule) -> FloatArray:
    """Vectorised round-up to the tick of each price's level (cleaned of binary noise)."""
    tick = _ticks(price, rule)
    up = np.round(np.ceil(price / tick - 1e-6) * tick, 10)
    # Crossing the threshold by rounding up lands on the coarser grid, which is also valid.
    return np.maximum(up, tick)


def model_quotes(
    price: FloatArray,
    log_moneyness: FloatArray,
    dte_days: FloatArray,
    rng: np.random.Generator,
    model: SpreadModel,
) -> ModelledQuotes:
    """Bid/ask, sizes, volume and open interest for contracts with model ``price``."""
    rule = model.tick_rule
    n = price.shape[0]
    abs_k = np.abs(log_moneyness)
    rel = model.base_rel + model.moneyness_coef * abs_k
    rel += model.short_dte_coef / np.sqrt(np.maximum(dte_days, 1.0))
    price_tick = _ticks(price, rule)
    width = np.maximum(model.min_ticks * price_tick, price * rel)
    np.maximum(width, model.abs_floor, out=width)
    # One uniform draw per column: jitter (uniform with the configured standard deviation),
    # sizes, volume and open interest (cheaper than Poisson draws, same role).
    u = rng.random((5, n))
    width *= np.exp(model.jitter * _SQRT12 * (u[0] - 0.5))
    bid = tick_floor(np.maximum(price - width / 2.0, 0.0), rule)
    ask = np.maximum(tick_ceil(price + width / 2.0, rule), bid + _ticks(bid, rule))
    decay = np.exp(-8.0 * abs_k)
    size_scale = 2.0 * model.mean_size * (0.25 + decay)
    return ModelledQuotes(
        bid=bid,
        ask=ask,
        bid_size=np.where(bid > 0, 1 + (size_scale * u[1]).astype(np.int64), 0),
        ask_size=1 + (size_scale * u[2]).astype(np.int64),
        volume=(2.0 * model.volume_atm * decay * decay * u[3]).astype(np.int64),
        open_interest=(2.0 * model.oi_atm * decay * u[4]).astype(np.int64),
    )
