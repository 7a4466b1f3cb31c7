"""Fast quantitative agents: trend, mean reversion, volatility regime, skew and term structure.

Each reads only ``MarketState.features`` (data stamped at or before the update) and answers in
microseconds. ``probability`` is the agent's chance that its call is right over
``horizon_days``: the direction when the view is directional, otherwise the vol view (this is
how the track record scores it). Missing inputs give an abstention with
``insufficient_data``; a signal too weak to call gives ``low_confidence``.
"""

from __future__ import annotations

import math

import msgspec

from optionswarm.agents.protocol import MarketState
from optionswarm.model import NS_PER_DAY, Direction, Reason, View, VolView

__all__ = [
    "MeanReversionAgent",
    "MeanReversionConfig",
    "SkewTermAgent",
    "SkewTermConfig",
    "TrendAgent",
    "TrendConfig",
    "VolRegimeAgent",
    "VolRegimeConfig",
]

_DAY_TTL = NS_PER_DAY  # fast views are re-formed on every update; a day bounds staleness


def _finite(*values: float) -> bool:
    return all(math.isfinite(v) for v in values)


def _edge_probability(strength: float, slope: float, max_edge: float) -> float:
    """0.5 plus an edge growing with ``strength`` (>= 0), capped at ``max_edge``."""
    return 0.5 + min(max_edge, slope * max(strength, 0.0))


def _view(
    agent_id: str,
    state: MarketState,
    *,
    direction: Direction,
    vol_view: VolView,
    probability: float,
    horizon_days: int,
    rationale: str,
) -> View:
    return View(
        agent_id=agent_id,
        underlying=state.underlying,
        ts_ns=state.ts_ns,
        direction=direction,
        probability=probability,
        vol_view=vol_view,
        conviction=min(1.0, 2.0 * (probability - 0.5) / 0.3),
        horizon_days=horizon_days,
        rationale=rationale,
        ttl_ns=_DAY_TTL,
    )


def _abstain(agent_id: str, state: MarketState, code: str, why: str, horizon: int) -> View:
    return View.abstain(
        agent_id, state.underlying, state.ts_ns, code, why, ttl_ns=_DAY_TTL, horizon_days=horizon
    )


class TrendConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Momentum over ``lookback`` bars, as a t-statistic of the return against realised vol."""

    lookback: int = 60
    vol_window: int = 60
    min_t: float = 0.5
    slope: float = 0.04
    max_edge: float = 0.12
    horizon_days: int = 20


class TrendAgent:
    """Time-series momentum: long after a strong rise, short after a strong fall."""

    def __init__(self, agent_id: str = "trend", config: TrendConfig | None = None) -> None:
        self.agent_id = agent_id
        self.config = config or TrendConfig()

    def on_update(self, state: MarketState) -> View:
        """A directional view from the ``lookback`` return's t-statistic."""
        cfg, f = self.config, state.features
        ret = f.returns.get(cfg.lookback, math.nan)
        vol = f.realised_vol.get(cfg.vol_window, math.nan)
        if not _finite(ret, vol) or vol <= 0.0:
            why = f"needs {cfg.lookback} returns and {cfg.vol_window}-bar realised vol"
            return _abstain(self.agent_id, state, Reason.INSUFFICIENT_DATA, why, cfg.horizon_days)
        t_stat = ret / (vol * math.sqrt(cfg.lookback / 252.0))
        if abs(t_stat) < cfg.min_t:
            why = f"{cfg.lookback}-bar move t={t_stat:+.2f} is inside +/-{cfg.min_t}"
            return _abstain(self.agent_id, state, Reason.LOW_CONFIDENCE, why, cfg.horizon_days)
        p = _edge_probability(abs(t_stat) - cfg.min_t, cfg.slope, cfg.max_edge)
        direction = Direction.BULLISH if t_stat > 0 else Direction.BEARISH
        return _view(
            self.agent_id,
            state,
            direction=direction,
            vol_view=VolView.FLAT,
            probability=p,
            horizon_days=cfg.horizon_days,
            rationale=(
                f"{cfg.lookback}-bar log return {ret:+.2%} against realised vol {vol:.1%}: "
                f"t={t_stat:+.2f}, momentum says {direction.value}."
            ),
        )


class MeanReversionConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Fade a ``lookback``-bar move larger than ``entry_z`` standard deviations."""

    lookback: int = 5
    vol_window: int = 20
    entry_z: float = 1.5
    slope: float = 0.04
    max_edge: float = 0.12
    horizon_days: int = 7


class MeanReversionAgent:
    """Short-horizon reversal: bullish after a sharp drop, bearish after a sharp rise."""

    def __init__(self, agent_id: str = "mean_reversion", config: MeanReversionConfig | None = None):
        self.agent_id = agent_id
        self.config = config or MeanReversionConfig()

    def on_update(self, state: MarketState) -> View:
        """A contrarian view when the recent move is extreme against realised vol."""
        cfg, f = self.config, state.features
        ret = f.returns.get(cfg.lookback, math.nan)
        vol = f.realised_vol.get(cfg.vol_window, math.nan)
        if not _finite(ret, vol) or vol <= 0.0:
            why = f"needs {cfg.lookback} returns and {cfg.vol_window}-bar realised vol"
            return _abstain(self.agent_id, state, Reason.INSUFFICIENT_DATA, why, cfg.horizon_days)
        z = ret / (vol * math.sqrt(cfg.lookback / 252.0))
        if abs(z) < cfg.entry_z:
            why = f"{cfg.lookback}-bar move z={z:+.2f} is inside +/-{cfg.entry_z}"
            return _abstain(self.agent_id, state, Reason.LOW_CONFIDENCE, why, cfg.horizon_days)
        p = _edge_probability(abs(z) - cfg.entry_z + 0.5, cfg.slope, cfg.max_edge)
        direction = Direction.BEARISH if z > 0 else Direction.BULLISH
        return _view(
            self.agent_id,
            state,
            direction=direction,
            vol_view=VolView.FLAT,
            probability=p,
            horizon_days=cfg.horizon_days,
            rationale=(
                f"{cfg.lookback}-bar move {ret:+.2%} is z={z:+.2f} against {vol:.1%} realised "
                f"vol: expect a reversal ({direction.value})."
            ),
        )


class VolRegimeConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Thresholds on IV rank and the variance risk premium (IV minus realised vol)."""

    rich_vrp: float = 0.02  # IV this far above realised vol is rich
    rich_rank: float = 0.5
    cheap_vrp: float = -0.01  # IV below realised vol is cheap
    cheap_rank: float = 0.15
    base_probability: float = 0.55
    max_edge: float = 0.12
    horizon_days: int = 20


class VolRegimeAgent:
    """Sell rich vol, buy cheap vol: a view on ATM IV from IV rank and the risk premium.

    Falling when IV is rich (premium over realised vol and an upper-half rank); rising only when
    IV is below realised vol *and* low in its range (a low rank alone is the normal calm state,
    in which implied vol still tends to exceed realised).
    """

    def __init__(self, agent_id: str = "vol_regime", config: VolRegimeConfig | None = None):
        self.agent_id = agent_id
        self.config = config or VolRegimeConfig()

    def on_update(self, state: MarketState) -> View:
        """Falling vol when IV is rich (high rank, big premium); rising when cheap."""
        cfg, f = self.config, state.features
        if not _finite(f.iv_rank, f.vrp, f.atm_iv):
            why = "needs the chain's ATM IV, its trailing rank and realised vol"
            return _abstain(self.agent_id, state, Reason.INSUFFICIENT_DATA, why, cfg.horizon_days)
        facts = f"ATM IV {f.atm_iv:.1%}, IV rank {f.iv_rank:.2f}, IV - realised {f.vrp:+.1%}"
        if f.vrp >= cfg.rich_vrp and f.iv_rank >= cfg.rich_rank:
            vol_view, edge = VolView.FALLING, f.iv_rank - cfg.rich_rank
            why = f"{facts}: implied is rich, expect it to fall."
        elif f.vrp <= cfg.cheap_vrp and f.iv_rank <= cfg.cheap_rank:
            vol_view, edge = VolView.RISING, max(cfg.cheap_rank - f.iv_rank, -f.vrp, 0.0)
            why = f"{facts}: implied is below realised and low in its range; expect a rise."
        else:
            return _abstain(
                self.agent_id, state, Reason.LOW_CONFIDENCE, f"{facts}: no edge.", cfg.horizon_days
            )
        p = cfg.base_probability + min(cfg.max_edge, 0.2 * edge)
        return _view(
            self.agent_id,
            state,
            direction=Direction.NEUTRAL,
            vol_view=vol_view,
            probability=p,
            horizon_days=cfg.horizon_days,
            rationale=why,
        )


class SkewTermConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Thresholds on the term-structure slope and the skew's trailing percentile."""

    backwardation: float = -0.005  # long - short ATM IV below this: inverted curve
    steep_contango: float = 0.02
    rich_skew_percentile: float = 0.8
    flat_skew_percentile: float = 0.2
    probability: float = 0.55
    horizon_days: int = 20


class SkewTermAgent:
    """Reads fear in the surface: an inverted term structure or a rich put skew.

    * inverted (short IV above long): stress is priced in; expect a rebound and falling vol;
    * rich skew in a calm (contango) curve: protection is overpaid; mildly bullish;
    * flat skew in a steep contango: complacency; expect vol to rise.
    """

    def __init__(self, agent_id: str = "skew_term", config: SkewTermConfig | None = None):
        self.agent_id = agent_id
        self.config = config or SkewTermConfig()

    def on_update(self, state: MarketState) -> View:
        """A view from the term-structure slope and the skew percentile."""
        cfg, f = self.config, state.features
        if not _finite(f.term_slope, f.skew, f.skew_percentile):
            why = "needs ATM IV at two tenors, the 90/110 skew and its trailing percentile"
            return _abstain(self.agent_id, state, Reason.INSUFFICIENT_DATA, why, cfg.horizon_days)
        facts = (
            f"term slope {f.term_slope:+.1%} (90d - 30d IV), skew {f.skew:.1%} "
            f"at percentile {f.skew_percentile:.2f}"
        )
        direction, vol_view = Direction.NEUTRAL, VolView.FLAT
        if f.term_slope <= cfg.backwardation:
            direction, vol_view = Direction.BULLISH, VolView.FALLING
            why = f"{facts}: inverted curve, stress priced in; expect relief."
        elif f.skew_percentile >= cfg.rich_skew_percentile:
            direction = Direction.BULLISH
            why = f"{facts}: puts are rich in a calm curve; mildly bullish."
        elif f.skew_percentile <= cfg.flat_skew_percentile and f.term_slope >= cfg.steep_contango:
            vol_view = VolView.RISING
            why = f"{facts}: cheap protection in a steep curve; expect vol to rise."
        else:
            return _abstain(
                self.agent_id, state, Reason.LOW_CONFIDENCE, f"{facts}: no edge.", cfg.horizon_days
            )
        return _view(
            self.agent_id,
            state,
            direction=direction,
            vol_view=vol_view,
            probability=cfg.probability,
            horizon_days=cfg.horizon_days,
            rationale=why,
        )
