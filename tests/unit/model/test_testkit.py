"""The testkit factories give valid values; make_chain's prices agree with QuantLib."""

from __future__ import annotations

import datetime as dt
import zoneinfo

import numpy as np
import pytest

from optionswarm.model import OptionRight, ns_to_datetime
from optionswarm.model import testkit as tk

ql = pytest.importorskip("QuantLib")


def _quantlib_price(
    spot: float, strike: float, days: int, *, rate: float, div: float, vol: float, call: bool
) -> float:
    today = ql.Date(2, 1, 2024)
    ql.Settings.instance().evaluationDate = today
    day_count = ql.Actual365Fixed()
    payoff = ql.PlainVanillaPayoff(ql.Option.Call if call else ql.Option.Put, strike)
    option = ql.VanillaOption(payoff, ql.EuropeanExercise(today + days))
    process = ql.BlackScholesMertonProcess(
        ql.QuoteHandle(ql.SimpleQuote(spot)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, div, day_count)),
        ql.YieldTermStructureHandle(ql.FlatForward(today, rate, day_count)),
        ql.BlackVolTermStructureHandle(
            ql.BlackConstantVol(today, ql.NullCalendar(), vol, day_count)
        ),
    )
    option.setPricingEngine(ql.AnalyticEuropeanEngine(process))
    return float(option.NPV())


@pytest.mark.parametrize("call", [True, False])
@pytest.mark.parametrize(("strike", "days", "div"), [(90.0, 30, 0.0), (110.0, 365, 0.02)])
def test_bs_price_agrees_with_quantlib(strike: float, days: int, div: float, call: bool) -> None:
    ours = tk.bs_price(100.0, strike, days / 365, rate=0.05, div=div, vol=0.25, call=call)
    theirs = _quantlib_price(100.0, strike, days, rate=0.05, div=div, vol=0.25, call=call)
    assert ours == pytest.approx(theirs, abs=1e-10)


def test_bs_price_at_expiry_is_intrinsic() -> None:
    assert tk.bs_price(105.0, 100.0, 0.0, rate=0.05, div=0.0, vol=0.2, call=True) == 5.0
    assert tk.bs_price(105.0, 100.0, 0.0, rate=0.05, div=0.0, vol=0.2, call=False) == 0.0


def test_make_chain_quotes_bracket_the_model_price() -> None:
    chain = tk.make_chain(strikes=(95.0, 100.0, 105.0), days_to_expiry=(30, 90), half_spread=0.05)
    assert len(chain) == 12
    assert chain.modelled
    years = chain.time_to_expiry()
    for row in range(len(chain)):
        fair = tk.bs_price(
            100.0,
            float(chain.strike[row]),
            float(years[row]),
            rate=0.05,
            div=0.0,
            vol=0.2,
            call=bool(chain.is_call[row]),
        )
        assert chain.bid[row] <= fair + 0.005
        assert chain.ask[row] >= fair - 0.005
    np.testing.assert_array_equal(chain.iv, 0.2)
    # expiries are New York closes, whether or not daylight saving is in force
    new_york = zoneinfo.ZoneInfo("America/New_York")
    closes = {ns_to_datetime(int(ns)).astimezone(new_york).time() for ns in chain.expiries()}
    assert closes == {dt.time(16, 0)}


def test_factories_build_valid_values_with_overrides() -> None:
    assert tk.make_occ(right=OptionRight.PUT, strike=12.5).format() == "SPY   240216P00012500"
    assert tk.make_occ(expiry=dt.date(2025, 1, 17)).expiry.year == 2025
    assert tk.make_quote("QQQ", bid=2.0, ask=2.1).symbol == "QQQ"
    assert tk.make_bar(volume=5).volume == 5
    assert tk.make_order(quantity=3).quantity == 3
    assert tk.make_fill(price=1.0).price == 1.0
    assert tk.make_position(quantity=-1).quantity == -1
    assert tk.make_view("vol", conviction=0.9).conviction == 0.9
    decision = tk.make_decision([tk.make_view("a"), tk.make_view("b"), tk.make_view("c")])
    assert [c.weight for c in decision.contributions] == pytest.approx([1 / 3] * 3)
    assert tk.make_chain(root="SPXW", underlying="SPX", spot=4700.0, strikes=(4700.0,)).root[0] == (
        "SPXW"
    )
