"""Underlying price series: one ``UnderlyingSource`` interface over real data shipped in packages.

``ArchDataSource`` serves the real daily series that the ``arch`` package installs with itself
(nothing is downloaded): ``"sp500"`` and ``"nasdaq"`` OHLCV (1999-01-04 .. 2018-12-31) and
``"vix"`` (closes only, 2014-01-03 .. 2019-01-03; open/high/low repeat the close, volume 0;
the few sessions without a close are left out).
Timestamps are the 16:00 America/New_York session close in UTC nanoseconds: a daily bar is
known only once its session has closed.
"""

from __future__ import annotations

import datetime as dt
import functools
import importlib
from typing import Protocol, runtime_checkable

import msgspec
import numpy as np
import numpy.typing as npt

from optionswarm.data.calendar import session_closes_ns
from optionswarm.model import Bar

__all__ = ["ArchDataSource", "BarSeries", "UnderlyingSource"]

FloatArray = npt.NDArray[np.float64]
_ARCH_MODULES = {"sp500": "arch.data.sp500", "nasdaq": "arch.data.nasdaq", "vix": "arch.data.vix"}


def _frozen(values: npt.ArrayLike, dtype: type) -> npt.NDArray[np.generic]:
    array: npt.NDArray[np.generic] = np.array(values, dtype=dtype, copy=True)
    array.flags.writeable = False
    return array


class BarSeries(msgspec.Struct, frozen=True, kw_only=True):
    """Daily bars of one symbol held as columns (read-only numpy arrays, oldest first)."""

    symbol: str
    ts_ns: npt.NDArray[np.int64]
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: npt.NDArray[np.int64]

    @classmethod
    def from_columns(
        cls,
        symbol: str,
        *,
        ts_ns: npt.ArrayLike,
        open: npt.ArrayLike,  # the column's name in every OHLCV layout
        high: npt.ArrayLike,
        low: npt.ArrayLike,
        close: npt.ArrayLike,
        volume: npt.ArrayLike,
    ) -> BarSeries:
        """Copy, type and freeze the columns; all must have one length, timestamps increasing."""
        series = cls(
            symbol=symbol,
            ts_ns=_frozen(ts_ns, np.int64),  # type: ignore[arg-type]
            open=_frozen(open, np.float64),  # type: ignore[arg-type]
            high=_frozen(high, np.float64),  # type: ignore[arg-type]
            low=_frozen(low, np.float64),  # type: ignore[arg-type]
            close=_frozen(close, np.float64),  # type: ignore[arg-type]
            volume=_frozen(volume, np.int64),  # type: ignore[arg-type]
        )
        lengths = {len(getattr(series, f)) for f in ("open", "high", "low", "close", "volume")}
        if lengths != {len(series.ts_ns)}:
            raise ValueError(f"columns of {symbol} differ in length: {sorted(lengths)}")
        if np.any(np.diff(series.ts_ns) <= 0):
            raise ValueError(f"timestamps of {symbol} must be strictly increasing")
        return series

    def __len__(self) -> int:
        return int(self.ts_ns.shape[0])

    @property
    def days(self) -> npt.NDArray[np.datetime64]:
        """The New York session date of each bar (``datetime64[D]``)."""
        # 16:00 New York is 20:00 or 21:00 UTC: the UTC date is the session date.
        return self.ts_ns.astype("datetime64[ns]").astype("datetime64[D]")

    def slice(self, start_ns: int | None = None, end_ns: int | None = None) -> BarSeries:
        """Bars with ``start_ns <= ts_ns <= end_ns`` (either bound may be open)."""
        lo = 0 if start_ns is None else int(np.searchsorted(self.ts_ns, start_ns, "left"))
        hi = len(self) if end_ns is None else int(np.searchsorted(self.ts_ns, end_ns, "right"))
        cols = {f: getattr(self, f)[lo:hi] for f in ("open", "high", "low", "close", "volume")}
        return BarSeries.from_columns(self.symbol, ts_ns=self.ts_ns[lo:hi], **cols)

    def to_bars(self) -> list[Bar]:
        """The series as ``model.Bar`` events (``ts_ns`` = session close)."""
        return [
            Bar(
                symbol=self.symbol,
                ts_ns=int(t),
                open=float(o),
                high=float(h),
                low=float(lo),
                close=float(c),
                volume=int(v),
            )
            for t, o, h, lo, c, v in zip(
                self.ts_ns.tolist(),
                self.open.tolist(),
                self.high.tolist(),
                self.low.tolist(),
                self.close.tolist(),
                self.volume.tolist(),
                strict=True,
            )
        ]


@runtime_checkable
class UnderlyingSource(Protocol):
    """Where underlying bars come from."""

    def symbols(self) -> list[str]:
        """The symbols this source serves."""
        ...

    def bars(
        self, symbol: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> BarSeries:
        """Daily bars of ``symbol`` from ``start`` to ``end`` inclusive (open bounds: all)."""
        ...


def _day_bounds(start: dt.date | None, end: dt.date | None) -> tuple[int | None, int | None]:
    lo = None if start is None else int(np.datetime64(start, "ns").astype(np.int64))
    hi = (
        None
        if end is None
        else int(np.datetime64(end + dt.timedelta(days=1), "ns").astype(np.int64)) - 1
    )
    return lo, hi


class ArchDataSource:
    """The real daily S&P 500, NASDAQ and VIX series installed with the ``arch`` package."""

    def symbols(self) -> list[str]:
        """``["nasdaq", "sp500", "vix"]``."""
        return sorted(_ARCH_MODULES)

    def bars(
        self, symbol: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> BarSeries:
        """Daily bars of one shipped series, optionally cut to ``[start, end]``."""
        series = _load_arch_series(symbol)
        lo, hi = _day_bounds(start, end)
        return series if lo is None and hi is None else series.slice(lo, hi)


@functools.cache
def _load_arch_series(symbol: str) -> BarSeries:
    module_name = _ARCH_MODULES.get(symbol)
    if module_name is None:
        raise KeyError(f"unknown symbol {symbol!r}; ArchDataSource serves {sorted(_ARCH_MODULES)}")
    frame = importlib.import_module(module_name).load()
    days = frame.index.to_numpy().astype("datetime64[D]")
    ts_ns = session_closes_ns(days)
    if symbol == "vix":
        level = frame["vix"].to_numpy(dtype=np.float64)
        known = np.isfinite(level)  # a few sessions have no VIX close: no bar, not a NaN bar
        level, ts_ns = level[known], ts_ns[known]
        return BarSeries.from_columns(
            symbol,
            ts_ns=ts_ns,
            open=level,
            high=level,
            low=level,
            close=level,
            volume=np.zeros(len(level), dtype=np.int64),
        )
    return BarSeries.from_columns(
        symbol,
        ts_ns=ts_ns,
        open=frame["Open"].to_numpy(dtype=np.float64),
        high=frame["High"].to_numpy(dtype=np.float64),
        low=frame["Low"].to_numpy(dtype=np.float64),
        close=frame["Close"].to_numpy(dtype=np.float64),
        volume=frame["Volume"].to_numpy(dtype=np.int64),
    )
