"""Input handling (broadcasting, shape errors, NaN per element) and no-arbitrage properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optionswarm import pricing
from optionswarm.pricing import (
    InputError,
    IVReason,
    american_price,
    bsm_greeks,
    bsm_price,
    implied_vol,
    input_errors,
)


def test_public_api_is_exactly_the_documented_names() -> None:
    assert sorted(pricing.__all__) == sorted([
        "AmericanModel", "CashDividends", "Greeks", "IVReason", "IVResult", "InputError",
        "alo_price",
        "american_greeks", "american_implied_vol", "american_price", "baw_price", "binomial_price",
        "bjerksund_stensland_price", "bsm_greeks", "bsm_price", "implied_vol", "input_errors",
        "per_day", "per_percent",
    ])  # fmt: skip
    assert all(hasattr(pricing, name) for name in pricing.__all__)


def test_mismatched_lengths_raise_value_error_naming_the_argument() -> None:
    with pytest.raises(ValueError, match=r"^K: shape"):
        bsm_price([100.0, 101.0], [90.0, 95.0, 100.0], 0.5, 0.0, 0.0, 0.2, True)
    with pytest.raises(ValueError, match=r"^is_call: shape"):
        bsm_greeks([100.0, 101.0], 100.0, 0.5, 0.0, 0.0, 0.2, [True, False, True])
    with pytest.raises(ValueError, match=r"^S: shape"):  # the first one that disagrees
        implied_vol([1.0, 2.0, 3.0], [100.0, 100.0], 100.0, 0.5, 0.0, 0.0, True)


def test_wrong_dtypes_raise_value_error_naming_the_argument() -> None:
    with pytest.raises(ValueError, match=r"^is_call: must be boolean"):
        bsm_price(100.0, 100.0, 0.5, 0.0, 0.0, 0.2, [1, 0])
    with pytest.raises(ValueError, match=r"^sigma: must be numeric"):
        bsm_price(100.0, 100.0, 0.5, 0.0, 0.0, "0.2", True)
    with pytest.raises(ValueError, match=r"^S: cannot be read"):
        bsm_price([[1.0], [1.0, 2.0]], 100.0, 0.5, 0.0, 0.0, 0.2, True)


def test_bad_values_give_nan_for_that_element_only_with_a_reason() -> None:
    S = np.array([100.0, np.nan, -5.0, 100.0, 100.0, 100.0, 100.0])
    K = np.array([100.0, 100.0, 100.0, 0.0, 100.0, 100.0, 100.0])
    T = np.array([0.5, 0.5, 0.5, 0.5, -0.1, 0.5, 0.5])
    sigma = np.array([0.2, 0.2, 0.2, 0.2, 0.2, 0.0, -0.3])
    g = bsm_greeks(S, K, T, 0.01, 0.0, sigma, True)
    assert np.isfinite(g.price[0])
    assert np.isfinite(g.volga[0])
    assert np.isnan(g.price[1:]).all()
    assert np.isnan(g.delta[1:]).all()
    assert np.isnan(bsm_price(S, K, T, 0.01, 0.0, sigma, True)[1:]).all()
    assert np.isnan(american_price(S, K, T, 0.01, 0.0, sigma, False)[1:]).all()
    codes = input_errors(S, K, T, 0.01, 0.0, sigma)
    assert list(codes) == [
        InputError.OK, InputError.NON_FINITE, InputError.NONPOSITIVE_SPOT,
        InputError.NONPOSITIVE_STRIKE, InputError.NEGATIVE_TIME, InputError.NONPOSITIVE_VOL,
        InputError.NONPOSITIVE_VOL,
    ]  # fmt: skip
    assert input_errors(100.0, 100.0, 0.5, np.inf, 0.0, 0.2) == InputError.NON_FINITE


def test_scalars_broadcast_against_a_chain_and_empty_chains_work() -> None:
    strikes = np.arange(50.0, 151.0, 5.0)
    prices = bsm_price(100.0, strikes, 0.25, 0.03, 0.01, 0.2, strikes >= 100.0)
    assert prices.shape == strikes.shape
    empty = bsm_greeks(np.array([]), 100.0, 0.5, 0.0, 0.0, 0.2, True)
    assert empty.price.shape == (0,)
    assert implied_vol(np.array([]), 100.0, 100.0, 0.5, 0.0, 0.0, True).iv.shape == (0,)


_contract = st.tuples(
    st.floats(1.0, 1000.0),  # S
    st.floats(-1.5, 1.5),  # log-moneyness
    st.floats(0.0, 5.0),  # T
    st.floats(-0.02, 0.15),  # r
    st.floats(0.0, 0.1),  # q
    st.floats(0.01, 2.0),  # sigma
)


@settings(max_examples=300, deadline=None)
@given(_contract)
def test_put_call_parity_and_price_bounds_hold(c: tuple[float, ...]) -> None:
    S, m, T, r, q, v = c
    K = S * float(np.exp(m))
    call, put = bsm_price(S, K, T, r, q, v, np.array([True, False]))
    fwd_diff = S * np.exp(-q * T) - K * np.exp(-r * T)
    assert abs((call - put) - fwd_diff) <= 1e-12 * max(S, K)
    assert max(fwd_diff, 0.0) - 1e-12 * S <= call <= S * np.exp(-q * T) + 1e-12 * S
    assert max(-fwd_diff, 0.0) - 1e-12 * K <= put <= K * np.exp(-r * T) + 1e-12 * K


@settings(max_examples=200, deadline=None)
@given(_contract)
def test_prices_are_monotone_in_strike_and_vol(c: tuple[float, ...]) -> None:
    S, m, T, r, q, v = c
    K = S * np.exp(m) * np.array([0.9, 1.0, 1.1])
    calls, puts = bsm_price(S, K, T, r, q, v, True), bsm_price(S, K, T, r, q, v, False)
    tol = 1e-12 * S
    assert np.all(np.diff(calls) <= tol)
    assert np.all(np.diff(puts) >= -tol)
    vols = v * np.array([1.0, 1.1, 1.3])
    for is_call in (True, False):
        assert np.all(np.diff(bsm_price(S, K[1], T, r, q, vols, is_call)) >= -tol)


@settings(max_examples=150, deadline=None)
@given(_contract, st.booleans())
def test_greeks_agree_with_finite_differences(c: tuple[float, ...], is_call: bool) -> None:
    S, m, T, r, q, v = c
    T = max(T, 0.02)
    K = S * float(np.exp(m))
    g = bsm_greeks(S, K, T, r, q, v, is_call)

    def p(**kw: float) -> float:
        base = {"S": S, "K": K, "T": T, "r": r, "q": q, "sigma": v}
        base.update(kw)
        return float(bsm_price(**base, is_call=is_call))

    hs = 1e-3 * S * v * np.sqrt(T)  # a thousandth of a standard deviation
    hv, h = 1e-5, 1e-6
    scale = max(S, K)
    assert abs((p(S=S + hs) - p(S=S - hs)) / (2 * hs) - g.delta) <= 1e-6
    gamma_fd = (p(S=S + hs) - 2 * p() + p(S=S - hs)) / hs**2
    rounding = 8 * np.finfo(float).eps * max(float(g.price), S) / hs**2
    assert abs(gamma_fd - g.gamma) <= 1e-3 * g.gamma + 1e-4 / S + rounding
    assert abs((p(sigma=v + hv) - p(sigma=v - hv)) / (2 * hv) - g.vega) <= 1e-6 * scale
    assert abs((p(r=r + h) - p(r=r - h)) / (2 * h) - g.rho) <= 1e-5 * scale
    assert abs((p(q=q + h) - p(q=q - h)) / (2 * h) - g.dividend_rho) <= 1e-5 * scale
    assert abs(-(p(T=T + h) - p(T=T - h)) / (2 * h) - g.theta) <= 1e-4 * scale


@settings(max_examples=100, deadline=None)
@given(_contract, st.booleans())
def test_expiry_gives_intrinsic_and_bad_time_gives_nan(c: tuple[float, ...], is_call: bool) -> None:
    S, m, _, r, q, v = c
    K = S * float(np.exp(m))
    intrinsic = max(S - K, 0.0) if is_call else max(K - S, 0.0)
    assert float(bsm_price(S, K, 0.0, r, q, v, is_call)) == intrinsic
    assert np.isnan(bsm_price(S, K, -1e-9, r, q, v, is_call))
    near = float(bsm_price(S, K, 1e-10, r, q, v, is_call))
    assert abs(near - intrinsic) <= 1e-4 * max(S, K)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from([np.nan, np.inf, -1.0, 0.0]), min_size=1, max_size=4),
    st.integers(0, 5),
    st.integers(0, 19),
)
def test_a_bad_value_spoils_only_its_own_element(bad: list[float], column: int, row: int) -> None:
    rng = np.random.default_rng(row)
    n = 20
    cols = [rng.uniform(50, 150, n), rng.uniform(50, 150, n), rng.uniform(0.01, 2, n),
            rng.uniform(0, 0.05, n), rng.uniform(0, 0.05, n), rng.uniform(0.1, 0.9, n)]  # fmt: skip
    calls = rng.random(n) < 0.5
    clean = bsm_greeks(*cols, calls)
    clean_iv = implied_vol(clean.price, *cols[:5], calls)
    others = np.arange(n) != row
    for value in bad:
        if column in (3, 4) and np.isfinite(value):
            continue  # r and q may be any finite number
        if column == 2 and value == 0.0:
            continue  # T = 0 is valid: expiry
        cols[column][row] = value
        spoiled = bsm_greeks(*cols, calls)
        assert np.isnan(spoiled.price[row])
        np.testing.assert_array_equal(spoiled.price[others], clean.price[others])
        np.testing.assert_array_equal(spoiled.vega[others], clean.vega[others])
        assert input_errors(*cols)[row] != InputError.OK
        if column != 5:  # sigma is not an input of the implied vol
            iv = implied_vol(clean.price, *cols[:5], calls)
            assert iv.reason[row] == IVReason.BAD_INPUT
            np.testing.assert_array_equal(iv.iv[others], clean_iv.iv[others])


def test_numba_cache_falls_back_to_a_temp_dir_only_when_nothing_is_writable(
    tmp_path: pytest.TempPathFactory,
) -> None:
    from pathlib import Path

    from optionswarm.pricing._numba_cache import cache_dir_fallback

    root = Path(str(tmp_path))
    writable = root / "pkg" / "__pycache__"
    blocker = root / "a-file"
    blocker.write_text("not a directory")
    unusable = blocker / "__pycache__"  # its nearest existing ancestor is a file
    assert cache_dir_fallback("", [writable]) is None
    assert cache_dir_fallback("/already/set", [unusable]) is None
    fallback = cache_dir_fallback("", [unusable, blocker / "numba"])
    assert fallback is not None
    assert "optionswarm-numba" in fallback


def test_ensure_cache_dir_configures_numba_with_the_fallback(
    tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pathlib import Path

    from numba.core import config

    from optionswarm.pricing import _numba_cache

    target = Path(str(tmp_path)) / "numba-cache"
    monkeypatch.setattr(_numba_cache, "cache_dir_fallback", lambda *_: str(target))
    monkeypatch.setitem(vars(config), "CACHE_DIR", vars(config).get("CACHE_DIR", ""))
    _numba_cache.ensure_cache_dir()
    assert vars(config)["CACHE_DIR"] == str(target)
    assert target.is_dir()
