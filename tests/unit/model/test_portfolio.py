"""Fills and positions: signed quantities, averaging, realised P&L."""

from __future__ import annotations

import math

import pytest

from optionswarm.model import ModelValidationError, Side
from optionswarm.model.testkit import make_fill, make_position


def test_fill_signed_quantity_follows_the_side() -> None:
    assert make_fill(side=Side.BUY, quantity=3).signed_quantity == 3
    assert make_fill(side=Side.SELL, quantity=3).signed_quantity == -3


def test_a_negative_fee_is_a_rebate_and_is_allowed() -> None:
    assert make_fill(fee=-0.2).fee == -0.2


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": 2.0}, "quantity"),
        ({"quantity": False}, "quantity"),
        ({"price": -0.01}, "price"),
        ({"price": math.nan}, "price"),
        ({"fee": math.inf}, "fee"),
        ({"fill_id": ""}, "fill_id"),
        ({"client_order_id": ""}, "client_order_id"),
        ({"side": "short"}, "side"),
    ],
)
def test_bad_fill_is_rejected_naming_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(ModelValidationError) as caught:
        make_fill(**overrides)
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"quantity": 1.5}, "quantity"),
        ({"avg_price": -1.0}, "avg_price"),
        ({"multiplier": 0}, "multiplier"),
        ({"underlying": ""}, "underlying"),
    ],
)
def test_bad_position_is_rejected(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(ModelValidationError) as caught:
        make_position(**overrides)
    assert caught.value.field == field


def test_adding_to_a_long_averages_the_price() -> None:
    position, realised = make_position(quantity=1, avg_price=2.0).apply(
        make_fill(quantity=3, price=3.0)
    )
    assert position.quantity == 4
    assert position.avg_price == pytest.approx(2.75)
    assert realised == 0.0


def test_reducing_a_long_realises_pnl_with_the_multiplier() -> None:
    position, realised = make_position(quantity=3, avg_price=2.0).apply(
        make_fill(side=Side.SELL, quantity=2, price=2.5)
    )
    assert position.quantity == 1
    assert position.avg_price == 2.0
    assert realised == pytest.approx(2 * 0.5 * 100)


def test_covering_a_short_realises_pnl_and_flattens() -> None:
    short = make_position(quantity=-2, avg_price=3.0)
    position, realised = short.apply(make_fill(side=Side.BUY, quantity=2, price=1.0))
    assert position.is_flat
    assert position.avg_price == 0.0
    assert realised == pytest.approx(2 * 2.0 * 100)


def test_crossing_through_zero_opens_the_rest_at_the_fill_price() -> None:
    position, realised = make_position(quantity=1, avg_price=2.0).apply(
        make_fill(side=Side.SELL, quantity=3, price=1.5)
    )
    assert position.quantity == -2
    assert position.avg_price == 1.5
    assert realised == pytest.approx(-0.5 * 100)


def test_opening_from_flat_takes_the_fill_price() -> None:
    position, _ = make_position(quantity=0, avg_price=0.0).apply(
        make_fill(side=Side.SELL, quantity=2, price=4.0)
    )
    assert position.quantity == -2
    assert position.avg_price == 4.0
    assert position.market_value(5.0) == pytest.approx(-1000.0)


def test_a_fill_for_another_symbol_is_refused() -> None:
    with pytest.raises(ModelValidationError) as caught:
        make_position().apply(make_fill(symbol="QQQ"))
    assert caught.value.field == "symbol"


def test_a_compact_fill_symbol_matches_a_padded_position() -> None:
    compact = make_position().symbol.replace(" ", "")
    fill = make_fill(symbol=compact)
    assert fill.symbol == make_position().symbol
    position, _ = make_position().apply(fill)
    assert position.quantity == 2
