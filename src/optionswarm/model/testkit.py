"""Small factories of valid domain values for tests anywhere in the project.

Every factory returns a fully validated value with sensible defaults; override any field by
keyword. ``make_chain`` prices its quotes with a plain Black-Scholes formula (flat volatility)
so the chain is arbitrage-free and realistic enough for pricing and strategy tests.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from optionswarm.model._chain import ChainSnapshot
from optionswarm.model._enums import Direction, OptionRight, Side, VolView
from optionswarm.model._expiry import NEW_YORK, NS_PER_YEAR, expiry_instant_ns, ns_to_datetime
from optionswarm.model._market import Bar, Quote
from optionswarm.model._occ import OccSymbol
from optionswarm.model._orders import OrderIntent, OrderLeg
from optionswarm.model._portfolio import Fill, Position
from optionswarm.model._swarm import AgentContribution, Decision, View
from optionswarm.model._ticks import round_to_tick

__all__ = [
    "TS_NS",
    "bs_price",
    "make_bar",
    "make_chain",
    "make_decision",
    "make_fill",
    "make_occ",
    "make_order",
    "make_position",
    "make_quote",
    "make_view",
]

# 2024-01-02 15:00:00 UTC (10:00 New York), a Tuesday.
TS_NS = 1_704_207_600 * 1_000_000_000


def make_occ(
    root: str = "SPY",
    expiry: dt.date = dt.date(2024, 2, 16),
    right: OptionRight | str = OptionRight.CALL,
    strike: float = 475.0,
) -> OccSymbol:
    """An OSI symbol (default: SPY 2024-02-16 475 call)."""
    return OccSymbol.of(root, expiry, right, strike)


def make_quote(symbol: str = "SPY", **overrides: Any) -> Quote:
    """A two-sided quote (default bid 1.00 x ask 1.10, size 10 x 12, last 1.05)."""
    fields: dict[str, Any] = {
        "ts_ns": TS_NS,
        "bid": 1.0,
        "ask": 1.1,
        "bid_size": 10,
        "ask_size": 12,
        "last": 1.05,
    }
    return Quote(symbol=symbol, **{**fields, **overrides})


def make_bar(symbol: str = "SPY", **overrides: Any) -> Bar:
    """A one-minute bar (default 100 / 101 / 99.5 / 100.5, volume 1000)."""
    fields: dict[str, Any] = {
        "ts_ns": TS_NS,
        "open": 100.0,
        "high": 101.0,
        "low": 99.5,
        "close": 100.5,
        "volume": 1000,
    }
    return Bar(symbol=symbol, **{**fields, **overrides})


def _norm_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def bs_price(
    spot: float, strike: float, years: float, *, rate: float, div: float, vol: float, call: bool
) -> float:
    """Black-Scholes-Merton price (continuous rate and dividend yield); intrinsic at expiry."""
    if years <= 0.0 or vol <= 0.0:
        forward_intrinsic = spot - strike if call else strike - spot
        return max(forward_intrinsic, 0.0)
    sd = vol * math.sqrt(years)
    d1 = (math.log(spot / strike) + (rate - div + 0.5 * vol * vol) * years) / sd
    d2 = d1 - sd
    disc_s, disc_k = spot * math.exp(-div * years), strike * math.exp(-rate * years)
    if call:
        return disc_s * _norm_cdf(d1) - disc_k * _norm_cdf(d2)
    return disc_k * _norm_cdf(-d2) - disc_s * _norm_cdf(-d1)


def make_chain(
    underlying: str = "SPY",
    *,
    spot: float = 100.0,
    strikes: Sequence[float] = (90.0, 95.0, 100.0, 105.0, 110.0),
    days_to_expiry: Sequence[int] = (30,),
    vol: float = 0.2,
    rate: float = 0.05,
    dividend_yield: float = 0.0,
    half_spread: float = 0.05,
    ts_ns: int = TS_NS,
    root: str | None = None,
) -> ChainSnapshot:
    """A modelled chain: calls and puts on every strike and expiry, quoted around BSM at ``vol``.

    Bids are floored at 0 and rounded to $0.01; ``iv`` holds ``vol``; each expiry is the New York
    close ``days`` calendar days after the date of ``ts_ns``. Rows: 2 x strikes x expiries.
    """
    rows: list[tuple[int, float, bool, float, float]] = []
    today = ns_to_datetime(ts_ns).astimezone(NEW_YORK).date()
    for days in days_to_expiry:
        expiry_ns = expiry_instant_ns(today + dt.timedelta(days=days))
        for strike in strikes:
            for call in (True, False):
                fair = bs_price(
                    spot,
                    strike,
                    (expiry_ns - ts_ns) / NS_PER_YEAR,
                    rate=rate,
                    div=dividend_yield,
                    vol=vol,
                    call=call,
                )
                bid = round_to_tick(max(fair - half_spread, 0.0), 0.01)
                ask = round_to_tick(fair + half_spread, 0.01)
                rows.append((expiry_ns, float(strike), call, bid, ask))
    expiry, strike_col, is_call, bid_col, ask_col = (list(col) for col in zip(*rows, strict=True))
    count = len(rows)
    return ChainSnapshot.from_arrays(
        underlying=underlying,
        ts_ns=ts_ns,
        spot=spot,
        rate=rate,
        dividend_yield=dividend_yield,
        modelled=True,
        source="testkit",
        root=root or underlying,
        expiry_ns=np.array(expiry, dtype=np.int64),
        strike=np.array(strike_col),
        is_call=np.array(is_call, dtype=bool),
        bid=np.array(bid_col),
        ask=np.array(ask_col),
        bid_size=np.full(count, 10),
        ask_size=np.full(count, 10),
        iv=np.full(count, vol),
    )


def make_order(**overrides: Any) -> OrderIntent:
    """A one-lot SPY call vertical for a 1.25 debit (override any field)."""
    fields: dict[str, Any] = {
        "client_order_id": "test-0001",
        "underlying": "SPY",
        "legs": (
            OrderLeg(symbol=make_occ(strike=475.0).format(), side=Side.BUY),
            OrderLeg(symbol=make_occ(strike=480.0).format(), side=Side.SELL),
        ),
        "quantity": 1,
        "limit_price": 1.25,
        "ts_ns": TS_NS,
        "structure": "vertical",
    }
    return OrderIntent(**{**fields, **overrides})


def make_fill(**overrides: Any) -> Fill:
    """A one-contract buy fill at 2.50 with a 0.65 fee."""
    fields: dict[str, Any] = {
        "client_order_id": "test-0001",
        "fill_id": "fill-0001",
        "symbol": make_occ().format(),
        "side": Side.BUY,
        "quantity": 1,
        "price": 2.5,
        "fee": 0.65,
        "ts_ns": TS_NS,
    }
    return Fill(**{**fields, **overrides})


def make_position(**overrides: Any) -> Position:
    """Long one SPY 475 call at 2.50."""
    fields: dict[str, Any] = {
        "symbol": make_occ().format(),
        "underlying": "SPY",
        "quantity": 1,
        "avg_price": 2.5,
        "multiplier": 100,
    }
    return Position(**{**fields, **overrides})


def make_view(agent_id: str = "momentum", **overrides: Any) -> View:
    """A bullish SPY view, probability 0.6, conviction 0.5, 5-day horizon."""
    fields: dict[str, Any] = {
        "underlying": "SPY",
        "ts_ns": TS_NS,
        "direction": Direction.BULLISH,
        "probability": 0.6,
        "vol_view": VolView.FLAT,
        "conviction": 0.5,
        "horizon_days": 5,
        "rationale": "price above its 20-day average",
    }
    return View(agent_id=agent_id, **{**fields, **overrides})


def make_decision(views: Sequence[View] | None = None, **overrides: Any) -> Decision:
    """A bullish consensus over ``views`` (default: two bullish views, equal weights)."""
    chosen = list(views) if views is not None else [make_view("momentum"), make_view("meanrev")]
    weight = 1.0 / len(chosen) if chosen else 0.0
    contributions = tuple(
        AgentContribution(
            agent_id=view.agent_id,
            view=view,
            weight=weight,
            contribution=weight * view.direction.sign * view.conviction,
        )
        for view in chosen
    )
    fields: dict[str, Any] = {
        "decision_id": "dec-0001",
        "underlying": "SPY",
        "ts_ns": TS_NS,
        "direction": Direction.BULLISH,
        "vol_view": VolView.FLAT,
        "confidence": 0.6,
        "disagreement": 0.1,
        "contributions": contributions,
        "reason_code": "consensus",
        "explanation": "momentum and mean-reversion agents agree on a rise",
    }
    return Decision(**{**fields, **overrides})
