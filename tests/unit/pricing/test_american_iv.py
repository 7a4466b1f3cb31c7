"""American implied volatility: round trips under each model, reasons, and QuantLib prices."""

from __future__ import annotations

from typing import Any

import numpy as np
import QuantLib as ql  # noqa: N813  # QuantLib's customary short name

from optionswarm.pricing import (
    IVReason,
    alo_price,
    american_implied_vol,
    baw_price,
    binomial_price,
    bjerksund_stensland_price,
    bsm_greeks,
)

_EPS = np.finfo(np.float64).eps


def _chain(n: int, seed: int) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    S = rng.uniform(50, 150, n)
    return (S, S * np.exp(rng.uniform(-0.5, 0.5, n)), np.exp(rng.uniform(np.log(7 / 365), 0.7, n)),
            rng.uniform(0, 0.08, n), rng.uniform(0, 0.05, n), rng.uniform(0.05, 1.0, n),
            rng.random(n) < 0.5)  # fmt: skip


def test_baw_and_bjs_prices_invert_to_their_vol_wherever_the_price_pins_it() -> None:
    S, K, T, r, q, vol, calls = _chain(3000, 2)
    vega = bsm_greeks(S, K, T, r, q, vol, calls).vega
    for model, pricer in (("baw", baw_price), ("bjs", bjerksund_stensland_price)):
        prices = pricer(S, K, T, r, q, vol, calls)
        result = american_implied_vol(prices, S, K, T, r, q, calls, model=model)  # type: ignore[arg-type]
        informative = result.ok & (np.maximum(S, K) * 64 * _EPS < 1e-9 * vega)
        assert informative.sum() > 2000, model
        assert np.max(np.abs(result.iv - vol)[informative]) <= 1e-8, model
        # the rest are flagged, never silently wrong: exercise-now prices carry no vol
        assert set(np.unique(result.reason)) <= {IVReason.OK, IVReason.BELOW_INTRINSIC,
                                                 IVReason.NONPOSITIVE_PRICE}  # fmt: skip


def test_fixed_point_prices_invert_to_their_vol() -> None:
    S, K, T, r, q, vol, calls = _chain(200, 4)
    prices = alo_price(S, K, T, r, q, vol, calls)
    result = american_implied_vol(prices, S, K, T, r, q, calls)  # model "alo" by default
    vega = bsm_greeks(S, K, T, r, q, vol, calls).vega
    informative = result.ok & (np.maximum(S, K) * 64 * _EPS < 1e-9 * vega)
    assert informative.sum() > 150
    assert np.max(np.abs(result.iv - vol)[informative]) <= 1e-8


def test_tree_iv_recovers_quantlibs_exact_american_prices(ql_option: Any) -> None:
    def exact(process: Any) -> Any:
        return ql.QdFpAmericanEngine(process, ql.QdFpAmericanEngine.highPrecisionScheme())

    rows = [
        (100.0, K, 182, 0.05, 0.02, 0.3, c) for K in (90.0, 100.0, 110.0) for c in (True, False)
    ]
    prices = np.array([ql_option(*row, american=True, engine=exact).NPV() for row in rows])
    S, K, days, r, q, _, calls = (np.array(col) for col in zip(*rows, strict=True))
    result = american_implied_vol(prices, S, K, days / 365.0, r, q, calls, model="tree")
    assert np.all(result.ok)
    assert np.max(np.abs(result.iv - 0.3)) < 2e-4  # the tree's own 5e-4 price error / vega


def test_impossible_american_prices_get_reasons_not_numbers() -> None:
    prices = np.array([9.0, 0.0, 150.0, np.nan, 12.0, 12.0])
    T = np.array([0.5, 0.5, 0.5, 0.5, 0.0, 0.5])
    S = np.array([90.0, 90.0, 90.0, 90.0, 90.0, -90.0])
    result = american_implied_vol(prices, S, 100.0, T, 0.05, 0.0, False)
    assert list(result.reason) == [
        IVReason.BELOW_INTRINSIC, IVReason.NONPOSITIVE_PRICE, IVReason.ABOVE_UPPER_BOUND,
        IVReason.BAD_INPUT, IVReason.EXPIRED, IVReason.BAD_INPUT,
    ]  # fmt: skip
    assert np.isnan(result.iv).all()


def test_tree_round_trip_on_a_small_chain_with_dividend_yield() -> None:
    S, K, T, r, q, vol, calls = _chain(12, 5)
    prices = binomial_price(S, K, T, r, q, vol, calls, steps=301)
    result = american_implied_vol(prices, S, K, T, r, q, calls, model="tree", steps=301)
    vega = bsm_greeks(S, K, T, r, q, vol, calls).vega
    ok = result.ok & (vega > 1e-2)
    assert ok.sum() >= 8
    assert np.max(np.abs(result.iv - vol)[ok]) <= 1e-7
