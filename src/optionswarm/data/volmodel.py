"""The ATM volatility level of each day, from information available at that day's close only.

Two sources, in order of preference:

1. **A volatility index** (VIX for the S&P 500, 2014-2018 in ``arch.data``): the 30-day ATM
   implied vol is ``vix_to_atm * VIX / 100`` (VIX exceeds ATM vol by the skew premium; 0.9 is a
   typical ratio). The long-run level and mean-reversion speed come from the GARCH state below.
2. **GARCH(1,1)** fitted with ``arch`` on daily log returns (percent). Parameters are refitted
   every ``refit_every`` sessions on the returns up to and including that session (expanding
   window) and used until the next refit, so the forecast for day ``d`` never sees data after
   ``d``. The one-day-ahead variance ``h[d+1] = omega + alpha e[d]^2 + beta h[d]`` gives the spot
   variance; ``omega / (1 - alpha - beta)`` the long-run variance; ``-ln(alpha + beta)`` per day the
   mean-reversion speed. Implied vol trades above forecast vol (the variance risk premium):
   both levels are scaled by ``implied_premium``. Before ``min_obs`` returns exist, an EWMA
   (RiskMetrics, lambda 0.94) seeded at ``prior_vol`` stands in.

``VolPath`` holds the result for every session of a series (each element computed from the past
only; the tests rebuild it on truncated data and compare).
"""

from __future__ import annotations

import math
import warnings

import msgspec
import numpy as np
import numpy.typing as npt

from optionswarm.data.svi import AtmVariance

__all__ = ["GarchConfig", "VolPath", "build_vol_path"]

_TRADING_DAYS = 252.0
_PCT2 = 1e4  # percent-squared to decimal-squared
_MIN_LONG_RUN_VOL, _MAX_LONG_RUN_VOL = 0.05, 0.80
FloatArray = npt.NDArray[np.float64]


class GarchConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """How the GARCH(1,1) forecast and the VIX anchor are made (see the module docstring)."""

    refit_every: int = 63
    min_obs: int = 500
    ewma_lambda: float = 0.94
    prior_vol: float = 0.20
    prior_kappa: float = 3.0
    implied_premium: float = 1.10
    vix_to_atm: float = 0.90
    anchor_years: float = 30.0 / 365.0
    min_kappa: float = 0.05


class VolPath(msgspec.Struct, frozen=True, kw_only=True):
    """Per-session (annualised) spot variance, long-run variance, mean reversion, and source."""

    v0: FloatArray
    v_inf: FloatArray
    kappa: FloatArray
    from_index: npt.NDArray[np.bool_]

    def atm_variance(self, i: int) -> AtmVariance:
        """The ATM term structure of session ``i``."""
        return AtmVariance(
            v0=float(self.v0[i]), v_inf=float(self.v_inf[i]), kappa=float(self.kappa[i])
        )


def _fit_garch(returns: FloatArray) -> tuple[float, float, float, float] | None:
    # imported here: arch (with scipy.stats) costs ~1.4 s, and every importer of optionswarm.data
    # (the CLI, agents) paid it at start-up although only a GARCH fit needs it
    from arch import arch_model  # noqa: PLC0415 -- deferred heavy import, see above

    model = arch_model(returns, mean="Constant", vol="GARCH", p=1, q=1, rescale=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # arch reports slow convergence as a warning
        result = model.fit(disp="off", show_warning=False)
    mu, omega, alpha, beta = (float(x) for x in result.params.to_numpy()[:4])
    persistence = alpha + beta
    if result.convergence_flag != 0 or not 0.0 < persistence < 1.0 or omega <= 0.0:
        return None
    long_run_vol = math.sqrt(omega / (1.0 - persistence) * _TRADING_DAYS / _PCT2)
    if not _MIN_LONG_RUN_VOL <= long_run_vol <= _MAX_LONG_RUN_VOL:
        return None  # a degenerate fit (typical on short samples): keep the previous one
    return mu, omega, alpha, beta


def _garch_states(returns: FloatArray, cfg: GarchConfig) -> tuple[FloatArray, ...]:
    """Daily-percent^2 next-day variance, long-run variance and kappa for each return index."""
    n = returns.shape[0]
    h_next = np.empty(n)
    v_inf = np.empty(n)
    kappa = np.empty(n)
    prior_var = cfg.prior_vol**2 * _PCT2 / _TRADING_DAYS
    h = prior_var
    params: tuple[float, float, float, float] | None = None
    for i in range(n):
        if i + 1 >= cfg.min_obs and (i + 1 - cfg.min_obs) % cfg.refit_every == 0:
            params = _fit_garch(returns[: i + 1]) or params
        if params is None:
            lam = cfg.ewma_lambda
            h = lam * h + (1.0 - lam) * returns[i] ** 2
            h_next[i], v_inf[i], kappa[i] = h, prior_var, cfg.prior_kappa / _TRADING_DAYS
            continue
        mu, omega, alpha, beta = params
        h = omega + alpha * (returns[i] - mu) ** 2 + beta * h
        persistence = alpha + beta  # in (0, 1): _fit_garch refuses other fits
        h_next[i] = h
        v_inf[i] = omega / (1.0 - persistence)
        kappa[i] = -math.log(persistence)
    return h_next, v_inf, kappa


def build_vol_path(
    close: FloatArray, vol_index: FloatArray | None = None, cfg: GarchConfig | None = None
) -> VolPath:
    """The ATM variance state of every session of a close series (no look-ahead).

    ``vol_index`` (same length, NaN where absent) holds the volatility index close in points.
    """
    cfg = cfg or GarchConfig()
    close = np.asarray(close, dtype=np.float64)
    returns = 100.0 * np.diff(np.log(close))
    h_next, v_inf_d, kappa_d = _garch_states(returns, cfg)
    prior_var = cfg.prior_vol**2 * _PCT2 / _TRADING_DAYS
    # Session 0 has no return yet: the prior. Session i >= 1 uses returns up to i.
    h_next = np.concatenate(([prior_var], h_next))
    v_inf_d = np.concatenate(([prior_var], v_inf_d))
    kappa_d = np.concatenate(([cfg.prior_kappa / _TRADING_DAYS], kappa_d))
    premium = cfg.implied_premium**2
    v0 = h_next * _TRADING_DAYS / _PCT2 * premium
    v_inf = v_inf_d * _TRADING_DAYS / _PCT2 * premium
    kappa = np.maximum(kappa_d * _TRADING_DAYS, cfg.min_kappa)
    from_index = np.zeros(close.shape[0], dtype=bool)
    if vol_index is not None:
        index = np.asarray(vol_index, dtype=np.float64)
        from_index = np.isfinite(index) & (index > 0)
        for i in np.flatnonzero(from_index):
            anchored = AtmVariance.anchored(
                cfg.vix_to_atm * index[i] / 100.0, cfg.anchor_years, v_inf[i], kappa[i]
            )
            v0[i] = anchored.v0
    return VolPath(v0=v0, v_inf=v_inf, kappa=kappa, from_index=from_index)
