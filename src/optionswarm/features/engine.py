"""``FeatureEngine``: the rolling features of one underlying, updated per bar and per chain.

Each update costs O(1) (ring buffers) apart from the chain's own volatility read-out
(``chain_vol``, vectorised over the snapshot). A bar or chain stamped earlier than the last one
seen is refused: features only ever move forward in time, so no feature at t can contain data
stamped after t.
"""

from __future__ import annotations

import math

import msgspec

from optionswarm.features.chain import ChainVol, ChainVolConfig, chain_vol
from optionswarm.features.rolling import RingBuffer, RollingMoments, RollingRank
from optionswarm.model import Bar, ChainSnapshot

__all__ = ["FeatureConfig", "FeatureEngine", "Features"]

_TRADING_DAYS = 252.0
_NAN = math.nan


class FeatureConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Windows (in bars / chain snapshots) of the rolling features."""

    return_lags: tuple[int, ...] = (1, 5, 20, 60)
    vol_windows: tuple[int, ...] = (10, 20, 60)
    zscore_window: int = 20
    iv_rank_window: int = 252
    chain: ChainVolConfig = msgspec.field(default_factory=ChainVolConfig)


class Features(msgspec.Struct, frozen=True, kw_only=True):
    """Everything the fast agents read about one underlying at ``ts_ns`` (NaN = not yet known).

    ``returns`` and ``realised_vol`` are keyed by lag / window in bars; realised vols are
    annualised (sqrt 252). ``zscore`` is (close - mean) / std over ``zscore_window`` closes.
    IV fields come from the latest chain at or before ``ts_ns``; ``vrp`` is the variance risk
    premium proxy ATM IV (short tenor) minus realised vol (20 bars, or the nearest window).
    """

    underlying: str
    ts_ns: int
    bars: int
    close: float
    returns: dict[int, float]
    realised_vol: dict[int, float]
    zscore: float
    chain_ts_ns: int | None
    atm_iv: float
    atm_iv_long: float
    skew: float
    term_slope: float
    iv_rank: float
    iv_percentile: float
    skew_percentile: float
    vrp: float


class FeatureEngine:
    """Rolling features per underlying (see the module docstring)."""

    def __init__(self, underlying: str, config: FeatureConfig | None = None) -> None:
        self.underlying = underlying
        self.config = cfg = config or FeatureConfig()
        self._closes = RingBuffer(max(cfg.return_lags) + 1)
        self._vols = {w: RollingMoments(w) for w in cfg.vol_windows}
        self._levels = RollingMoments(cfg.zscore_window)
        self._iv_history = RollingRank(cfg.iv_rank_window)
        self._skew_history = RollingRank(cfg.iv_rank_window)
        self._last_ts: int | None = None
        self._bars = 0
        self._vol: ChainVol | None = None
        self._snapshot: Features | None = None

    def _advance(self, ts_ns: int) -> None:
        if self._last_ts is not None and ts_ns < self._last_ts:
            raise ValueError(
                f"update at {ts_ns} is older than the last one ({self._last_ts}): refused"
            )
        self._last_ts = ts_ns
        self._snapshot = None

    def on_bar(self, bar: Bar) -> None:
        """Take one bar of the underlying (its close is known at ``bar.ts_ns``)."""
        if bar.symbol != self.underlying:
            raise ValueError(f"bar of {bar.symbol!r} given to the {self.underlying!r} engine")
        self._advance(bar.ts_ns)
        if len(self._closes) and self._closes.ago(0) > 0.0 and bar.close > 0.0:
            log_return = math.log(bar.close / self._closes.ago(0))
            for moments in self._vols.values():
                moments.append(log_return)
        self._closes.append(bar.close)
        self._levels.append(bar.close)
        self._bars += 1

    def on_chain(self, chain: ChainSnapshot) -> ChainVol:
        """Take one chain snapshot; returns its volatility read-out."""
        if chain.underlying != self.underlying:
            raise ValueError(
                f"chain of {chain.underlying!r} given to the {self.underlying!r} engine"
            )
        self._advance(chain.ts_ns)
        vol = chain_vol(chain, self.config.chain)
        self._vol = vol
        if math.isfinite(vol.atm_iv_short):
            self._iv_history.append(vol.atm_iv_short)
        if math.isfinite(vol.skew_short):
            self._skew_history.append(vol.skew_short)
        return vol

    def _returns(self) -> dict[int, float]:
        out = {}
        held = len(self._closes)
        for lag in self.config.return_lags:
            if held > lag and self._closes.ago(lag) > 0.0:
                out[lag] = math.log(self._closes.ago(0) / self._closes.ago(lag))
            else:
                out[lag] = _NAN
        return out

    def _realised(self) -> dict[int, float]:
        root = math.sqrt(_TRADING_DAYS)
        return {w: (m.std * root if m.full else _NAN) for w, m in self._vols.items()}

    def _skew_percentile(self) -> float:
        vol = self._vol
        enough = len(self._skew_history) >= min(20, self.config.iv_rank_window)
        if vol is None or not enough or not math.isfinite(vol.skew_short):
            return _NAN
        return self._skew_history.percentile(vol.skew_short)

    def snapshot(self) -> Features:
        """The features as of the latest update (cached until the next update)."""
        if self._snapshot is not None:
            return self._snapshot
        close = self._closes.ago(0) if len(self._closes) else _NAN
        realised = self._realised()
        levels = self._levels
        zscore = (close - levels.mean) / levels.std if levels.full and levels.std > 0 else _NAN
        vol = self._vol
        atm = vol.atm_iv_short if vol is not None else _NAN
        enough_iv = len(self._iv_history) >= min(20, self.config.iv_rank_window)
        rv = realised.get(20, next(iter(realised.values()), _NAN))
        self._snapshot = Features(
            underlying=self.underlying,
            ts_ns=self._last_ts if self._last_ts is not None else 0,
            bars=self._bars,
            close=close,
            returns=self._returns(),
            realised_vol=realised,
            zscore=zscore,
            chain_ts_ns=vol.ts_ns if vol is not None else None,
            atm_iv=atm,
            atm_iv_long=vol.atm_iv_long if vol is not None else _NAN,
            skew=vol.skew_short if vol is not None else _NAN,
            term_slope=vol.term_slope if vol is not None else _NAN,
            iv_rank=self._iv_history.rank(atm) if enough_iv and math.isfinite(atm) else _NAN,
            iv_percentile=(
                self._iv_history.percentile(atm) if enough_iv and math.isfinite(atm) else _NAN
            ),
            skew_percentile=self._skew_percentile(),
            vrp=atm - rv,
        )
        return self._snapshot
