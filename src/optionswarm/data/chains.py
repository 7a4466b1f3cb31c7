"""Modelled option chains on a real underlying: one ``ChainSnapshot`` per trading day.

No real historical chains ship in any package, so these are **modelled** (``modelled=True`` on
every snapshot, ``MODELLED_PRICE`` on every row, ``source="modelled:<symbol>"``). Each day at the
16:00 New York close:

1. the listed expiries (``expiries.listed_expiries``: weeklies, third-Friday AM monthlies, EOQ
   quarterlies, December LEAPS, NYSE holidays respected);
2. a strike grid per expiry (``strikes.strike_grid``: 5-point strikes near the money);
3. the ATM term structure from the real VIX where configured and present, else from a GARCH(1,1)
   forecast fitted on the past only (``volmodel``), and the SSVI skew (``svi``);
4. Black-Scholes-Merton prices at the surface vol (``optionswarm.pricing``), with constant
   ``rate`` and ``dividend_yield`` (no rates series ships offline);
5. bid/ask on the tick grid with spreads widening with moneyness, short DTE and low price
   (``quotes``).

Everything random comes from ``numpy.random.default_rng([seed, crc32(symbol), day ordinal])``, so a
day's chain is the same whether built alone or in a sequence.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import zlib
from collections.abc import Iterator

import msgspec
import numpy as np
import numpy.typing as npt

from optionswarm.data.expiries import ExpiryRules, listed_expiries
from optionswarm.data.quotes import SpreadModel, model_quotes
from optionswarm.data.sources import BarSeries, UnderlyingSource
from optionswarm.data.strikes import StrikeGrid, strike_grids
from optionswarm.data.svi import AtmVariance, SsviParams, ssvi_phi, ssvi_total_variance
from optionswarm.data.volmodel import GarchConfig, VolPath, build_vol_path
from optionswarm.model import (
    NS_PER_YEAR,
    ChainSnapshot,
    QualityFlag,
    SettlementStyle,
    expiry_instant_ns,
)
from optionswarm.pricing import bsm_price

__all__ = ["DEFAULT_ROOTS", "ChainModelConfig", "ModelledChainBuilder"]

# Modelled option roots per underlying: (monthly AM root, weekly/quarterly PM root). The NASDAQ
# series in arch.data is the Composite; its chains borrow the Nasdaq-100 roots for their
# settlement conventions (a modelling choice, not a listed product).
DEFAULT_ROOTS: dict[str, tuple[str, str]] = {"sp500": ("SPX", "SPXW"), "nasdaq": ("NDX", "NDXP")}


class ChainModelConfig(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Everything that shapes a modelled chain; the same config and seed give the same chains."""

    seed: int = 20_240_101
    rate: float = 0.02
    dividend_yield: float = 0.018
    strike_grid: StrikeGrid = msgspec.field(default_factory=StrikeGrid)
    expiry_rules: ExpiryRules = msgspec.field(default_factory=ExpiryRules)
    ssvi: SsviParams = msgspec.field(default_factory=SsviParams)
    garch: GarchConfig = msgspec.field(default_factory=GarchConfig)
    spread: SpreadModel = msgspec.field(default_factory=SpreadModel)
    roots: dict[str, tuple[str, str]] = msgspec.field(default_factory=lambda: dict(DEFAULT_ROOTS))
    vol_index: dict[str, str] = msgspec.field(default_factory=lambda: {"sp500": "vix"})


class _Prepared(msgspec.Struct, frozen=True):
    bars: BarSeries
    vol: VolPath
    index_of_day: dict[dt.date, int]


class _Grid(msgspec.Struct, frozen=True):
    root: npt.NDArray[np.object_]
    expiry_ns: npt.NDArray[np.int64]
    strike: npt.NDArray[np.float64]
    years: npt.NDArray[np.float64]
    theta: npt.NDArray[np.float64]
    phi: npt.NDArray[np.float64]


@functools.lru_cache(maxsize=8_192)
def _listed(
    day: dt.date, monthly: str, weekly: str, rules: ExpiryRules
) -> tuple[tuple[str, int], ...]:
    """(root, expiry instant) of each expiry listed on ``day``."""
    rules = msgspec.structs.replace(rules, monthly_root=monthly, weekly_root=weekly)
    return tuple((e.root, _instant(e.expiry, e.am_settled)) for e in listed_expiries(day, rules))


@functools.lru_cache(maxsize=16_384)
def _instant(expiry: dt.date, am_settled: bool) -> int:
    return expiry_instant_ns(expiry, SettlementStyle.AM if am_settled else SettlementStyle.PM)


_VOL_PATHS: dict[tuple[bytes, GarchConfig], VolPath] = {}


def _cached_vol_path(
    close: npt.NDArray[np.float64], index: npt.NDArray[np.float64] | None, cfg: GarchConfig
) -> VolPath:
    """``build_vol_path``, memoised on the exact input bytes (GARCH refits cost ~1-2 s)."""
    digest = hashlib.sha256(close.tobytes())
    if index is not None:
        digest.update(index.tobytes())
    key = (digest.digest(), cfg)
    path = _VOL_PATHS.get(key)
    if path is None:
        path = build_vol_path(close, index, cfg)
        if len(_VOL_PATHS) >= 16:
            _VOL_PATHS.pop(next(iter(_VOL_PATHS)))
        _VOL_PATHS[key] = path
    return path


class ModelledChainBuilder:
    """Builds modelled chains for the symbols of an ``UnderlyingSource`` (see module docstring)."""

    def __init__(self, source: UnderlyingSource, config: ChainModelConfig | None = None) -> None:
        self._source = source
        self._config = config or ChainModelConfig()
        self._prepared: dict[str, _Prepared] = {}

    @property
    def config(self) -> ChainModelConfig:
        """The model configuration."""
        return self._config

    def trading_days(
        self, symbol: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> list[dt.date]:
        """The days of ``symbol``'s series within ``[start, end]`` (those a chain exists for)."""
        days = sorted(self._prepare(symbol).index_of_day)
        return [d for d in days if (start is None or d >= start) and (end is None or d <= end)]

    def vol_path(self, symbol: str) -> VolPath:
        """The per-day ATM variance state (computed once per symbol, past data only per day)."""
        return self._prepare(symbol).vol

    def atm_variance(self, symbol: str, day: dt.date) -> AtmVariance:
        """The ATM term structure used for ``day``."""
        prepared = self._prepare(symbol)
        return prepared.vol.atm_variance(self._index(prepared, symbol, day))

    def chain_on(self, symbol: str, day: dt.date) -> ChainSnapshot:
        """The modelled chain at the close of ``day`` (a session of ``symbol``'s series)."""
        prepared = self._prepare(symbol)
        return self._build(symbol, prepared, self._index(prepared, symbol, day), day)

    def iter_chains(
        self, symbol: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> Iterator[ChainSnapshot]:
        """The modelled chain of every session in ``[start, end]``, oldest first."""
        prepared = self._prepare(symbol)
        for day in self.trading_days(symbol, start, end):
            yield self._build(symbol, prepared, prepared.index_of_day[day], day)

    def _index(self, prepared: _Prepared, symbol: str, day: dt.date) -> int:
        try:
            return prepared.index_of_day[day]
        except KeyError:
            raise KeyError(f"{day} is not a session of the {symbol} series") from None

    def _prepare(self, symbol: str) -> _Prepared:
        cached = self._prepared.get(symbol)
        if cached is not None:
            return cached
        if symbol not in self._config.roots:
            raise KeyError(
                f"no option roots configured for {symbol!r}; known: {sorted(self._config.roots)}"
            )
        bars = self._source.bars(symbol)
        vol_index = self._vol_index_closes(symbol, bars)
        vol = _cached_vol_path(bars.close, vol_index, self._config.garch)
        days = bars.days.tolist()
        prepared = _Prepared(bars=bars, vol=vol, index_of_day={d: i for i, d in enumerate(days)})
        self._prepared[symbol] = prepared
        return prepared

    def _vol_index_closes(self, symbol: str, bars: BarSeries) -> npt.NDArray[np.float64] | None:
        index_symbol = self._config.vol_index.get(symbol)
        if index_symbol is None or index_symbol not in self._source.symbols():
            return None
        index = self._source.bars(index_symbol)
        out = np.full(len(bars), np.nan)
        pos = np.searchsorted(index.days, bars.days)
        found = pos < len(index)
        found[found] = index.days[pos[found]] == bars.days[found]
        out[found] = index.close[pos[found]]
        return out

    def _grid(self, symbol: str, day: dt.date, ts_ns: int, spot: float, atm: AtmVariance) -> _Grid:
        monthly, weekly = self._config.roots[symbol]
        listed = _listed(day, monthly, weekly, self._config.expiry_rules)
        roots = np.array([root for root, _ in listed], dtype=object)
        expiry_ns = np.array([ns for _, ns in listed], dtype=np.int64)
        live = expiry_ns > ts_ns
        roots, expiry_ns = roots[live], expiry_ns[live]
        years = (expiry_ns - ts_ns) / NS_PER_YEAR
        theta = atm.theta(years)
        which, strikes = strike_grids(spot, np.sqrt(theta / years), years, self._config.strike_grid)
        return _Grid(
            root=roots[which],
            expiry_ns=expiry_ns[which],
            strike=strikes,
            years=years[which],
            theta=theta[which],
            phi=ssvi_phi(theta, self._config.ssvi)[which],
        )

    def _build(self, symbol: str, prepared: _Prepared, i: int, day: dt.date) -> ChainSnapshot:
        cfg = self._config
        ts_ns = int(prepared.bars.ts_ns[i])
        spot = float(prepared.bars.close[i])
        grid = self._grid(symbol, day, ts_ns, spot, prepared.vol.atm_variance(i))
        # The surface once per strike; then every strike twice: calls first, then puts.
        forward = spot * np.exp((cfg.rate - cfg.dividend_yield) * grid.years)
        k_once = np.log(grid.strike / forward)
        iv_once = np.sqrt(ssvi_total_variance(k_once, grid.theta, cfg.ssvi, grid.phi) / grid.years)
        n = grid.strike.shape[0]
        strike = np.concatenate((grid.strike, grid.strike))
        years = np.concatenate((grid.years, grid.years))
        k = np.concatenate((k_once, k_once))
        iv = np.concatenate((iv_once, iv_once))
        is_call = np.concatenate((np.ones(n, dtype=bool), np.zeros(n, dtype=bool)))
        price = bsm_price(spot, strike, years, cfg.rate, cfg.dividend_yield, iv, is_call)
        seed = [cfg.seed, zlib.crc32(symbol.encode()), day.toordinal()]
        quotes = model_quotes(price, k, years * 365.0, np.random.default_rng(seed), cfg.spread)
        flags = np.full(2 * n, int(QualityFlag.MODELLED_PRICE), dtype=np.uint32)
        flags[quotes.bid <= 0] |= np.uint32(QualityFlag.NO_BID)
        return ChainSnapshot.from_arrays(
            underlying=symbol,
            ts_ns=ts_ns,
            spot=spot,
            rate=cfg.rate,
            dividend_yield=cfg.dividend_yield,
            modelled=True,
            source=f"modelled:{symbol}",
            root=np.concatenate((grid.root, grid.root)),
            expiry_ns=np.concatenate((grid.expiry_ns, grid.expiry_ns)),
            strike=strike,
            is_call=is_call,
            bid=quotes.bid,
            ask=quotes.ask,
            bid_size=quotes.bid_size,
            ask_size=quotes.ask_size,
            volume=quotes.volume,
            open_interest=quotes.open_interest,
            iv=iv,
            quality_flags=flags,
        )
