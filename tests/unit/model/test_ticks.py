"""Tick helpers: snapping to a grid, tick-aware equality, and the US option tick rules."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optionswarm.model import (
    ALL_PENNY,
    NON_PENNY,
    PENNY,
    ModelValidationError,
    TickRule,
    ceil_to_tick,
    floor_to_tick,
    is_on_tick,
    option_tick_size,
    price_compare,
    prices_equal,
    round_to_tick,
    tick_rule_for_root,
)

ticks = st.sampled_from([0.01, 0.05, 0.10, 0.25, 1.0])
prices = st.floats(min_value=-10_000, max_value=10_000, allow_nan=False)


@settings(deadline=None)
@given(price=prices, tick=ticks)
def test_round_to_tick_lands_on_the_grid_within_half_a_tick(price: float, tick: float) -> None:
    rounded = round_to_tick(price, tick)
    assert is_on_tick(rounded, tick)
    assert abs(rounded - price) <= tick / 2 + 1e-9


@settings(deadline=None)
@given(price=prices, tick=ticks)
def test_floor_and_ceil_bracket_the_price_on_the_grid(price: float, tick: float) -> None:
    low, high = floor_to_tick(price, tick), ceil_to_tick(price, tick)
    assert is_on_tick(low, tick)
    assert is_on_tick(high, tick)
    assert low <= price + 1e-6 * tick
    assert high >= price - 1e-6 * tick
    assert high - low <= tick + 1e-9


@settings(deadline=None)
@given(steps=st.integers(min_value=-100_000, max_value=100_000), tick=ticks)
def test_prices_already_on_the_grid_are_left_alone(steps: int, tick: float) -> None:
    price = steps * tick
    assert prices_equal(round_to_tick(price, tick), price, tick)
    assert prices_equal(floor_to_tick(price, tick), price, tick)
    assert prices_equal(ceil_to_tick(price, tick), price, tick)


def test_rounding_removes_binary_noise_and_rounds_halves_away_from_zero() -> None:
    assert round_to_tick(0.1 + 0.2, 0.01) == 0.3
    assert round_to_tick(1.025, 0.05) == 1.05
    assert round_to_tick(-1.025, 0.05) == -1.05
    assert round_to_tick(1.024, 0.05) == 1.0
    assert floor_to_tick(1.15, 0.05) == 1.15
    assert ceil_to_tick(1.15, 0.05) == 1.15
    assert floor_to_tick(1.19, 0.05) == 1.15
    assert ceil_to_tick(1.11, 0.05) == 1.15
    assert math.copysign(1.0, round_to_tick(-0.001, 0.05)) == 1.0


def test_prices_equal_uses_half_a_tick_not_float_equality() -> None:
    assert 0.1 + 0.2 != 0.3
    assert prices_equal(0.1 + 0.2, 0.3, 0.01)
    assert not prices_equal(1.00, 1.01, 0.01)
    assert price_compare(1.00, 1.01, 0.01) == -1
    assert price_compare(1.01, 1.00, 0.01) == 1
    assert price_compare(1.004, 1.0, 0.01) == 0


@pytest.mark.parametrize("tick", [0.0, -0.01, math.nan, math.inf])
def test_bad_tick_is_rejected(tick: float) -> None:
    with pytest.raises(ModelValidationError) as caught:
        round_to_tick(1.0, tick)
    assert caught.value.field == "tick"


@pytest.mark.parametrize("fn", [round_to_tick, floor_to_tick, ceil_to_tick, is_on_tick])
def test_non_finite_price_is_rejected(fn: object) -> None:
    with pytest.raises(ModelValidationError) as caught:
        fn(math.nan, 0.05)  # type: ignore[operator]
    assert caught.value.field == "price"


def test_prices_equal_names_the_bad_argument() -> None:
    with pytest.raises(ModelValidationError) as caught:
        prices_equal(1.0, math.inf, 0.01)
    assert caught.value.field == "b"


@pytest.mark.parametrize(
    ("price", "penny", "tick"),
    [
        (0.5, False, 0.05),
        (2.95, False, 0.05),
        (3.0, False, 0.10),
        (12.3, False, 0.10),
        (0.5, True, 0.01),
        (2.99, True, 0.01),
        (3.0, True, 0.05),
        (25.0, True, 0.05),
    ],
)
def test_standard_us_option_tick_splits_at_three_dollars(
    price: float, penny: bool, tick: float
) -> None:
    assert option_tick_size(price, penny=penny) == tick


def test_spx_uses_the_non_penny_rule_and_spy_is_penny_at_every_price() -> None:
    assert tick_rule_for_root("SPX") == NON_PENNY
    assert tick_rule_for_root("SPXW") == NON_PENNY
    assert tick_rule_for_root("SPY") == ALL_PENNY
    assert ALL_PENNY.tick_for(250.0) == 0.01
    assert tick_rule_for_root("AAPL") == PENNY
    assert tick_rule_for_root("ZZZZ") == NON_PENNY
    assert tick_rule_for_root("ZZZZ", penny_roots=frozenset({"ZZZZ"})) == PENNY


def test_tick_rule_rounds_legs_and_packages() -> None:
    assert NON_PENNY.round(3.04) == 3.0
    assert NON_PENNY.round(2.93) == 2.95
    assert PENNY.round(2.934) == 2.93
    assert NON_PENNY.round_package(-1.23) == -1.25
    assert PENNY.round_package(-1.234) == -1.23


@pytest.mark.parametrize("field", ["below", "at_or_above", "threshold", "package"])
@pytest.mark.parametrize("value", [0.0, -1.0, math.nan, True, "0.05"])
def test_tick_rule_rejects_bad_increments(field: str, value: object) -> None:
    with pytest.raises(ModelValidationError) as caught:
        TickRule(**{"below": 0.05, "at_or_above": 0.1, field: value})  # type: ignore[arg-type]
    assert caught.value.field == field
