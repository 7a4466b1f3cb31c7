"""Chain volatility features against the data layer's SSVI surface, and the feature engine
against brute-force numpy on real S&P 500 bars."""

from __future__ import annotations

import datetime as dt
import math

import msgspec
import numpy as np
import pytest

from optionswarm.agents.testkit import chain_builder, real_sessions
from optionswarm.data import ModelledChainBuilder
from optionswarm.features import ChainVolConfig, FeatureConfig, FeatureEngine, chain_vol
from optionswarm.model import NS_PER_DAY, Bar

DAY = dt.date(2016, 3, 1)


@pytest.fixture(scope="module")
def builder() -> ModelledChainBuilder:
    return chain_builder()


def test_atm_iv_matches_the_ssvi_atm_variance_the_chain_was_built_from(
    builder: ModelledChainBuilder,
) -> None:
    chain = builder.chain_on("sp500", DAY)
    atm = builder.atm_variance("sp500", DAY)
    vol = chain_vol(chain)
    for tenor, measured in ((30.0, vol.atm_iv_short), (90.0, vol.atm_iv_long)):
        years = tenor / 365.0
        reference = math.sqrt(float(atm.theta(np.array([years]))[0]) / years)
        assert measured == pytest.approx(reference, abs=0.004)


def test_index_skew_is_positive_and_term_slope_is_long_minus_short(
    builder: ModelledChainBuilder,
) -> None:
    vol = chain_vol(builder.chain_on("sp500", DAY))
    assert vol.skew_short > 0.02  # 90% puts richer than 110% calls on the index
    assert vol.term_slope == pytest.approx(vol.atm_iv_long - vol.atm_iv_short)


def test_rows_without_iv_are_solved_from_the_mid(builder: ModelledChainBuilder) -> None:
    chain = builder.chain_on("sp500", DAY)
    blank = chain.with_columns(iv=np.full(len(chain), np.nan))
    with_iv, solved = chain_vol(chain), chain_vol(blank)
    assert solved.atm_iv_short == pytest.approx(with_iv.atm_iv_short, abs=0.01)
    assert solved.skew_short == pytest.approx(with_iv.skew_short, abs=0.02)


def test_a_chain_with_only_near_expiries_gives_nan(builder: ModelledChainBuilder) -> None:
    chain = builder.chain_on("sp500", DAY)
    near = chain.slice(chain.expiry_ns - chain.ts_ns < 2 * NS_PER_DAY)
    vol = chain_vol(near, ChainVolConfig(min_dte_days=2.0))
    assert math.isnan(vol.atm_iv_short)
    assert math.isnan(vol.skew_short)


def test_one_listed_expiry_extrapolates_flat(builder: ModelledChainBuilder) -> None:
    chain = builder.chain_on("sp500", DAY)
    expiries = np.unique(chain.expiry_ns)
    one = chain.slice(chain.expiry_ns == expiries[8])
    vol = chain_vol(one)
    assert vol.atm_iv_short == pytest.approx(vol.atm_iv_long)


def test_realised_vol_returns_and_zscore_match_numpy_on_real_bars() -> None:
    sessions = real_sessions(dt.date(2015, 1, 1), dt.date(2015, 12, 31))
    engine = FeatureEngine("sp500", FeatureConfig())
    for bar, _ in sessions:
        engine.on_bar(bar)
    closes = np.array([bar.close for bar, _ in sessions])
    logret = np.diff(np.log(closes))
    f = engine.snapshot()
    assert f.bars == len(sessions)
    assert f.close == closes[-1]
    for window in (10, 20, 60):
        expected = float(np.std(logret[-window:], ddof=1) * math.sqrt(252))
        assert f.realised_vol[window] == pytest.approx(expected, rel=1e-9)
    for lag in (1, 5, 20, 60):
        assert f.returns[lag] == pytest.approx(math.log(closes[-1] / closes[-1 - lag]))
    last20 = closes[-20:]
    assert f.zscore == pytest.approx((closes[-1] - last20.mean()) / last20.std(ddof=1))
    assert math.isnan(f.atm_iv)
    assert f.chain_ts_ns is None
    assert engine.snapshot() is f  # cached until the next update


def test_iv_rank_and_percentile_over_real_chains() -> None:
    sessions = real_sessions(dt.date(2016, 1, 1), dt.date(2016, 3, 31), dt.date(2016, 1, 1))
    engine = FeatureEngine("sp500", FeatureConfig(iv_rank_window=30))
    ivs = []
    for bar, chain in sessions:
        engine.on_bar(bar)
        assert chain is not None
        ivs.append(engine.on_chain(chain).atm_iv_short)
    f = engine.snapshot()
    held = np.array(ivs[-30:])
    assert f.atm_iv == ivs[-1]
    assert f.iv_rank == pytest.approx((ivs[-1] - held.min()) / (held.max() - held.min()))
    assert f.iv_percentile == pytest.approx((held < ivs[-1]).sum() / 29)
    assert 0.0 <= f.skew_percentile <= 1.0
    assert f.vrp == pytest.approx(f.atm_iv - f.realised_vol[20])


def test_engine_refuses_older_updates_and_other_underlyings() -> None:
    engine = FeatureEngine("sp500")
    bar = Bar(symbol="sp500", ts_ns=2_000, open=1.0, high=1.0, low=1.0, close=1.0, volume=0)
    engine.on_bar(bar)
    with pytest.raises(ValueError, match="older"):
        engine.on_bar(Bar(symbol="sp500", ts_ns=1_000, open=1, high=1, low=1, close=1, volume=0))
    with pytest.raises(ValueError, match="nasdaq"):
        engine.on_bar(Bar(symbol="nasdaq", ts_ns=3_000, open=1, high=1, low=1, close=1, volume=0))
    chain = msgspec.structs.replace(chain_builder().chain_on("sp500", DAY), underlying="nasdaq")
    with pytest.raises(ValueError, match="nasdaq"):
        engine.on_chain(chain)
    assert math.isnan(engine.snapshot().returns[1])
