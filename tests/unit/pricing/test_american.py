"""American pricing against QuantLib: BAW and Bjerksund-Stensland against QuantLib's own
engines, the tree against QuantLib's finite-difference engine (1e-3), cash dividends against
QuantLib's escrowed-dividend FD engine, and finite-difference Greeks."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pytest
import QuantLib as ql  # noqa: N813  # QuantLib's customary short name

from optionswarm.pricing import (
    CashDividends,
    alo_price,
    american_greeks,
    american_price,
    baw_price,
    binomial_price,
    bjerksund_stensland_price,
    bsm_price,
)

GRID = list(
    itertools.product(
        (80.0, 100.0, 125.0), (100.0,), (30, 180, 540), (0.0, 0.06), (0.0, 0.04), (0.15, 0.45),
        (True, False),
    )
)  # fmt: skip


def _cols(rows: list[tuple[Any, ...]]) -> tuple[np.ndarray, ...]:
    S, K, days, r, q, vol, is_call = (np.array(c) for c in zip(*rows, strict=True))
    return S, K, days / 365.0, r, q, vol, is_call


def _ql_prices(ql_option: Any, rows: list[tuple[Any, ...]], engine: Any) -> np.ndarray:
    return np.array([
        ql_option(row[0], row[1], int(row[2]), row[3], row[4], row[5], bool(row[6]),
                  american=True, engine=engine).NPV()
        for row in rows
    ])  # fmt: skip


def test_baw_and_bjerksund_match_quantlibs_engines(ql_option: Any) -> None:
    args = _cols(GRID)
    baw = _ql_prices(ql_option, GRID, ql.BaroneAdesiWhaleyApproximationEngine)
    bjs = _ql_prices(ql_option, GRID, ql.BjerksundStenslandApproximationEngine)
    # QuantLib stops its critical-price Newton at 1e-6 relative; we go on to 1e-10
    np.testing.assert_allclose(baw_price(*args), baw, rtol=0, atol=5e-5)
    np.testing.assert_allclose(bjerksund_stensland_price(*args), bjs, atol=1e-10)


def test_tree_is_within_1e3_of_quantlibs_exact_american_engine(ql_option: Any) -> None:
    """Reference: QuantLib's QdFp (Andersen-Lake-Offengelden) high-precision engine, exact to
    ~1e-10. QuantLib's FdBlackScholesVanillaEngine at 800 x 800 is itself up to 2e-3 off on this
    grid (and needs 2000 x 2000 and 40 s to get under 1e-3), so the FD engine is the reference
    only where QdFp cannot go: discrete dividends, below."""

    def exact(process: Any) -> Any:
        return ql.QdFpAmericanEngine(process, ql.QdFpAmericanEngine.highPrecisionScheme())

    expected = _ql_prices(ql_option, GRID, exact)
    ours = binomial_price(*_cols(GRID))
    assert np.max(np.abs(ours - expected)) <= 1e-3


def test_fixed_point_method_is_within_1e5_of_quantlibs_exact_engine(ql_option: Any) -> None:
    def exact(process: Any) -> Any:
        return ql.QdFpAmericanEngine(process, ql.QdFpAmericanEngine.highPrecisionScheme())

    expected = _ql_prices(ql_option, GRID, exact)
    ours = alo_price(*_cols(GRID))
    assert np.max(np.abs(ours - expected)) <= 1e-5


def test_fixed_point_matches_quantlib_on_random_contracts_up_to_five_years(ql_option: Any) -> None:
    rng = np.random.default_rng(7)
    n = 60  # spot 20-500, strikes e^[-1, 1] x spot, 1 day to 5 years, vol 5-150 %, r, q 0-10 %
    S = rng.uniform(20, 500, n)
    rows = list(zip(S, S * np.exp(rng.uniform(-1, 1, n)),
                    np.round(np.exp(rng.uniform(0, np.log(1825), n))).astype(int),
                    rng.uniform(0, 0.1, n), rng.uniform(0, 0.1, n), rng.uniform(0.05, 1.5, n),
                    rng.random(n) < 0.5, strict=True))  # fmt: skip

    def exact(process: Any) -> Any:
        return ql.QdFpAmericanEngine(process, ql.QdFpAmericanEngine.highPrecisionScheme())

    expected = _ql_prices(ql_option, rows, exact)
    ours = alo_price(*_cols(rows))
    assert np.max(np.abs(ours - expected) / np.maximum(1.0, expected / 100.0)) <= 2e-5


def test_tree_and_fixed_point_are_within_1e3_of_quantlibs_fine_fd_engine(ql_option: Any) -> None:
    def fd(process: Any) -> Any:
        return ql.FdBlackScholesVanillaEngine(process, 2000, 2000)

    rows = [(90.0, 100.0, 270, 0.06, 0.0, 0.35, False), (115.0, 100.0, 400, 0.03, 0.05, 0.25, True)]
    expected = _ql_prices(ql_option, rows, fd)
    assert np.max(np.abs(binomial_price(*_cols(rows)) - expected)) <= 1e-3
    assert np.max(np.abs(alo_price(*_cols(rows)) - expected)) <= 1e-3


def test_fixed_point_method_handles_negative_rates_by_its_documented_routes() -> None:
    args = (100.0, 105.0, 0.75, np.array([-0.01, -0.02, 0.03]), np.array([0.02, -0.03, -0.01]),
            0.3, False)  # fmt: skip
    ours = alo_price(*args)
    # r <= 0 <= q: never exercised early; q < r < 0 and q < 0 < r: the tree's double boundary
    first = [a if np.ndim(a) == 0 else a[0] for a in args]
    assert float(ours[0]) == pytest.approx(float(bsm_price(*first)), abs=1e-12)
    tree = binomial_price(*args)
    np.testing.assert_allclose(ours[1:], tree[1:], rtol=0, atol=1e-12)


def test_crr_and_european_trees_converge_to_their_limits() -> None:
    S, K, T, r, q, v = 100.0, 105.0, 0.75, 0.04, 0.01, 0.3
    calls = np.array([True, False])
    euro = bsm_price(S, K, T, r, q, v, calls)
    lr = binomial_price(S, K, T, r, q, v, calls, american=False, steps=401)
    assert np.max(np.abs(lr - euro)) < 1e-4  # LR is second order for Europeans
    crr = binomial_price(S, K, T, r, q, v, calls, method="crr", steps=2000)
    exact = binomial_price(S, K, T, r, q, v, calls)
    assert np.max(np.abs(crr - exact)) < 5e-3


def test_cash_dividends_match_quantlibs_escrowed_fd_engine(ql_option: Any) -> None:
    today = ql.Date(15, 1, 2024)
    div_days, amounts = (45, 136, 227), (1.2, 1.2, 1.3)
    schedule = ql.DividendVector([today + d for d in div_days], list(amounts))

    def fd(process: Any) -> Any:
        return ql.FdBlackScholesVanillaEngine(
            process, schedule, 800, 800, 0, ql.FdmSchemeDesc.Douglas(), False, -1.0,
            ql.FdBlackScholesVanillaEngine.Escrowed,
        )  # fmt: skip

    rows = [
        (S, 100.0, 300, 0.05, 0.0, 0.25, c) for S in (90.0, 100.0, 115.0) for c in (True, False)
    ]
    expected = _ql_prices(ql_option, rows, fd)
    dividends = CashDividends(times=tuple(d / 365.0 for d in div_days), amounts=amounts)
    ours = binomial_price(*_cols(rows), dividends=dividends)
    assert np.max(np.abs(ours - expected)) <= 2e-3
    no_div = binomial_price(*_cols(rows))
    calls = np.array([r[6] for r in rows])
    assert np.all(ours[calls] < no_div[calls])  # dividends cheapen calls
    assert np.all(ours[~calls] > no_div[~calls])  # and enrich puts


def test_dividends_after_expiry_change_nothing_and_bad_schedules_are_rejected() -> None:
    late = CashDividends(times=(2.0,), amounts=(5.0,))
    args = (100.0, 100.0, 0.5, 0.03, 0.0, 0.2, False)
    assert float(binomial_price(*args, dividends=late)) == float(binomial_price(*args))
    with pytest.raises(ValueError, match="same length"):
        CashDividends(times=(0.1, 0.2), amounts=(1.0,))
    with pytest.raises(ValueError, match="amounts"):
        CashDividends(times=(0.1,), amounts=(-1.0,))
    with pytest.raises(ValueError, match="times"):
        CashDividends(times=(float("nan"),), amounts=(1.0,))
    huge = CashDividends(times=(0.1,), amounts=(150.0,))
    assert np.isnan(binomial_price(*args, dividends=huge))


def test_american_price_dispatches_and_rejects_unknown_models() -> None:
    args = (100.0, 100.0, 0.5, 0.05, 0.02, 0.25, False)
    assert float(american_price(*args)) == float(alo_price(*args))
    assert float(american_price(*args, model="baw")) == float(baw_price(*args))
    assert float(american_price(*args, model="bjs")) == float(bjerksund_stensland_price(*args))
    assert float(american_price(*args, model="tree")) == float(binomial_price(*args))
    with pytest.raises(ValueError, match="model"):
        american_price(*args, model="ju")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="dividends"):
        american_price(*args, model="baw", dividends=CashDividends(times=(0.1,), amounts=(1.0,)))
    with pytest.raises(ValueError, match="method"):
        binomial_price(*args, method="tian")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="steps"):
        binomial_price(*args, steps=0)


def test_american_greeks_match_quantlib_fd_delta_and_gamma(ql_option: Any) -> None:
    def fd(process: Any) -> Any:
        return ql.FdBlackScholesVanillaEngine(process, 800, 800)

    for is_call, q in ((False, 0.0), (True, 0.05)):
        option = ql_option(100.0, 100.0, 180, 0.05, q, 0.3, is_call, american=True, engine=fd)
        g = american_greeks(100.0, 100.0, 180 / 365.0, 0.05, q, 0.3, is_call, model="tree")
        assert abs(float(g.price) - option.NPV()) < 1e-3
        assert abs(float(g.delta) - option.delta()) < 2e-3
        assert abs(float(g.gamma) - option.gamma()) < 2e-3
        assert float(g.vega) > 0.0
        assert float(g.theta) < 0.0


def test_american_is_worth_at_least_european_and_intrinsic_even_at_the_edges() -> None:
    rng = np.random.default_rng(9)
    n = 20_000  # negative rates, sigma from 1e-4 to 10, T from an hour to 30 years
    S = np.exp(rng.uniform(0, 7, n))
    args = (S, S * np.exp(rng.uniform(-3, 3, n)), np.exp(rng.uniform(np.log(1e-4), np.log(30), n)),
            rng.uniform(-0.05, 0.2, n), rng.uniform(-0.05, 0.5, n),
            np.exp(rng.uniform(np.log(1e-4), np.log(10), n)), rng.random(n) < 0.5)  # fmt: skip
    euro = bsm_price(*args)
    intrinsic = np.where(args[-1], S - args[1], args[1] - S)
    scale = 1e-12 * np.maximum(S, args[1])
    for model in ("baw", "bjs"):
        am = american_price(*args, model=model)  # type: ignore[arg-type]
        assert np.all(np.isfinite(am)), model
        assert np.all(am >= euro - scale), model
        assert np.all(am >= intrinsic - scale), model
    part = slice(0, 1500)  # the fixed point (some elements fall back to the tree)
    alo = alo_price(*(a[part] for a in args))
    assert np.all(np.isfinite(alo))
    assert np.all(alo >= euro[part] - scale[part])
    assert np.all(alo >= intrinsic[part] - scale[part])
    few = slice(0, 300)  # a tree is only >= European up to its own discretisation error
    tree = binomial_price(*(a[few] for a in args), steps=401)
    assert np.all(np.isfinite(tree))
    assert np.all(tree >= intrinsic[few] - scale[few])
    assert np.all(tree >= euro[few] - 5e-3 * np.maximum(1.0, euro[few]))


def test_expiry_and_bad_inputs_give_intrinsic_and_nan() -> None:
    S = np.array([90.0, 110.0, -1.0])
    for model in ("alo", "baw", "bjs", "tree"):
        at_expiry = american_price(S[:2], 100.0, 0.0, 0.05, 0.0, 0.2, False, model=model)  # type: ignore[arg-type]
        np.testing.assert_array_equal(at_expiry, [10.0, 0.0])
        bad = american_price(S, 100.0, 0.5, 0.05, 0.0, 0.2, False, model=model)  # type: ignore[arg-type]
        assert np.isnan(bad[2])
        assert np.all(np.isfinite(bad[:2]))
