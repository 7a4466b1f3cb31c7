"""Marks, leg resolution, the book's margin bookkeeping, the throttle and the event codec."""

from __future__ import annotations

import msgspec
import numpy as np
import pytest

from optionswarm.model import Position, Side
from optionswarm.risk import (
    CASH_ACCOUNT,
    REG_T,
    BrokerProfile,
    DenyReason,
    MarginEngine,
    MarginLeg,
    MarketView,
    RiskCode,
    RiskConfig,
    RiskDecision,
    RiskEvent,
    RiskVerdict,
    StrategyKind,
    ThrottleConfig,
    TradingState,
)
from optionswarm.risk.testkit import build_engine, option_symbol, order_of, standard_chain
from optionswarm.risk.throttle import OrderThrottle

CHAIN = standard_chain()
SEC = 1_000_000_000


def test_missing_implied_vols_are_solved_from_the_mid() -> None:
    chain = CHAIN.with_columns(iv=np.full(len(CHAIN), np.nan))
    market = MarketView()
    market.update_chain(chain)
    symbol = option_symbol(CHAIN, 100, True)
    mark = market.option(symbol)
    assert mark is not None
    assert mark.iv == pytest.approx(0.2, abs=0.02)  # quotes are BSM at 20 % +- 5 cents
    assert mark.spread == pytest.approx(mark.ask - mark.bid)
    assert market.underlying("SPY") is not None
    assert market.underlying("QQQ") is None
    assert market.update_chain(CHAIN.slice(np.zeros(len(CHAIN), dtype=bool))) == []


def test_leg_resolution_says_why_a_leg_is_unusable() -> None:
    engine, _, _ = build_engine()
    problems: list[DenyReason] = []
    assert engine.resolver.resolve_symbol("FOO", 1, "SPY", problems) is None
    assert problems[-1].code is RiskCode.UNKNOWN_INSTRUMENT
    compact = option_symbol(CHAIN, 100, True).replace(" ", "")
    leg = engine.resolver.resolve_symbol(compact, 2, "SPY", problems)
    assert leg is not None
    assert leg.symbol == option_symbol(CHAIN, 100, True)
    del engine.market.underlyings["SPY"]
    assert engine.resolver.resolve_symbol("SPY", 100, "SPY", problems) is None
    assert problems[-1].code is RiskCode.NO_MARKET_DATA


def test_positions_the_profile_cannot_margin_block_new_margin_on_that_underlying() -> None:
    engine, _, _ = build_engine(RiskConfig(margin_profile=CASH_ACCOUNT))
    naked = option_symbol(CHAIN, 105, True)
    engine.load_positions([Position(symbol=naked, underlying="SPY", quantity=-1, avg_price=1.0)])
    assert "SPY" in engine.book.margin_failures
    put = option_symbol(CHAIN, 95, False)
    mid = engine.market.options[put].mid
    verdict = engine.assess(order_of([(put, Side.BUY, 1)], limit_price=round(mid, 2)))
    assert verdict.codes == (RiskCode.MARGIN_UNSUPPORTED,)
    # buying the call back is position-reducing and passes
    call_mid = engine.market.options[naked].mid
    close = order_of([(naked, Side.BUY, 1)], limit_price=round(call_mid, 2), client_order_id="c")
    assert engine.assess(close).decision is RiskDecision.ACCEPT
    assert list(engine.book.underlyings()) == ["SPY"]


def test_covered_check_refuses_to_guess_when_a_holding_has_no_mark() -> None:
    engine, _, _ = build_engine()
    engine.book.apply("SPY   240119C00100000", "SPY", 1, True, (0.0, 0.0, 0.0, 0.0))
    naked = option_symbol(CHAIN, 105, True)
    mid = engine.market.options[naked].mid
    verdict = engine.assess(order_of([(naked, Side.SELL, 1)], limit_price=-round(mid, 2)))
    assert RiskCode.UNDEFINED_RISK_NOT_ALLOWED in verdict.codes


def test_stock_holdings_are_margin_legs() -> None:
    engine, _, _ = build_engine()
    leg = engine.margin_leg_of("SPY", 100)
    assert (leg.is_option, leg.quantity, leg.multiplier) == (False, 100, 1)
    with pytest.raises(Exception, match="no mark"):
        engine.margin_leg_of("QQQ", 1)


def test_profile_may_allow_the_cboe_lesser_of_naked_or_spread() -> None:
    legs = [
        MarginLeg(symbol="S", quantity=-1, is_call=True, strike=80.0, price=0.0),
        MarginLeg(symbol="L", quantity=1, is_call=True, strike=200.0, price=0.0),
    ]
    conservative = MarginEngine(REG_T).margin(legs, 60.0)
    assert conservative.capital == pytest.approx(120 * 100)  # the spread's width
    lenient = MarginEngine(BrokerProfile(name="cboe_min", spread_at_most_naked=True))
    # naked 80 call at 60: max(0.2 x 60 - 20, 0.1 x 60) = 6 -> 600
    result = lenient.margin(legs, 60.0)
    assert result.capital == pytest.approx(600.0)
    assert {g.kind for g in result.groups} == {StrategyKind.NAKED_CALL, StrategyKind.LONG_OPTION}


def test_throttle_counts_only_the_last_second_and_prunes_old_contents() -> None:
    throttle = OrderThrottle(ThrottleConfig(duplicate_window_ns=SEC))
    base = order_of([(option_symbol(CHAIN, 100, True), Side.BUY, 1)], limit_price=1.0)
    for i in range(5000):
        order = msgspec.structs.replace(base, client_order_id=f"t{i}", limit_price=1.0 + i / 1e4)
        throttle.record(order, i * 10_000_000, passed=True)  # 100 orders a second
    status = throttle.status(base, 5000 * 10_000_000)
    assert status.orders_last_second == 99
    assert status.orders_last_minute == 5000  # 50 s of orders, all within the minute
    assert len(throttle._contents) < 4097


def test_events_round_trip_through_json_as_a_tagged_union() -> None:
    verdict = RiskVerdict(
        client_order_id="o1",
        decision=RiskDecision.DENY,
        reasons=(DenyReason(code=RiskCode.MAX_LOSS_EXCEEDED, check="max_loss", message="big"),),
        approval_reasons=(),
        trading_state=TradingState.ACTIVE,
        risk_reducing=False,
        structure="iron_condor",
        ts_ns=1,
    )
    data = msgspec.json.encode(verdict)
    assert b'"kind":"risk.verdict"' in data
    back = msgspec.json.decode(data, type=RiskEvent)
    assert back == verdict
    assert not back.accepted


def test_broad_based_index_is_recognised_by_its_option_roots() -> None:
    # a feed may name the S&P 500 "sp500"; its SPXW options still make it a broad-based index
    market = MarketView(frozenset({"SPX"}))
    market.update_chain(standard_chain("sp500", root="SPXW", spot=4700.0, strikes=(4600.0, 4700.0)))
    assert market.underlyings["sp500"].broad_based
    market.update_chain(standard_chain("SPY"))
    assert not market.underlyings["SPY"].broad_based
