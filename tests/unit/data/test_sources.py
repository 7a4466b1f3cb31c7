"""The real underlying series shipped in arch.data, behind UnderlyingSource."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from optionswarm.data.sources import ArchDataSource, BarSeries, UnderlyingSource
from optionswarm.model import Bar


def test_arch_source_serves_sp500_nasdaq_and_vix() -> None:
    source = ArchDataSource()
    assert isinstance(source, UnderlyingSource)
    assert source.symbols() == ["nasdaq", "sp500", "vix"]
    sp500 = source.bars("sp500")
    assert len(sp500) == 5031
    assert sp500.days[0] == np.datetime64("1999-01-04")
    assert sp500.days[-1] == np.datetime64("2018-12-31")
    assert np.all(sp500.high >= sp500.low)
    vix = source.bars("vix")
    assert vix.days[0] == np.datetime64("2014-01-03")
    assert np.array_equal(vix.open, vix.close)


def test_bars_are_read_only_and_cut_by_date() -> None:
    bars = ArchDataSource().bars("sp500", dt.date(2018, 2, 1), dt.date(2018, 2, 5))
    assert bars.days.tolist() == [dt.date(2018, 2, 1), dt.date(2018, 2, 2), dt.date(2018, 2, 5)]
    with pytest.raises(ValueError, match="read-only"):
        bars.close[0] = 1.0
    inner = bars.slice(int(bars.ts_ns[1]), None)
    assert len(inner) == 2


def test_to_bars_gives_model_bars_at_the_session_close() -> None:
    bars = ArchDataSource().bars("nasdaq", dt.date(2018, 2, 5), dt.date(2018, 2, 5))
    (bar,) = bars.to_bars()
    assert isinstance(bar, Bar)
    assert bar.symbol == "nasdaq"
    assert bar.ts_ns == int(bars.ts_ns[0])
    assert bar.close == pytest.approx(float(bars.close[0]))


def test_unknown_symbol_and_bad_columns_are_refused() -> None:
    with pytest.raises(KeyError, match="unknown symbol"):
        ArchDataSource().bars("dax")
    with pytest.raises(ValueError, match="length"):
        BarSeries.from_columns(
            "x", ts_ns=[1, 2], open=[1.0], high=[1.0], low=[1.0], close=[1.0], volume=[0]
        )
    with pytest.raises(ValueError, match="increasing"):
        BarSeries.from_columns(
            "x", ts_ns=[2, 1], open=[1, 1], high=[1, 1], low=[1, 1], close=[1, 1], volume=[0, 0]
        )
