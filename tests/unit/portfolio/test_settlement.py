"""Settlement: AM vs PM prints, cash vs shares, early assignment before ex-dividend, pin risk,
exposure by expiry and margin used after one leg of a spread is assigned."""

from __future__ import annotations

import datetime as dt

from optionswarm.bus import InProcessBus
from optionswarm.config import PortfolioSettings
from optionswarm.engine import SimulatedClock
from optionswarm.engine.contracts import contract_symbol, parse_contract
from optionswarm.engine.events import SessionClose
from optionswarm.engine.testkit import toy_chain
from optionswarm.engine.topics import BARS, CHAINS, FILLS, SESSIONS
from optionswarm.execution import EXECUTION_NOTICES, ExecutionNotice
from optionswarm.model import NS_PER_DAY, Bar, Fill, Position, SettlementStyle, Side
from optionswarm.portfolio import Portfolio
from optionswarm.portfolio.exposure import margin_used
from optionswarm.portfolio.settlement import (
    SettlementPrint,
    assignment_fills,
    early_assignments,
    expiry_fills,
    pin_risks,
)
from optionswarm.risk import MarginEngine, MarginLeg

EXPIRY = dt.date(2016, 1, 15)


def _symbol(root: str, strike: float, is_call: bool, style: SettlementStyle) -> str:
    chain = toy_chain(
        day=dt.date(2016, 1, 4), spot=200.0, expiries=[(root, EXPIRY, style)], strikes=[strike]
    )
    for row in range(len(chain)):
        if bool(chain.is_call[row]) is is_call:
            return contract_symbol(chain, row)
    raise AssertionError


def _position(symbol: str, quantity: int, underlying: str = "SPY") -> Position:
    return Position(symbol=symbol, underlying=underlying, quantity=quantity, avg_price=1.0)


SPX_AM_PUT = _symbol("SPX", 2000.0, False, SettlementStyle.AM)
SPXW_PM_PUT = _symbol("SPXW", 2000.0, False, SettlementStyle.PM)
SPY_CALL_190 = _symbol("SPY", 190.0, True, SettlementStyle.PM)
SPY_CALL_200 = _symbol("SPY", 200.0, True, SettlementStyle.PM)
EXPIRY_NS = parse_contract(SPXW_PM_PUT).expiry_ns


def test_am_and_pm_contracts_settle_against_their_own_print_of_one_snapshot() -> None:
    prints = SettlementPrint(day="2016-01-15", ts_ns=EXPIRY_NS, open=1990.0, close=1950.0)
    positions = {SPX_AM_PUT: _position(SPX_AM_PUT, -1), SPXW_PM_PUT: _position(SPXW_PM_PUT, -1)}
    fills = {f.symbol: f for f in expiry_fills(positions, prints)}
    assert fills[SPX_AM_PUT].price == 10.0  # 2000 - opening print 1990
    assert fills[SPXW_PM_PUT].price == 50.0  # 2000 - closing print 1950
    assert all(f.side is Side.BUY for f in fills.values())
    assert len(fills) == 2  # cash: no shares for an index


def test_equity_call_in_the_money_at_expiry_is_exercised_into_shares_at_the_strike() -> None:
    prints = SettlementPrint(day="2016-01-15", ts_ns=EXPIRY_NS, open=205.0, close=205.0)
    fills = expiry_fills({SPY_CALL_190: _position(SPY_CALL_190, 2)}, prints)
    option, shares = fills
    assert (option.side, option.quantity, option.price) == (Side.SELL, 2, 15.0)
    assert (shares.symbol, shares.side, shares.quantity, shares.price) == (
        "SPY",
        Side.BUY,
        200,
        205.0,
    )
    # net cash: +15 x 200 for the option, -205 x 200 for the shares = paying the strike 190
    cash = -sum(f.signed_quantity * f.price * (100 if f is option else 1) for f in fills)
    assert cash == -190.0 * 200


def test_out_of_the_money_equity_option_expires_worthless_without_shares() -> None:
    prints = SettlementPrint(day="2016-01-15", ts_ns=EXPIRY_NS, open=180.0, close=180.0)
    fills = expiry_fills({SPY_CALL_190: _position(SPY_CALL_190, -3)}, prints)
    assert [(f.symbol, f.price, f.side) for f in fills] == [(SPY_CALL_190, 0.0, Side.BUY)]


def test_short_itm_call_is_assigned_early_only_when_the_dividend_beats_time_value() -> None:
    positions = {
        SPY_CALL_190: _position(SPY_CALL_190, -1),
        SPY_CALL_200: _position(SPY_CALL_200, -1),
    }
    marks = {SPY_CALL_190: 10.3, SPY_CALL_200: 2.0}  # 190 call: time value 0.30 at spot 200
    assert early_assignments(positions, marks, 200.0, dividend=0.50) == [SPY_CALL_190]
    assert early_assignments(positions, marks, 200.0, dividend=0.20) == []


def test_pin_risk_flags_short_legs_near_the_strike_at_expiry() -> None:
    prints = SettlementPrint(day="2016-01-15", ts_ns=EXPIRY_NS, open=200.4, close=200.4)
    positions = {
        SPY_CALL_200: _position(SPY_CALL_200, -1),
        SPY_CALL_190: _position(SPY_CALL_190, -1),
    }
    flagged = pin_risks(positions, prints, pin_distance=0.5)
    assert [s for s, _ in flagged] == [SPY_CALL_200]
    assert abs(flagged[0][1] - 0.4) < 1e-9


def test_assigned_short_leg_of_a_call_spread_leaves_long_call_and_short_shares_with_margin() -> (
    None
):
    book = {SPY_CALL_190: -1, SPY_CALL_200: 1}
    fills = assignment_fills(
        "assign", _position(SPY_CALL_190, -1), parse_contract(SPY_CALL_190), 201.0, 1
    )
    for fill in fills:
        book[fill.symbol] = book.get(fill.symbol, 0) + fill.signed_quantity
    book = {s: q for s, q in book.items() if q}
    assert book == {SPY_CALL_200: 1, "SPY": -100}
    positions = {
        s: Position(
            symbol=s,
            underlying="SPY",
            quantity=q,
            avg_price=1.0,
            multiplier=100 if s != "SPY" else 1,
        )
        for s, q in book.items()
    }
    used = margin_used(positions, {SPY_CALL_200: 3.0}, {"SPY": 201.0})
    expected = (
        MarginEngine()
        .margin(
            [
                MarginLeg(
                    symbol=SPY_CALL_200,
                    quantity=1,
                    is_call=True,
                    strike=200.0,
                    expiry_ns=EXPIRY_NS,
                    price=3.0,
                ),
                MarginLeg(symbol="SPY", quantity=-100, is_option=False, multiplier=1),
            ],
            201.0,
        )
        .requirement
    )
    assert used == {"SPY": expected}
    assert expected > 0.0


def test_portfolio_assigns_before_ex_dividend_and_reports_pin_risk_and_exposure() -> None:
    chain = toy_chain(
        day=dt.date(2016, 1, 14),
        spot=200.0,
        expiries=[("SPY", EXPIRY, SettlementStyle.PM)],
        strikes=[190.0, 200.0],
        underlying="SPY",
    )
    bus, clock = InProcessBus(), SimulatedClock(start_ns=chain.ts_ns)
    portfolio = Portfolio(bus, clock, PortfolioSettings(), chain.underlying, pin_distance=0.5)
    portfolio.start()
    notices: list[ExecutionNotice] = []
    fills: list[Fill] = []
    bus.subscribe(EXECUTION_NOTICES, notices.append)
    bus.subscribe(FILLS, fills.append)
    for symbol in (SPY_CALL_190, SPY_CALL_200):
        bus.publish(
            FILLS,
            Fill(
                client_order_id="open",
                fill_id=f"open-{symbol}",
                symbol=symbol,
                side=Side.SELL,
                quantity=1,
                price=5.0,
                fee=0.0,
                ts_ns=chain.ts_ns,
            ),
        )
    bus.publish(
        BARS,
        Bar(symbol=chain.underlying, ts_ns=chain.ts_ns, open=200, high=200, low=200, close=200),
    )
    bus.publish(CHAINS, chain)
    rows = portfolio.exposure()
    assert [(r.underlying, r.expiry, r.contracts) for r in rows] == [("SPY", "2016-01-15", -2)]
    portfolio.expect_dividend("SPY", chain.ts_ns + NS_PER_DAY, 25.0)  # far above time value
    bus.publish(SESSIONS, SessionClose(ts_ns=chain.ts_ns, day="2016-01-14"))
    assert [n.kind for n in notices][:1] == ["early_assignment"]
    assert portfolio.positions["SPY"].quantity == -100
    assert SPY_CALL_190 not in portfolio.positions
    # expiry day: the 200 call is pinned at 200.3
    clock.advance_to(EXPIRY_NS)
    bus.publish(
        BARS,
        Bar(
            symbol=chain.underlying, ts_ns=EXPIRY_NS, open=200.3, high=200.3, low=200.3, close=200.3
        ),
    )
    bus.publish(SESSIONS, SessionClose(ts_ns=EXPIRY_NS, day="2016-01-15"))
    kinds = [n.kind for n in notices]
    assert "pin_risk" in kinds
    assert "exercise" in kinds
    assert portfolio.positions["SPY"].quantity == -200
    assert not [s for s in portfolio.positions if s != "SPY"]
