"""Max loss: exact at expiry for defined risk, unbounded detection, stress pricing."""

from __future__ import annotations

import math

import pytest

from optionswarm.model import NS_PER_YEAR
from optionswarm.pricing import bsm_price
from optionswarm.risk import MarginLeg, max_loss_at_expiry, stress_loss
from optionswarm.risk.payoff import expiry_pnl

EXPIRY = NS_PER_YEAR // 4


def leg(strike: float, qty: int, call: bool, expiry: int = EXPIRY) -> MarginLeg:
    return MarginLeg(
        symbol=f"{strike}{call}", quantity=qty, is_call=call, strike=strike, expiry_ns=expiry
    )


def test_iron_condor_max_loss_is_the_wider_wing_less_the_credit() -> None:
    legs = [leg(90, 1, False), leg(95, -1, False), leg(105, -1, True), leg(115, 1, True)]
    # credit 1.60 per share received: cost = -160; wider wing 10 -> loss (10 - 1.6) x 100 = 840
    result = max_loss_at_expiry(legs, cost=-160.0)
    assert result.bounded
    assert result.method == "payoff"
    assert result.amount == pytest.approx(840.0)
    assert result.worst_price == 115.0


def test_short_call_is_unbounded_and_short_put_is_bounded_at_zero() -> None:
    assert not max_loss_at_expiry([leg(100, -1, True)], cost=-200.0).bounded
    assert math.isinf(max_loss_at_expiry([leg(100, -1, True)], cost=-200.0).amount)
    short_put = max_loss_at_expiry([leg(100, -1, False)], cost=-200.0)
    # settles at 0: pays 100 x 100 = 10,000, kept 200 -> 9,800
    assert short_put.amount == pytest.approx(9_800.0)
    assert short_put.worst_price == 0.0


def test_covered_call_is_bounded_by_the_stock_going_to_zero() -> None:
    stock = MarginLeg(symbol="SPY", quantity=100, is_option=False, multiplier=1)
    legs = [stock, leg(105, -1, True)]
    # paid 100 x 100 = 10,000 for the stock, received 200: worst at 0 -> 9,800
    result = max_loss_at_expiry(legs, cost=10_000.0 - 200.0)
    assert result.bounded
    assert result.amount == pytest.approx(9_800.0)
    assert expiry_pnl(legs, 9_800.0, 105.0) == pytest.approx(700.0)


def test_long_option_loses_at_most_its_premium() -> None:
    assert max_loss_at_expiry([leg(100, 2, True)], cost=500.0).amount == pytest.approx(500.0)


def test_stress_loss_reprices_with_black_scholes() -> None:
    legs = [leg(100, -1, True)]
    vol, spot = 0.2, 100.0
    premium = float(bsm_price(spot, 100.0, 0.25, 0.0, 0.0, vol, True)) * 100
    result = stress_loss(
        legs,
        [vol],
        -premium,
        spot=spot,
        rate=0.0,
        dividend_yield=0.0,
        now_ns=0,
        moves=(-0.1, 0.0, 0.1),
        vol_shocks=(0.0, 0.1),
    )
    expected = float(bsm_price(110.0, 100.0, 0.25, 0.0, 0.0, 0.3, True)) * 100 - premium
    assert result.method == "stress"
    assert result.amount == pytest.approx(expected)
    assert result.worst_price == pytest.approx(110.0)


def test_stress_with_a_bad_volatility_reports_unbounded() -> None:
    result = stress_loss(
        [leg(100, -1, True)],
        [float("nan")],
        0.0,
        spot=100.0,
        rate=0.0,
        dividend_yield=0.0,
        now_ns=0,
        moves=(0.1,),
        vol_shocks=(0.0,),
    )
    assert not result.bounded


def test_put_spread_payoff_and_a_mixed_expiry_set() -> None:
    from optionswarm.risk.payoff import single_expiry

    legs = [leg(95, -1, False), leg(90, 1, False)]
    # at 80 the 95 put pays 15 and the 90 put earns 10: -5 x 100, plus the 150 credit kept
    assert expiry_pnl(legs, -150.0, 80.0) == pytest.approx(-350.0)
    assert single_expiry(legs)
    assert not single_expiry([leg(95, -1, False), leg(90, 1, False, expiry=2 * EXPIRY)])
