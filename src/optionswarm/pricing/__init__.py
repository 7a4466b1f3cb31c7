"""Option pricing for optionswarm: vectorised over whole chains, checked against QuantLib.

Every function takes scalars or numpy arrays that broadcast together (``S, K, T, r, q, sigma``
as float arrays, ``is_call`` as a bool array, so calls and puts mix in one chain) and returns
arrays of the broadcast shape. A shape that does not broadcast, or a non-numeric array, raises
``ValueError`` naming the argument; a bad *value* in one element (NaN, S <= 0, K <= 0, T < 0,
sigma <= 0) gives NaN for that element only (:func:`input_errors` says why), so one bad quote
never stops a chain.

Units (QuantLib's): S, K in price units; T in years; r, q continuously compounded per year
(q is a continuous dividend yield; a cost of carry b corresponds to q = r - b); sigma per
sqrt(year). Greeks: vega, rho, dividend_rho per 1.00 (use :func:`per_percent` for per 1 %);
theta per year, d/dt of the value as time passes (:func:`per_day` divides by 365).

T == 0 gives the intrinsic value with limiting Greeks (delta a step, the rest 0) and IV reason
``EXPIRED``.

- European: :func:`bsm_price`, :func:`bsm_greeks` -> :class:`Greeks` (one fused pass; agrees
  with QuantLib to 1e-10; ~10 M contracts/s with all Greeks on one core).
- Implied vol: :func:`implied_vol` -> :class:`IVResult` (iv + :class:`IVReason` code; error
  < 1e-10 wherever the price determines sigma; ~2.5 M contracts/s on one core).
- American: :func:`american_price` (``model`` "alo" | "baw" | "bjs" | "tree"), :func:`alo_price`
  (Andersen-Lake-Offengelden fixed point: exact to ~1e-6, ~200 us a contract), :func:`baw_price`,
  :func:`bjerksund_stensland_price`, :func:`binomial_price` (CRR / Leisen-Reimer, cash
  dividends by the escrowed model, :class:`CashDividends`), :func:`american_greeks`,
  :func:`american_implied_vol` (IV of American prices under any of those models).

The numba kernels compile on first use (a few seconds in all) and are cached on disk (in
``__pycache__``, or numba's user cache dir if that is read-only); a process still pays about
0.5 s for numba's runtime on its first call.
"""

from optionswarm.pricing.american import (
    AmericanModel,
    american_greeks,
    american_price,
    baw_price,
    bjerksund_stensland_price,
)
from optionswarm.pricing.american_iv import american_implied_vol
from optionswarm.pricing.andersen_lake import alo_price
from optionswarm.pricing.binomial import CashDividends, binomial_price
from optionswarm.pricing.black_scholes import Greeks, bsm_greeks, bsm_price, per_day, per_percent
from optionswarm.pricing.implied_volatility import IVReason, IVResult, implied_vol
from optionswarm.pricing.inputs import InputError, input_errors

__all__ = [
    "AmericanModel",
    "CashDividends",
    "Greeks",
    "IVReason",
    "IVResult",
    "InputError",
    "alo_price",
    "american_greeks",
    "american_implied_vol",
    "american_price",
    "baw_price",
    "binomial_price",
    "bjerksund_stensland_price",
    "bsm_greeks",
    "bsm_price",
    "implied_vol",
    "input_errors",
    "per_day",
    "per_percent",
]
