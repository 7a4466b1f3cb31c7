"""Implied volatility: round trips on QuantLib prices, bounds and reason codes."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from optionswarm.pricing import IVReason, bsm_greeks, bsm_price, implied_vol

_EPS = np.finfo(np.float64).eps


def test_vol_is_recovered_within_1e8_from_quantlib_prices_wherever_vega_exceeds_1e8(
    ql_option: Any,
) -> None:
    rows = list(
        itertools.product(
            (100.0,), (40.0, 70.0, 95.0, 100.0, 105.0, 140.0, 250.0), (1, 7, 45, 365, 730),
            (0.0, 0.05), (0.0, 0.02), (0.05, 0.2, 0.6, 1.5), (True, False),
        )
    )  # fmt: skip
    S, K, days, r, q, vol, is_call = (np.array(c) for c in zip(*rows, strict=True))
    prices = np.array([
        ql_option(*(float(x) for x in row[:2]), int(row[2]), *row[3:6], bool(row[6])).NPV()
        for row in rows
    ])  # fmt: skip
    T = days / 365.0
    vega = bsm_greeks(S, K, T, r, q, vol, is_call).vega
    result = implied_vol(prices, S, K, T, r, q, is_call)
    # where the price itself carries no information about sigma at double precision, skip
    informative = (vega > 1e-8) & (prices > 0) & (np.maximum(S, K) * 64 * _EPS < 1e-9 * vega)
    assert informative.sum() > 300
    assert np.all(result.reason[informative] == IVReason.OK)
    assert np.max(np.abs(result.iv - vol)[informative]) <= 1e-8


def test_deep_otm_short_dated_and_extreme_vols_round_trip() -> None:
    rng = np.random.default_rng(11)
    n = 20_000
    S = rng.uniform(20, 500, n)
    K = S * np.exp(rng.uniform(-2.5, 2.5, n))
    T = np.exp(rng.uniform(np.log(1 / 365), np.log(5), n))
    r, q = rng.uniform(-0.01, 0.1, n), rng.uniform(0, 0.08, n)
    vol = np.exp(rng.uniform(np.log(0.01), np.log(4.0), n))
    is_call = rng.random(n) < 0.5
    g = bsm_greeks(S, K, T, r, q, vol, is_call)
    result = implied_vol(g.price, S, K, T, r, q, is_call)
    informative = (g.vega > 1e-8) & (np.maximum(S, K) * 64 * _EPS < 1e-9 * g.vega)
    assert np.all(result.ok[informative])
    assert np.max(np.abs(result.iv - vol)[informative]) <= 1e-8
    # every OK answer reprices the input, wherever vega lets us see it
    ok = result.ok
    repriced = bsm_price(S[ok], K[ok], T[ok], r[ok], q[ok], result.iv[ok], is_call[ok])
    assert np.max(np.abs(repriced - g.price[ok]) / np.maximum(S[ok], K[ok])) < 1e-12


def test_prices_outside_the_no_arbitrage_bounds_get_nan_and_a_reason() -> None:
    S, K, T, r, q = 100.0, 100.0, 0.5, 0.05, 0.01
    upper_call = S * np.exp(-q * T)
    lower_call = S * np.exp(-q * T) - K * np.exp(-r * T)
    prices = np.array([0.0, -1.0, lower_call * 0.5, upper_call, upper_call + 1, np.nan, 5.0])
    result = implied_vol(prices, S, K, T, r, q, True)
    expected = [
        IVReason.NONPOSITIVE_PRICE, IVReason.NONPOSITIVE_PRICE, IVReason.BELOW_INTRINSIC,
        IVReason.ABOVE_UPPER_BOUND, IVReason.ABOVE_UPPER_BOUND, IVReason.BAD_INPUT, IVReason.OK,
    ]  # fmt: skip
    assert list(result.reason) == [int(e) for e in expected]
    assert np.isnan(result.iv[:-1]).all()
    assert np.isfinite(result.iv[-1])


def test_put_below_discounted_intrinsic_and_at_expiry_are_flagged() -> None:
    put = implied_vol([10.0, 5.0, 3.0], 90.0, 100.0, [1.0, 1.0, 0.0], 0.05, 0.0, False)
    # K e^-rT - S = 5.12: 10 is fine, 5 is below the bound; T = 0 carries no vol information
    assert list(put.reason) == [IVReason.OK, IVReason.BELOW_INTRINSIC, IVReason.EXPIRED]


def test_bad_spot_strike_or_time_is_bad_input_not_an_exception() -> None:
    result = implied_vol(5.0, [100.0, -1.0, 100.0, 100.0], [100.0, 100.0, 0.0, 100.0],
                         [0.5, 0.5, 0.5, -0.1], 0.0, 0.0, True)  # fmt: skip
    assert list(result.reason) == [0, 1, 1, 1]
    assert list(result.ok) == [True, False, False, False]


@settings(max_examples=300, deadline=None)
@given(
    S=st.floats(1.0, 1000.0),
    moneyness=st.floats(-1.5, 1.5),
    T=st.floats(1 / 365, 5.0),
    r=st.floats(-0.02, 0.15),
    q=st.floats(0.0, 0.1),
    vol=st.floats(0.02, 3.0),
    is_call=st.booleans(),
)
def test_round_trip_recovers_any_informative_vol(  # noqa: PLR0917  # hypothesis passes each drawn input
    S: float, moneyness: float, T: float, r: float, q: float, vol: float, is_call: bool
) -> None:
    K = S * float(np.exp(moneyness))
    g = bsm_greeks(S, K, T, r, q, vol, is_call)
    result = implied_vol(g.price, S, K, T, r, q, is_call)
    if float(g.vega) > 1e-8 and max(S, K) * 64 * _EPS < 1e-9 * float(g.vega):
        assert result.reason == IVReason.OK
        assert abs(float(result.iv) - vol) <= 1e-8
    else:  # no information at double precision: a flagged NaN or a vol that reprices the input
        assert result.reason in (IVReason.OK, IVReason.BELOW_INTRINSIC, IVReason.NONPOSITIVE_PRICE)
        assert (result.reason == IVReason.OK) == np.isfinite(result.iv)
