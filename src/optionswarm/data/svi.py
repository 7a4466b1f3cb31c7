"""The modelled implied-volatility surface: SSVI (surface SVI), one raw-SVI slice per expiry.

Total implied variance ``w(k, t) = sigma_imp(k, t)^2 t`` at log-moneyness ``k = ln(K / F_t)``
follows Gatheral & Jacquier (2014), "Arbitrage-free SVI volatility surfaces"::

    w(k, t) = theta_t / 2 * (1 + rho phi k + sqrt((phi k + rho)^2 + 1 - rho^2)),  phi = phi(theta_t)
    phi(theta) = eta / (theta^gamma (1 + theta)^(1 - gamma))          (power-law skew)

Parameters (``SsviParams``; defaults fitted by eye to typical SPX surfaces):

* ``rho`` (-0.7) -- spot/vol correlation: the put skew. Negative values raise downside vol.
* ``eta`` (1.0) -- skew/curvature level; ``gamma`` (0.4) -- how fast skew decays with maturity
  (short expiries are steeper, as on the real surface).

The ATM term structure ``theta_t`` (``AtmVariance``) is the mean-reverting expected integrated
variance of a GARCH-type model: ``theta_t = v_inf t + (v0 - v_inf) (1 - exp(-kappa t)) / kappa``,
whose derivative (the forward variance ``v_inf + (v0 - v_inf) exp(-kappa t)``) is positive, so
``theta_t`` is strictly increasing. With ``gamma`` in ``(0, 1/2]`` and ``eta (1 + |rho|) <= 2``
this surface is free of static arbitrage (Gatheral & Jacquier, Corollary 4.1 / Remark 4.4): no
calendar spread (``w`` non-decreasing in ``t`` at every ``k``) and no butterfly
(Gatheral's density factor ``g(k) >= 0``). ``SsviParams`` refuses parameters outside that region,
and the tests check both conditions numerically over many days of real data.
"""

from __future__ import annotations

import msgspec
import numpy as np
import numpy.typing as npt

__all__ = [
    "AtmVariance",
    "SsviParams",
    "SviSlice",
    "calendar_violation",
    "ssvi_phi",
    "ssvi_slice",
    "ssvi_total_variance",
]

FloatArray = npt.NDArray[np.float64]


class SsviParams(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Skew parameters of the SSVI surface (see the module docstring)."""

    rho: float = -0.7
    eta: float = 1.0
    gamma: float = 0.4

    def __post_init__(self) -> None:
        if not -1.0 < self.rho < 1.0:
            raise ValueError(f"rho must lie in (-1, 1), got {self.rho}")
        if not 0.0 < self.gamma <= 0.5:
            raise ValueError(f"gamma must lie in (0, 0.5] for no arbitrage, got {self.gamma}")
        if not 0.0 < self.eta * (1.0 + abs(self.rho)) <= 2.0:
            raise ValueError(
                f"eta (1 + |rho|) must lie in (0, 2] for no arbitrage, got {self.eta} x "
                f"{1.0 + abs(self.rho)}"
            )


class AtmVariance(msgspec.Struct, frozen=True, kw_only=True):
    """ATM total-variance term structure: spot variance ``v0`` reverting to ``v_inf`` at ``kappa``.

    Variances are annualised (``sigma^2``); ``kappa`` is per year.
    """

    v0: float
    v_inf: float
    kappa: float

    def theta(self, years: FloatArray | float) -> FloatArray:
        """ATM total implied variance at each maturity (years)."""
        t = np.asarray(years, dtype=np.float64)
        decay = -np.expm1(-self.kappa * t) / self.kappa if self.kappa > 0 else t
        return np.asarray(self.v_inf * t + (self.v0 - self.v_inf) * decay, dtype=np.float64)

    def atm_vol(self, years: FloatArray | float) -> FloatArray:
        """ATM implied vol at each maturity."""
        t = np.asarray(years, dtype=np.float64)
        return np.asarray(np.sqrt(self.theta(t) / t), dtype=np.float64)

    @classmethod
    def anchored(
        cls, target_vol: float, at_years: float, v_inf: float, kappa: float, floor: float = 0.25
    ) -> AtmVariance:
        """The term structure whose ATM vol at ``at_years`` is ``target_vol``.

        ``v0`` is floored at ``floor * target_vol^2`` so that a target far below the long-run
        level still gives a positive spot variance (the anchor is then approximate).
        """
        decay = -np.expm1(-kappa * at_years) / (kappa * at_years) if kappa > 0 else 1.0
        target = target_vol * target_vol
        v0 = v_inf + (target - v_inf) / float(decay)
        return cls(v0=max(v0, floor * target), v_inf=v_inf, kappa=kappa)


def ssvi_phi(theta: FloatArray, params: SsviParams) -> FloatArray:
    """The power-law skew function ``phi(theta)``."""
    g = params.gamma
    return np.asarray(params.eta / (theta**g * (1.0 + theta) ** (1.0 - g)), dtype=np.float64)


def ssvi_total_variance(
    k: FloatArray, theta: FloatArray, params: SsviParams, phi: FloatArray | None = None
) -> FloatArray:
    """Total implied variance ``w(k, theta)``; ``k`` and ``theta`` broadcast together.

    ``phi`` may pass ``ssvi_phi(theta)`` precomputed (one per expiry, repeated per strike).
    """
    rho = params.rho
    phi_k = (ssvi_phi(theta, params) if phi is None else phi) * k
    root = np.sqrt((phi_k + rho) ** 2 + (1.0 - rho * rho))
    return np.asarray(0.5 * theta * (1.0 + rho * phi_k + root), dtype=np.float64)


class SviSlice(msgspec.Struct, frozen=True, kw_only=True):
    """Raw SVI: ``w(k) = a + b (rho (k - m) + sqrt((k - m)^2 + sigma^2))`` for one expiry."""

    a: float
    b: float
    rho: float
    m: float
    sigma: float

    def total_variance(self, k: FloatArray) -> FloatArray:
        """``w(k)``."""
        x = np.asarray(k, dtype=np.float64) - self.m
        return self.a + self.b * (self.rho * x + np.sqrt(x * x + self.sigma**2))

    def density_factor(self, k: FloatArray) -> FloatArray:
        """Gatheral's ``g(k)``; the slice is free of butterfly arbitrage iff ``g >= 0``."""
        k = np.asarray(k, dtype=np.float64)
        x = k - self.m
        root = np.sqrt(x * x + self.sigma**2)
        w = self.total_variance(k)
        w1 = self.b * (self.rho + x / root)
        w2 = self.b * self.sigma**2 / root**3
        return np.asarray(
            (1.0 - k * w1 / (2.0 * w)) ** 2 - w1 * w1 / 4.0 * (1.0 / w + 0.25) + w2 / 2.0,
            dtype=np.float64,
        )


def ssvi_slice(theta: float, params: SsviParams) -> SviSlice:
    """The raw-SVI parameters of the SSVI slice with ATM total variance ``theta``."""
    phi = float(ssvi_phi(np.asarray(theta, dtype=np.float64), params))
    rho = params.rho
    return SviSlice(
        a=0.5 * theta * (1.0 - rho * rho),
        b=0.5 * theta * phi,
        rho=rho,
        m=-rho / phi,
        sigma=float(np.sqrt(1.0 - rho * rho)) / phi,
    )


def calendar_violation(k: FloatArray, thetas: FloatArray, params: SsviParams) -> float:
    """Largest drop of total variance between consecutive maturities over ``k`` (0 if none).

    ``thetas`` are the ATM total variances of the expiries in maturity order.
    """
    w = ssvi_total_variance(
        np.asarray(k, dtype=np.float64)[None, :], np.asarray(thetas)[:, None], params
    )
    drops = w[:-1, :] - w[1:, :]
    return float(max(drops.max(initial=0.0), 0.0))
