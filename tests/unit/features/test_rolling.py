"""Ring buffers and rolling statistics against brute-force numpy over the same values."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optionswarm.features import RingBuffer, RollingMoments, RollingRank

finite = st.floats(min_value=-1e3, max_value=1e3, allow_nan=False, allow_infinity=False)


@settings(deadline=None, max_examples=60)
@given(values=st.lists(finite, min_size=1, max_size=80), capacity=st.integers(1, 20))
def test_ring_buffer_holds_the_last_capacity_values_in_order(
    values: list[float], capacity: int
) -> None:
    ring = RingBuffer(capacity)
    for value in values:
        ring.append(value)
    expected = values[-capacity:]
    assert ring.values().tolist() == expected
    assert len(ring) == len(expected)
    assert ring.ago(0) == expected[-1]
    assert ring.ago(len(expected) - 1) == expected[0]


def test_ring_buffer_reports_what_it_evicts_and_refuses_unheld_lags() -> None:
    ring = RingBuffer(2)
    assert ring.append(1.0) is None
    assert ring.append(2.0) is None
    assert ring.full
    assert ring.append(3.0) == 1.0
    with pytest.raises(IndexError):
        ring.ago(2)
    ring.clear()
    assert len(ring) == 0
    with pytest.raises(ValueError, match="capacity"):
        RingBuffer(0)


@settings(deadline=None, max_examples=60)
@given(values=st.lists(finite, min_size=2, max_size=120), window=st.integers(2, 30))
def test_rolling_moments_match_numpy_on_the_window(values: list[float], window: int) -> None:
    moments = RollingMoments(window)
    for value in values:
        moments.append(value)
    held = np.array(values[-window:])
    assert moments.mean == pytest.approx(float(held.mean()), abs=1e-9)
    if len(held) >= 2:
        # running sums lose about sqrt(eps) x magnitude when the spread is ~0 (documented limit)
        scale = 1e-7 * (1.0 + float(np.abs(values).max()))
        assert moments.std == pytest.approx(float(held.std(ddof=1)), rel=1e-6, abs=scale)


def test_rolling_moments_need_two_values_and_a_window_of_two() -> None:
    moments = RollingMoments(3)
    assert math.isnan(moments.mean)
    moments.append(1.0)
    assert math.isnan(moments.std)
    assert not moments.full
    with pytest.raises(ValueError, match="window"):
        RollingMoments(1)


@settings(deadline=None, max_examples=60)
@given(values=st.lists(finite, min_size=2, max_size=100), window=st.integers(2, 25))
def test_rolling_rank_and_percentile_match_brute_force(values: list[float], window: int) -> None:
    rank = RollingRank(window)
    for value in values:
        rank.append(value)
    held = np.array(values[-window:])
    x = values[-1]
    low, high = held.min(), held.max()
    expected_rank = 0.5 if high == low else (x - low) / (high - low)
    assert rank.rank(x) == pytest.approx(expected_rank)
    assert rank.percentile(x) == pytest.approx(float((held < x).sum()) / (len(held) - 1))


def test_rolling_rank_refuses_nan_and_needs_two_values() -> None:
    rank = RollingRank(5)
    rank.append(1.0)
    assert math.isnan(rank.rank(1.0))
    assert math.isnan(rank.percentile(1.0))
    with pytest.raises(ValueError, match="finite"):
        rank.append(math.nan)
    with pytest.raises(ValueError, match="window"):
        RollingRank(1)
