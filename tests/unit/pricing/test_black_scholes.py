"""European BSM price and Greeks against QuantLib's AnalyticEuropeanEngine on a grid."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from optionswarm.pricing import Greeks, bsm_greeks, bsm_price, per_day, per_percent

SPOTS = (50.0, 95.0, 100.0, 108.0, 200.0)
STRIKES = (60.0, 100.0, 140.0)
DAYS = (1, 30, 182, 730)
RATES = (-0.01, 0.0, 0.05)
DIVIDENDS = (0.0, 0.03)
VOLS = (0.05, 0.3, 1.2)


def _grid() -> dict[str, np.ndarray]:
    rows = list(itertools.product(SPOTS, STRIKES, DAYS, RATES, DIVIDENDS, VOLS, (True, False)))
    cols = list(zip(*rows, strict=True))
    names = ("S", "K", "days", "r", "q", "sigma", "is_call")
    return {name: np.array(col) for name, col in zip(names, cols, strict=True)}


def test_price_and_greeks_match_quantlib_within_1e10_on_a_grid(ql_option: Any) -> None:
    g = _grid()
    ours = bsm_greeks(g["S"], g["K"], g["days"] / 365.0, g["r"], g["q"], g["sigma"], g["is_call"])
    fields = ("price", "delta", "gamma", "vega", "theta", "rho", "dividend_rho")
    worst = dict.fromkeys(fields, 0.0)
    for i in range(g["S"].size):
        option = ql_option(
            g["S"][i], g["K"][i], int(g["days"][i]), g["r"][i], g["q"][i], g["sigma"][i],
            bool(g["is_call"][i]),
        )  # fmt: skip
        ql_values = (
            option.NPV(), option.delta(), option.gamma(), option.vega(), option.theta(),
            option.rho(), option.dividendRho(),
        )  # fmt: skip
        for field, expected in zip(fields, ql_values, strict=True):
            err = abs(float(getattr(ours, field)[i]) - expected)
            worst[field] = max(worst[field], err)
    assert all(err <= 1e-10 for err in worst.values()), worst


def _central(f: Any, x: float, h: float) -> float:
    return float((f(x + h) - f(x - h)) / (2 * h))


def test_vanna_and_volga_match_finite_differences_of_delta_and_vega() -> None:
    S, K, T, r, q, v = 103.0, 100.0, 0.4, 0.03, 0.01, 0.27
    for is_call in (True, False):
        g = bsm_greeks(S, K, T, r, q, v, is_call)
        vanna_fd = _central(lambda x, c=is_call: bsm_greeks(S, K, T, r, q, x, c).delta, v, 1e-5)
        volga_fd = _central(lambda x, c=is_call: bsm_greeks(S, K, T, r, q, x, c).vega, v, 1e-5)
        assert abs(float(g.vanna) - vanna_fd) < 1e-7
        assert abs(float(g.volga) - volga_fd) < 1e-6


def test_price_only_path_equals_the_fused_greeks_price() -> None:
    rng = np.random.default_rng(7)
    n = 2000
    S = rng.uniform(10, 300, n)
    K = S * np.exp(rng.uniform(-1, 1, n))
    args = (S, K, rng.uniform(0, 3, n), rng.uniform(-0.02, 0.1, n), rng.uniform(0, 0.1, n),
            rng.uniform(0.01, 2, n), rng.random(n) < 0.5)  # fmt: skip
    np.testing.assert_array_equal(bsm_price(*args), bsm_greeks(*args).price)


def test_expiry_gives_intrinsic_value_and_step_delta() -> None:
    S = np.array([90.0, 100.0, 110.0])
    call = bsm_greeks(S, 100.0, 0.0, 0.05, 0.02, 0.2, True)
    put = bsm_greeks(S, 100.0, 0.0, 0.05, 0.02, 0.2, False)
    np.testing.assert_array_equal(call.price, [0.0, 0.0, 10.0])
    np.testing.assert_array_equal(put.price, [10.0, 0.0, 0.0])
    np.testing.assert_array_equal(call.delta, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(put.delta, [-1.0, -0.5, 0.0])
    for field in ("gamma", "vega", "theta", "rho", "dividend_rho", "vanna", "volga"):
        assert not np.any(getattr(call, field)), field


def test_results_keep_the_broadcast_shape_of_the_inputs() -> None:
    strikes = np.linspace(80, 120, 5)[None, :]
    expiries = np.array([0.1, 0.5, 1.0])[:, None]
    g = bsm_greeks(100.0, strikes, expiries, 0.01, 0.0, 0.2, True)
    assert isinstance(g, Greeks)
    assert g.price.shape == (3, 5)
    assert g.volga.shape == (3, 5)


def test_unit_helpers_convert_per_year_and_per_unit_figures() -> None:
    g = bsm_greeks(100.0, 100.0, 1.0, 0.05, 0.0, 0.2, True)
    assert float(per_day(g.theta)) == float(g.theta) / 365.0
    assert float(per_day(g.theta, 252.0)) == float(g.theta) / 252.0
    assert float(per_percent(g.vega)) == float(g.vega) / 100.0
