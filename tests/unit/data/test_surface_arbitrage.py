"""The modelled surface is free of static arbitrage on many days of real data (1999-2018)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from optionswarm.data.chains import ModelledChainBuilder
from optionswarm.data.svi import (
    AtmVariance,
    SsviParams,
    calendar_violation,
    ssvi_slice,
    ssvi_total_variance,
)
from optionswarm.model import NS_PER_YEAR, ChainSnapshot
from optionswarm.pricing import bsm_price

K_GRID = np.linspace(-2.5, 1.5, 801)


def _sample_days(builder: ModelledChainBuilder, symbol: str, step: int) -> list[dt.date]:
    return builder.trading_days(symbol)[::step]


def _model_calls(chain: ChainSnapshot, expiry_ns: int) -> tuple[np.ndarray, np.ndarray, float]:
    part = chain.slice((chain.expiry_ns == expiry_ns) & chain.is_call).sorted()
    years = (expiry_ns - chain.ts_ns) / NS_PER_YEAR
    price = bsm_price(
        chain.spot, part.strike, years, chain.rate, chain.dividend_yield, part.iv, True
    )
    return part.strike, price, years


def _assert_strike_arbitrage_free(chain: ChainSnapshot) -> None:
    for expiry_ns in chain.expiries():
        strike, call, years = _model_calls(chain, int(expiry_ns))
        if strike.shape[0] < 3:
            continue
        slope = np.diff(call) / np.diff(strike)
        discount = np.exp(-chain.rate * years)
        # Call spreads: 0 <= C(K1) - C(K2) <= (K2 - K1) e^{-rT}.
        assert np.all(slope <= 1e-9), "call price increasing in strike"
        assert np.all(slope >= -discount - 1e-9), "call spread worth more than its width"
        # Butterflies: slopes non-decreasing (convex in strike), to price rounding.
        assert np.all(np.diff(slope) >= -1e-7), "call prices not convex in strike"


@pytest.mark.slow
@pytest.mark.parametrize(("symbol", "step"), [("sp500", 20), ("nasdaq", 120)])
def test_surface_has_no_calendar_or_butterfly_arbitrage_on_real_history(
    builder: ModelledChainBuilder, symbol: str, step: int
) -> None:
    params = builder.config.ssvi
    days = _sample_days(builder, symbol, step)
    assert len(days) >= 40
    for day in days:
        chain = builder.chain_on(symbol, day)
        atm = builder.atm_variance(symbol, day)
        years = (chain.expiries() - chain.ts_ns) / NS_PER_YEAR
        thetas = atm.theta(years)
        assert np.all(np.diff(thetas) > 0), f"{day}: ATM total variance not increasing"
        assert calendar_violation(K_GRID, thetas, params) == 0.0, f"{day}: calendar arbitrage"
        for theta in thetas:
            g = ssvi_slice(float(theta), params).density_factor(K_GRID)
            assert g.min() >= 0.0, f"{day}: butterfly arbitrage (g < 0) at theta {theta}"
        _assert_strike_arbitrage_free(chain)


def test_chain_iv_is_the_surface_vol_at_each_strike(builder: ModelledChainBuilder) -> None:
    day = dt.date(2018, 2, 5)
    chain = builder.chain_on("sp500", day)
    atm = builder.atm_variance("sp500", day)
    years = chain.time_to_expiry()
    forward = chain.spot * np.exp((chain.rate - chain.dividend_yield) * years)
    w = ssvi_total_variance(np.log(chain.strike / forward), atm.theta(years), builder.config.ssvi)
    np.testing.assert_allclose(chain.iv, np.sqrt(w / years), rtol=1e-12)


def test_put_skew_and_short_expiries_steeper(builder: ModelledChainBuilder) -> None:
    chain = builder.chain_on("sp500", dt.date(2016, 6, 1))
    first, later = chain.expiries()[1], chain.expiries()[-3]
    for expiry_ns in (first, later):
        puts = chain.slice((chain.expiry_ns == expiry_ns) & ~chain.is_call).sorted()
        assert puts.iv[0] > puts.iv[-1], "downside strikes must carry higher vol (put skew)"
    w_short = ssvi_total_variance(np.array([-0.05, 0.0]), np.array(0.002), SsviParams())
    w_long = ssvi_total_variance(np.array([-0.05, 0.0]), np.array(0.04), SsviParams())
    skew_short = (np.sqrt(w_short[0] / 0.002) - 1) - (np.sqrt(w_short[1] / 0.002) - 1)
    skew_long = (np.sqrt(w_long[0] / 0.04) - 1) - (np.sqrt(w_long[1] / 0.04) - 1)
    assert skew_short > skew_long


def test_ssvi_refuses_parameters_outside_the_arbitrage_free_region() -> None:
    with pytest.raises(ValueError, match="eta"):
        SsviParams(rho=-0.9, eta=1.5)
    with pytest.raises(ValueError, match="gamma"):
        SsviParams(gamma=0.8)
    with pytest.raises(ValueError, match="rho"):
        SsviParams(rho=-1.0)


def test_svi_slice_reproduces_ssvi_total_variance() -> None:
    params = SsviParams()
    raw = ssvi_slice(0.03, params)
    np.testing.assert_allclose(
        raw.total_variance(K_GRID),
        ssvi_total_variance(K_GRID, np.array(0.03), params),
        rtol=1e-12,
    )


def test_anchored_term_structure_hits_its_target_and_floors_spot_variance() -> None:
    atm = AtmVariance.anchored(0.30, 30 / 365, v_inf=0.04, kappa=2.0)
    assert float(atm.atm_vol(30 / 365)) == pytest.approx(0.30)
    low = AtmVariance.anchored(0.05, 30 / 365, v_inf=0.09, kappa=20.0)
    assert low.v0 == pytest.approx(0.25 * 0.05**2)
    flat = AtmVariance(v0=0.04, v_inf=0.04, kappa=0.0)
    assert float(flat.atm_vol(1.0)) == pytest.approx(0.2)
