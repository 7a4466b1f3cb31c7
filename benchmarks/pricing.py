"""Pricing speed on one core: optionswarm vs fast-vollib vs a QuantLib loop, printed as JSON.

1,000,000 seeded random contracts (spot 20-500, strikes e^[-1, 1] x spot, T 1 day to 2 years,
vol 5 %-150 %, r 0-8 %, q 0-5 %, calls and puts mixed). Each timing is the best of three runs in
this process; QuantLib prices a 10,000-contract sample in a Python loop, scaled to contracts/s.
Rates are contracts per second of wall time and, beside them, per second of this process's CPU
time (the machine is shared: under load the wall figure understates what one free core does; the
CPU figure is the fairer comparison, and both libraries are measured the same way in one run).
American: the first 2,000 contracts (whole days) by the fixed point, BAW and the tree (200),
with the largest |price - QuantLib QdFp high-precision| over the first 200.
IV errors are |iv - true vol| where vega > 1e-8; "informative" further requires the price to
pin sigma at double precision (64 eps max(S, K) < 1e-9 vega).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np

# One core: thread pools read these when first loaded, so they are set before numba/QuantLib/
# fast-vollib are imported (inside main()).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ[_var] = "1"

N = 1_000_000
QL_SAMPLE = 10_000
AMERICAN_SAMPLE = 2_000  # contracts for the American figures (QuantLib: the first 200)


def _contracts(n: int, seed: int = 20261125) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    S = rng.uniform(20.0, 500.0, n)
    return {
        "S": S,
        "K": S * np.exp(rng.uniform(-1.0, 1.0, n)),
        "T": np.exp(rng.uniform(np.log(1 / 365), np.log(2.0), n)),
        "r": rng.uniform(0.0, 0.08, n),
        "q": rng.uniform(0.0, 0.05, n),
        "sigma": rng.uniform(0.05, 1.5, n),
        "is_call": rng.random(n) < 0.5,
    }


def _best(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, float]:
    """(best wall seconds, best CPU seconds of this process) over ``repeat`` runs."""
    wall, cpu = float("inf"), float("inf")
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall = min(wall, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    return wall, cpu


def _rates(timing: tuple[float, float]) -> dict[str, float]:
    return {"wall": N / timing[0], "cpu": N / timing[1]}


def _american(c: dict[str, np.ndarray]) -> dict[str, Any]:
    """American puts and calls: contracts/s (CPU) per model and max |error| vs QuantLib QdFp."""
    import QuantLib as ql  # noqa: N813  # customary name

    from optionswarm.pricing import alo_price, baw_price, binomial_price

    part = {key: value[:AMERICAN_SAMPLE] for key, value in c.items()}
    part["T"] = np.maximum(np.round(part["T"] * 365), 1) / 365  # whole days, as QuantLib counts
    args = tuple(part[k] for k in ("S", "K", "T", "r", "q", "sigma", "is_call"))
    today = ql.Date(15, 1, 2024)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    ql_values, start = [], time.process_time()
    for i in range(200):
        process = ql.BlackScholesMertonProcess(
            ql.QuoteHandle(ql.SimpleQuote(float(part["S"][i]))),
            ql.YieldTermStructureHandle(ql.FlatForward(today, float(part["q"][i]), dc)),
            ql.YieldTermStructureHandle(ql.FlatForward(today, float(part["r"][i]), dc)),
            ql.BlackVolTermStructureHandle(
                ql.BlackConstantVol(today, ql.NullCalendar(), float(part["sigma"][i]), dc)
            ),
        )
        kind = ql.Option.Call if part["is_call"][i] else ql.Option.Put
        option = ql.VanillaOption(
            ql.PlainVanillaPayoff(kind, float(part["K"][i])),
            ql.AmericanExercise(today, today + round(float(part["T"][i]) * 365)),
        )
        engine = ql.QdFpAmericanEngine(process, ql.QdFpAmericanEngine.highPrecisionScheme())
        option.setPricingEngine(engine)
        ql_values.append(option.NPV())
    ql_rate = 200 / (time.process_time() - start)
    exact = np.array(ql_values)
    out: dict[str, Any] = {"quantlib_qdfp_high_precision_cpu_per_s": ql_rate}
    models = (
        ("alo", alo_price, AMERICAN_SAMPLE),
        ("baw", baw_price, AMERICAN_SAMPLE),
        ("tree_lr_1601", binomial_price, 200),
    )
    for name, fn, count in models:
        fn(*(a[:5] for a in args))  # warm-up
        start = time.process_time()
        values = fn(*(a[:count] for a in args))
        out[name] = {
            "cpu_per_s": count / (time.process_time() - start),
            "max_abs_error_vs_qdfp": float(np.max(np.abs(values[:200] - exact))),
        }
    return out


def _ratio(ours: dict[str, float], peer: dict[str, float]) -> dict[str, float]:
    return {kind: ours[kind] / peer[kind] for kind in ours}


def _quantlib_rate(c: dict[str, np.ndarray]) -> float:
    import QuantLib as ql  # noqa: N813  # customary name

    today = ql.Date(15, 1, 2024)
    ql.Settings.instance().evaluationDate = today
    dc = ql.Actual365Fixed()
    start = time.perf_counter()
    for i in range(QL_SAMPLE):
        days = max(1, round(float(c["T"][i]) * 365))
        process = ql.BlackScholesMertonProcess(
            ql.QuoteHandle(ql.SimpleQuote(float(c["S"][i]))),
            ql.YieldTermStructureHandle(ql.FlatForward(today, float(c["q"][i]), dc)),
            ql.YieldTermStructureHandle(ql.FlatForward(today, float(c["r"][i]), dc)),
            ql.BlackVolTermStructureHandle(
                ql.BlackConstantVol(today, ql.NullCalendar(), float(c["sigma"][i]), dc)
            ),
        )
        kind = ql.Option.Call if c["is_call"][i] else ql.Option.Put
        option = ql.VanillaOption(
            ql.PlainVanillaPayoff(kind, float(c["K"][i])), ql.EuropeanExercise(today + days)
        )
        option.setPricingEngine(ql.AnalyticEuropeanEngine(process))
        _ = (option.NPV(), option.delta(), option.gamma(), option.vega(), option.theta())
        _ = (option.rho(), option.dividendRho())
    return QL_SAMPLE / (time.perf_counter() - start)


def _iv_errors(iv: np.ndarray, c: dict[str, np.ndarray], vega: np.ndarray) -> dict[str, Any]:
    err = np.abs(iv - c["sigma"])
    mask = vega > 1e-8
    informative = mask & (np.maximum(c["S"], c["K"]) * 64 * np.finfo(float).eps < 1e-9 * vega)
    return {
        "max_error_where_vega_gt_1e-8": float(np.nanmax(np.where(mask, err, 0.0))),
        "nan_where_vega_gt_1e-8": int(np.isnan(iv[mask]).sum()),
        "max_error_informative": float(np.nanmax(np.where(informative, err, 0.0))),
        "nan_informative": int(np.isnan(iv[informative]).sum()),
        "count_vega_gt_1e-8": int(mask.sum()),
        "count_informative": int(informative.sum()),
    }


def main() -> None:
    import numba

    from optionswarm.pricing import bsm_greeks, bsm_price, implied_vol

    numba.set_num_threads(1)
    c = _contracts(N)
    args = (c["S"], c["K"], c["T"], c["r"], c["q"], c["sigma"], c["is_call"])
    greeks = bsm_greeks(*args)  # warm-up (JIT / cache load)
    prices = greeks.price
    bsm_price(*args)
    ours_greeks = _rates(_best(lambda: bsm_greeks(*args)))
    ours_price = _rates(_best(lambda: bsm_price(*args)))
    iv_args = (prices, c["S"], c["K"], c["T"], c["r"], c["q"], c["is_call"])
    ours_iv_result = implied_vol(*iv_args)
    ours_iv = _rates(_best(lambda: implied_vol(*iv_args)))

    import fast_vollib as fv

    flag = np.where(c["is_call"], "c", "p")
    fv_kw: dict[str, Any] = {"model": "black_scholes_merton", "return_as": "numpy"}

    fv_args = (flag, c["S"], c["K"], c["T"], c["r"], c["sigma"], c["q"])
    iv_fv_args = (prices, c["S"], c["K"], c["T"], c["r"], flag, c["q"])

    def fv_price_and_greeks() -> None:
        fv.fast_black_scholes_merton(*fv_args, return_as="numpy")
        fv.get_all_greeks(*fv_args, **fv_kw)

    fv_price_and_greeks()
    fv_greeks = _rates(_best(fv_price_and_greeks))
    fv_iv_values = np.asarray(
        fv.fast_implied_volatility(*iv_fv_args, on_error="ignore", **fv_kw), dtype=np.float64
    ).reshape(-1)
    fv_iv = _rates(
        _best(lambda: fv.fast_implied_volatility(*iv_fv_args, on_error="ignore", **fv_kw), 1)
    )
    ql_rate = _quantlib_rate(c)
    american = _american(c)
    report = {
        "contracts": N,
        "threads": 1,
        "numba": numba.__version__,
        "load_average_1min": os.getloadavg()[0],
        "price_and_all_greeks_per_s": {
            "optionswarm": ours_greeks,
            "fast_vollib": fv_greeks,
            "quantlib_loop": ql_rate,
            "ratio_vs_fast_vollib": _ratio(ours_greeks, fv_greeks),
            "ratio_vs_quantlib_loop": ours_greeks["wall"] / ql_rate,
        },
        "price_only_per_s": {"optionswarm": ours_price},
        "implied_vol_per_s": {
            "optionswarm": ours_iv,
            "fast_vollib": fv_iv,
            "ratio_vs_fast_vollib": _ratio(ours_iv, fv_iv),
        },
        "american": american,
        "implied_vol_errors": {
            "optionswarm": _iv_errors(ours_iv_result.iv, c, greeks.vega),
            "fast_vollib": _iv_errors(fv_iv_values, c, greeks.vega),
        },
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
