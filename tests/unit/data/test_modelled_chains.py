"""Modelled chains: labelled as modelled, deterministic, no look-ahead, realistic quotes."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from optionswarm.data.chains import ChainModelConfig, ModelledChainBuilder
from optionswarm.data.quotes import SpreadModel, tick_ceil, tick_floor
from optionswarm.data.sources import ArchDataSource, BarSeries
from optionswarm.data.volmodel import GarchConfig, build_vol_path
from optionswarm.model import NON_PENNY, ChainSnapshot, QualityFlag, is_on_tick
from optionswarm.pricing import bsm_price


class _TruncatedSource:
    """The real arch.data series cut at a day: what was known at that day's close."""

    def __init__(self, until: dt.date) -> None:
        self._inner = ArchDataSource()
        self._until = until

    def symbols(self) -> list[str]:
        return self._inner.symbols()

    def bars(
        self, symbol: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> BarSeries:
        return self._inner.bars(symbol, start, min(end or self._until, self._until))


def test_chain_is_labelled_modelled_on_every_row(builder: ModelledChainBuilder) -> None:
    chain = builder.chain_on("sp500", dt.date(2018, 2, 5))
    assert chain.modelled
    assert chain.source == "modelled:sp500"
    assert np.all(chain.quality_flags & QualityFlag.MODELLED_PRICE)
    assert chain.spot == pytest.approx(2648.94, abs=0.01)  # the real S&P 500 close
    assert set(chain.root.tolist()) == {"SPX", "SPXW"}
    assert 2_000 <= len(chain) <= 20_000


def test_same_day_alone_or_in_sequence_gives_the_same_chain(
    builder: ModelledChainBuilder,
) -> None:
    days = builder.trading_days("sp500", dt.date(2017, 3, 1), dt.date(2017, 3, 10))
    sequence = list(builder.iter_chains("sp500", dt.date(2017, 3, 1), dt.date(2017, 3, 10)))
    assert [c.ts_ns for c in sequence] == sorted(c.ts_ns for c in sequence)
    assert len(sequence) == len(days) == 8
    assert builder.chain_on("sp500", days[3]).equals(sequence[3])
    fresh = ModelledChainBuilder(ArchDataSource())
    assert fresh.chain_on("sp500", days[3]).equals(sequence[3])


def test_a_different_seed_changes_quotes_but_not_the_surface(
    builder: ModelledChainBuilder,
) -> None:
    day = dt.date(2017, 3, 3)
    other = ModelledChainBuilder(ArchDataSource(), ChainModelConfig(seed=1))
    a, b = builder.chain_on("sp500", day), other.chain_on("sp500", day)
    np.testing.assert_array_equal(a.iv, b.iv)
    assert not np.array_equal(a.bid, b.bid)


@pytest.mark.slow
@pytest.mark.parametrize("day", [dt.date(2001, 9, 17), dt.date(2016, 6, 24)])
def test_chain_uses_only_data_up_to_its_day(builder: ModelledChainBuilder, day: dt.date) -> None:
    past_only = ModelledChainBuilder(_TruncatedSource(day))
    assert past_only.chain_on("sp500", day).equals(builder.chain_on("sp500", day))


def test_vol_index_sets_the_30_day_atm_level_where_it_exists(
    builder: ModelledChainBuilder,
) -> None:
    vix = ArchDataSource().bars("vix", dt.date(2018, 2, 5), dt.date(2018, 2, 5)).close[0]
    atm = builder.atm_variance("sp500", dt.date(2018, 2, 5))
    assert float(atm.atm_vol(30 / 365)) == pytest.approx(0.9 * vix / 100, rel=1e-9)
    path = builder.vol_path("sp500")
    days = builder.trading_days("sp500")
    assert not path.from_index[days.index(dt.date(2013, 12, 31))]
    assert path.from_index[days.index(dt.date(2014, 1, 3))]


def test_garch_path_before_min_obs_uses_the_ewma_prior() -> None:
    close = 100 * np.exp(np.cumsum(np.full(50, 0.01)))
    path = build_vol_path(close, cfg=GarchConfig(min_obs=500))
    assert not path.from_index.any()
    np.testing.assert_allclose(path.v_inf, 0.2**2 * 1.1**2)


def test_quotes_bracket_the_model_price_on_the_spx_tick_grid(
    builder: ModelledChainBuilder,
) -> None:
    chain = builder.chain_on("sp500", dt.date(2010, 5, 6))
    cfg = builder.config
    model = bsm_price(
        chain.spot,
        chain.strike,
        chain.time_to_expiry(),
        cfg.rate,
        cfg.dividend_yield,
        chain.iv,
        chain.is_call,
    )
    assert np.all(chain.bid <= model + 1e-9)
    assert np.all(chain.ask >= model - 1e-9)
    assert np.all(chain.ask > chain.bid)
    for price in np.concatenate((chain.bid[:500], chain.ask[:500])).tolist():
        assert is_on_tick(price, NON_PENNY.tick_for(price))
    no_bid = chain.bid == 0
    assert np.array_equal(no_bid, (chain.quality_flags & QualityFlag.NO_BID) > 0)


def _spread_at(chain: ChainSnapshot, expiry_ns: int, moneyness: float) -> float:
    part = chain.slice((chain.expiry_ns == expiry_ns) & ~chain.is_call)
    i = int(np.argmin(np.abs(part.strike / chain.spot - moneyness)))
    return float((part.ask[i] - part.bid[i]) / max((part.ask[i] + part.bid[i]) / 2, 1e-9))


def test_relative_spreads_widen_away_from_the_money_and_near_expiry(
    builder: ModelledChainBuilder,
) -> None:
    chain = builder.chain_on("sp500", dt.date(2015, 3, 2))
    near, far = chain.expiries()[0], chain.expiries()[8]
    assert _spread_at(chain, int(far), 0.85) > _spread_at(chain, int(far), 1.0)
    assert _spread_at(chain, int(near), 1.0) > _spread_at(chain, int(far), 1.0)


def test_tick_rounding_helpers_round_outward() -> None:
    rule = SpreadModel().tick_rule
    np.testing.assert_allclose(tick_floor(np.array([2.97, 3.17, 0.01]), rule), [2.95, 3.1, 0.0])
    np.testing.assert_allclose(tick_ceil(np.array([2.97, 3.11, 0.0]), rule), [3.0, 3.2, 0.05])


def test_unknown_symbol_or_day_is_a_clear_error(builder: ModelledChainBuilder) -> None:
    with pytest.raises(KeyError, match="no option roots"):
        builder.chain_on("vix", dt.date(2018, 2, 5))
    with pytest.raises(KeyError, match="not a session"):
        builder.chain_on("sp500", dt.date(2018, 2, 4))
