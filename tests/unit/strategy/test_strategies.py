"""Reference strategies: selection by delta/DTE, SMA crossings, put spreads, covered calls."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from optionswarm.bus import InProcessBus
from optionswarm.config import StrategySettings
from optionswarm.engine import SimulatedClock
from optionswarm.engine.contracts import parse_contract
from optionswarm.engine.events import OrderRejected, PortfolioSnapshot, StrategyDecision
from optionswarm.engine.testkit import toy_chain
from optionswarm.engine.topics import BARS, CHAINS, DECISIONS, ORDERS, PORTFOLIO, REJECTIONS
from optionswarm.model import NS_PER_DAY, Bar, ChainSnapshot, OrderIntent, SettlementStyle, Side
from optionswarm.pricing import bsm_greeks
from optionswarm.strategy import (
    BuyAndHold,
    CoveredCall,
    ShortPutSpread,
    SmaCrossover,
    Strategy,
    StrategyComponent,
    chain_deltas,
    select_expiry,
    select_strike_by_delta,
)
from optionswarm.strategy.registry import STRATEGIES, build_strategy

DAY = dt.date(2016, 1, 4)
STRIKES = [float(k) for k in range(1600, 2405, 25)]


def _chain(day: dt.date = DAY, spot: float = 2000.0) -> ChainSnapshot:
    return toy_chain(
        day=day,
        spot=spot,
        expiries=[
            ("SPXW", dt.date(2016, 1, 29), SettlementStyle.PM),
            ("SPX", dt.date(2016, 2, 19), SettlementStyle.AM),
            ("SPX", dt.date(2016, 3, 18), SettlementStyle.AM),
        ],
        strikes=STRIKES,
    )


class _Harness:
    def __init__(self, cls: type[StrategyComponent], **config: object) -> None:
        self.bus = InProcessBus()
        self.clock = SimulatedClock()
        settings = StrategySettings(**config)  # type: ignore[arg-type]
        self.strategy = build_strategy(
            {v: k for k, v in STRATEGIES.items()}[cls],  # type: ignore[arg-type]
            self.bus,
            self.clock,
            settings,
            underlying="sp500",
            initial_equity=1_000_000.0,
        )
        assert isinstance(self.strategy, cls)
        self.orders: list[OrderIntent] = []
        self.decisions: list[StrategyDecision] = []
        self.bus.subscribe(ORDERS, self.orders.append)
        self.bus.subscribe(DECISIONS, self.decisions.append)
        self.strategy.start()

    def bar(self, close: float, ts_ns: int) -> None:
        self.clock.advance_to(ts_ns)
        bar = Bar(symbol="sp500", ts_ns=ts_ns, open=close, high=close, low=close, close=close)
        self.bus.publish(BARS, bar)

    def chain(self, chain: ChainSnapshot) -> None:
        self.clock.advance_to(chain.ts_ns)
        self.bus.publish(CHAINS, chain)


def test_expiry_nearest_target_dte_is_chosen_within_tolerance() -> None:
    chain = _chain()
    chosen = select_expiry(chain, target_dte=45, max_error_days=10)
    assert chosen is not None
    assert (chosen - chain.ts_ns) / NS_PER_DAY == pytest.approx(46.0, abs=1.0)
    assert select_expiry(chain, target_dte=120, max_error_days=10) is None
    assert select_expiry(chain, target_dte=30, max_error_days=60, min_dte=200) is None


def test_strike_by_delta_matches_a_brute_force_search_with_the_pricing_library() -> None:
    chain = _chain()
    expiry = select_expiry(chain, 45, 10)
    assert expiry is not None
    row = select_strike_by_delta(chain, expiry, False, 0.20)
    assert row is not None
    rows = np.flatnonzero((chain.expiry_ns == expiry) & ~chain.is_call)
    years = (expiry - chain.ts_ns) / (365 * NS_PER_DAY)
    deltas = bsm_greeks(2000.0, chain.strike[rows], years, 0.0, 0.0, 0.2, False).delta
    assert rows[int(np.argmin(np.abs(np.abs(deltas) - 0.20)))] == row
    wing = select_strike_by_delta(chain, expiry, False, 0.10, below_strike=chain.strike[row])
    assert wing is not None
    assert chain.strike[wing] < chain.strike[row]


def test_deltas_fall_back_to_the_vol_implied_by_the_mid() -> None:
    chain = _chain()
    no_iv = chain.with_columns(iv=np.full(len(chain), np.nan))
    near = np.abs(chain.strike - chain.spot) <= 200.0  # IV is well defined near the money
    rows = np.flatnonzero(near).astype(np.int64)
    np.testing.assert_allclose(chain_deltas(no_iv, rows), chain_deltas(chain, rows), atol=0.02)


def test_sma_crossover_goes_long_on_the_cross_up_and_exits_on_the_cross_down() -> None:
    h = _Harness(SmaCrossover, sma_fast=2, sma_slow=3, target_delta=0.2, wing_delta=0.1)
    assert isinstance(h.strategy, Strategy)
    closes = [10, 10, 10, 9, 12, 13, 8, 7, 7]
    for i, c in enumerate(closes):
        h.bar(float(c), (i + 1) * NS_PER_DAY)
    assert [(o.legs[0].side, o.quantity) for o in h.orders] == [(Side.BUY, 100), (Side.SELL, 100)]
    assert h.orders[1].tag == h.orders[0].client_order_id
    assert [d.reason_code for d in h.decisions] == ["sma_cross_up", "sma_cross_down"]
    assert h.orders[0].decision_id == h.decisions[0].decision_id


def test_buy_and_hold_buys_once_with_the_available_equity() -> None:
    h = _Harness(BuyAndHold)
    h.bus.publish(PORTFOLIO, _snapshot(500_000.0))
    h.bar(2000.0, NS_PER_DAY)
    h.bar(2100.0, 2 * NS_PER_DAY)
    (order,) = h.orders
    assert order.quantity == int(500_000 * 0.99 / 2000.0)
    h.strategy.stop()
    h.strategy.reset()
    assert h.strategy.equity == 1_000_000.0


def test_short_put_spread_sells_target_delta_buys_the_wing_and_sizes_by_max_loss() -> None:
    h = _Harness(ShortPutSpread, target_delta=0.20, wing_delta=0.10, target_dte=45)
    chain = _chain()
    h.chain(chain)
    (order,) = h.orders
    short, long = (parse_contract(leg.symbol) for leg in order.legs)
    assert [leg.side for leg in order.legs] == [Side.SELL, Side.BUY]
    assert short.strike > long.strike
    assert order.underlying == "SPX"
    assert "max loss" in h.decisions[0].explanation
    h.chain(chain)
    assert len(h.orders) == 1  # one spread at a time


def test_short_put_spread_takes_profit_when_the_spread_decays() -> None:
    h = _Harness(ShortPutSpread, target_delta=0.20, wing_delta=0.10, target_dte=45)
    h.chain(_chain())
    later = _chain(day=dt.date(2016, 1, 20), spot=2150.0)
    h.chain(later)
    assert [d.reason_code for d in h.decisions] == ["open_short_put_spread", "take_profit"]
    assert h.orders[1].tag == h.orders[0].client_order_id


def test_short_put_spread_forgets_a_rejected_open() -> None:
    h = _Harness(ShortPutSpread)
    h.chain(_chain())
    h.bus.publish(
        REJECTIONS,
        OrderRejected(
            client_order_id=h.orders[0].client_order_id,
            ts_ns=1,
            stage="risk",
            reason_code="x",
            message="no",
        ),
    )
    h.chain(_chain())
    assert len(h.orders) == 2
    assert len(h.strategy.rejected) == 1


def test_covered_call_buys_lots_then_sells_one_call_per_lot_until_expiry() -> None:
    h = _Harness(CoveredCall, target_delta=0.30, wing_delta=0.10, target_dte=30)
    chain = _chain()
    h.chain(chain)
    h.chain(chain)
    assert len(h.orders) == 2
    stock, call = h.orders
    assert stock.legs[0].symbol == "sp500"
    assert stock.quantity % 100 == 0
    assert call.quantity == stock.quantity // 100
    assert parse_contract(call.legs[0].symbol).is_call
    h.chain(chain)
    assert len(h.orders) == 2  # the call is held to expiry


def _snapshot(equity: float) -> PortfolioSnapshot:
    zeros = dict.fromkeys(
        (
            "delta",
            "gamma",
            "vega",
            "theta",
            "pnl",
            "pnl_delta",
            "pnl_gamma",
            "pnl_vega",
            "pnl_theta",
            "pnl_residual",
            "gross_exposure",
        ),
        0.0,
    )
    return PortfolioSnapshot(
        ts_ns=1, day="2016-01-04", equity=equity, cash=equity, open_positions=0, **zeros
    )
