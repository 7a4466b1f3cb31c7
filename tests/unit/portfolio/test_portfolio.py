"""Portfolio: cash and positions from fills, expiry cash settlement, marks, Greeks, attribution."""

from __future__ import annotations

import datetime as dt

import pytest

from optionswarm.bus import InProcessBus
from optionswarm.config import PortfolioSettings
from optionswarm.engine import SimulatedClock
from optionswarm.engine.contracts import contract_symbol, parse_contract
from optionswarm.engine.events import PortfolioSnapshot, SessionClose
from optionswarm.engine.testkit import toy_chain
from optionswarm.engine.topics import BARS, CHAINS, FILLS, ORDERS, PORTFOLIO, SESSIONS
from optionswarm.model import (
    Bar,
    ChainSnapshot,
    Fill,
    OrderIntent,
    OrderLeg,
    SettlementStyle,
    Side,
)
from optionswarm.portfolio import Portfolio, contract_risks
from optionswarm.pricing import bsm_greeks

EXPIRY = dt.date(2016, 1, 15)


def _chain(
    day: dt.date, spot: float, root: str = "SPXW", expiry: dt.date = EXPIRY
) -> ChainSnapshot:
    style = SettlementStyle.AM if root == "SPX" else SettlementStyle.PM
    return toy_chain(
        day=day, spot=spot, expiries=[(root, expiry, style)], strikes=[1900.0, 2000.0, 2100.0]
    )


def _symbol(chain: ChainSnapshot, strike: float, is_call: bool) -> str:
    for i in range(len(chain)):
        if chain.strike[i] == strike and bool(chain.is_call[i]) is is_call:
            return contract_symbol(chain, i)
    raise AssertionError


class _Book:
    def __init__(self) -> None:
        self.bus = InProcessBus()
        self.clock = SimulatedClock()
        self.portfolio = Portfolio(
            self.bus, self.clock, PortfolioSettings(initial_cash=100_000.0), "sp500"
        )
        self.portfolio.start()
        self.snapshots: list[PortfolioSnapshot] = []
        self.bus.subscribe(PORTFOLIO, self.snapshots.append)

    def session(self, chain: ChainSnapshot, open_: float | None = None) -> PortfolioSnapshot:
        spot = chain.spot
        o = spot if open_ is None else open_
        bar = Bar(
            symbol="sp500",
            ts_ns=chain.ts_ns,
            open=o,
            high=max(o, spot),
            low=min(o, spot),
            close=spot,
        )
        self.clock.advance_to(chain.ts_ns)
        self.bus.publish(BARS, bar)
        self.bus.publish(CHAINS, chain)
        day = dt.datetime.fromtimestamp(chain.ts_ns / 1e9, tz=dt.UTC).date().isoformat()
        self.bus.publish(SESSIONS, SessionClose(ts_ns=chain.ts_ns, day=day))
        return self.snapshots[-1]

    def trade(  # noqa: PLR0917 -- reads like a blotter line in the tests
        self, cid: str, symbol: str, side: Side, qty: int, price: float, tag: str
    ) -> None:
        intent = OrderIntent(
            client_order_id=cid,
            underlying="SPX" if len(symbol) > 10 else "sp500",
            legs=(OrderLeg(symbol=symbol, side=side),),
            quantity=qty,
            limit_price=None,
            ts_ns=self.clock.now_ns(),
            tag=tag,
        )
        self.bus.publish(ORDERS, intent)
        self.bus.publish(
            FILLS,
            Fill(
                client_order_id=cid,
                fill_id=f"{cid}-0",
                symbol=symbol,
                side=side,
                quantity=qty,
                price=price,
                fee=1.0 * qty,
                ts_ns=self.clock.now_ns(),
            ),
        )


def test_fills_move_cash_and_positions_with_the_multiplier() -> None:
    book = _Book()
    chain = _chain(dt.date(2016, 1, 4), 2000.0)
    book.session(chain)
    put = _symbol(chain, 1900.0, False)
    book.trade("a", put, Side.SELL, 2, 3.0, "t1")
    assert book.portfolio.cash == pytest.approx(100_000.0 + 2 * 3.0 * 100 - 2.0)
    assert book.portfolio.positions[put].quantity == -2
    book.trade("b", "sp500", Side.BUY, 10, 2000.0, "t2")
    assert book.portfolio.positions["sp500"].multiplier == 1
    assert book.portfolio.fees == pytest.approx(12.0)


def test_short_put_expiring_in_the_money_is_cash_settled_at_the_close() -> None:
    book = _Book()
    first = _chain(dt.date(2016, 1, 4), 2000.0)
    book.session(first)
    put = _symbol(first, 2000.0, False)
    book.trade("a", put, Side.SELL, 1, 40.0, "t1")
    settle = _chain(EXPIRY, 1950.0)  # PM expiry: settles at this close, intrinsic 50
    snap = book.session(settle)
    assert put not in book.portfolio.positions
    assert book.portfolio.cash == pytest.approx(100_000.0 + 4000.0 - 1.0 - 5000.0)
    assert snap.equity == pytest.approx(book.portfolio.cash)
    (trade,) = book.portfolio.trades()
    assert trade.exit == "settled"
    assert trade.pnl == pytest.approx(4000.0 - 1.0 - 5000.0)


def test_am_settled_monthly_settles_at_the_session_open() -> None:
    book = _Book()
    first = _chain(dt.date(2016, 1, 4), 2000.0, root="SPX")
    book.session(first)
    call = _symbol(first, 1900.0, True)
    assert parse_contract(call).am_settled
    book.trade("a", call, Side.BUY, 1, 110.0, "t1")
    later = _chain(EXPIRY, 1990.0, root="SPX", expiry=dt.date(2016, 2, 19))
    book.session(later, open_=1960.0)
    (trade,) = book.portfolio.trades()
    assert trade.pnl == pytest.approx(60.0 * 100 - 110.0 * 100 - 1.0)


def test_open_option_is_marked_at_mid_with_pricing_library_greeks() -> None:
    book = _Book()
    chain = _chain(dt.date(2016, 1, 4), 2000.0)
    book.session(chain)
    call = _symbol(chain, 2000.0, True)
    book.trade("a", call, Side.BUY, 3, 60.0, "t1")
    snap = book.session(chain)
    risk = contract_risks(chain, [parse_contract(call)])[call]
    row = next(i for i in range(len(chain)) if contract_symbol(chain, i) == call)
    years = (int(chain.expiry_ns[row]) - chain.ts_ns) / (365 * 86_400e9)
    greeks = bsm_greeks(2000.0, 2000.0, years, 0.0, 0.0, 0.2, True)
    assert risk.mark == pytest.approx((chain.bid[row] + chain.ask[row]) / 2)
    assert risk.delta == pytest.approx(float(greeks.delta))
    assert snap.delta == pytest.approx(300 * float(greeks.delta))
    assert snap.theta == pytest.approx(300 * float(greeks.theta) / 365)
    assert snap.open_positions == 1
    (trade,) = book.portfolio.trades()
    assert trade.exit == "open"


def test_underlying_only_book_attributes_all_pnl_to_delta() -> None:
    book = _Book()
    book.session(_chain(dt.date(2016, 1, 4), 2000.0))
    book.trade("a", "sp500", Side.BUY, 10, 2000.0, "t1")
    book.session(_chain(dt.date(2016, 1, 5), 2000.0))
    snap = book.session(_chain(dt.date(2016, 1, 6), 2030.0))
    assert snap.pnl == pytest.approx(300.0)
    assert snap.pnl_delta == pytest.approx(300.0)
    assert snap.pnl_residual == pytest.approx(0.0, abs=1e-6)
    assert snap.delta == pytest.approx(10.0)


def test_closing_order_with_the_trade_tag_closes_the_trade() -> None:
    book = _Book()
    chain = _chain(dt.date(2016, 1, 4), 2000.0)
    book.session(chain)
    put = _symbol(chain, 1900.0, False)
    book.trade("a", put, Side.SELL, 2, 3.0, "t1")
    book.trade("b", put, Side.BUY, 2, 1.0, "t1")
    (trade,) = book.portfolio.trades()
    assert trade.exit == "closed"
    assert trade.entry_cash == pytest.approx(600.0)
    assert trade.pnl == pytest.approx(600.0 - 200.0 - 4.0)
    book.portfolio.stop()
    book.portfolio.reset()
    assert book.portfolio.cash == 100_000.0
    assert book.portfolio.trades() == []
