"""Small builders shared by the slow-agent tests (features come from the real FeatureEngine)."""

from __future__ import annotations

import math

import pytest

from optionswarm.features import FeatureEngine, Features
from optionswarm.model import NS_PER_DAY, Bar

NOW = 1_600_000_000 * 1_000_000_000


def make_features(ts_ns: int = NOW, *, drift: float = 0.001, bars: int = 80) -> Features:
    """Features of ``bars`` daily sp500 bars ending at ``ts_ns`` (a gently wavy path)."""
    engine = FeatureEngine("sp500")
    price = 3000.0
    for i in range(bars):
        price *= math.exp(drift + 0.01 * math.sin(i * 0.7))
        stamp = ts_ns - (bars - 1 - i) * NS_PER_DAY
        engine.on_bar(
            Bar(symbol="sp500", ts_ns=stamp, open=price, high=price, low=price, close=price)
        )
    return engine.snapshot()


@pytest.fixture
def features() -> Features:
    return make_features()
