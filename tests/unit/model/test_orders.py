"""Multi-leg orders: one unit, one package limit, ratios in lowest terms, clean ids."""

from __future__ import annotations

import math

import pytest

from optionswarm.model import (
    MAX_LEGS,
    ModelValidationError,
    OrderIntent,
    OrderLeg,
    Side,
    TimeInForce,
    decode,
    encode,
)
from optionswarm.model.testkit import make_occ, make_order


def _leg(strike: float, side: Side = Side.BUY, ratio: int = 1) -> OrderLeg:
    return OrderLeg(symbol=make_occ(strike=strike).format(), side=side, ratio=ratio)


def test_a_butterfly_is_one_order_with_ratios() -> None:
    order = make_order(
        legs=(_leg(470), _leg(475, Side.SELL, 2), _leg(480)),
        limit_price=0.85,
        structure="butterfly",
    )
    assert order.is_multi_leg
    assert not order.is_market
    assert [leg.signed_ratio for leg in order.legs] == [1, -2, 1]
    assert order.leg_quantity(order.legs[1]) == 2
    assert order.symbols()[1] == make_occ(strike=475).format()
    assert order.tif is TimeInForce.DAY
    assert order.source == "strategy"


def test_credit_and_market_orders_are_expressed_by_the_limit_price() -> None:
    assert make_order(limit_price=-1.2).limit_price == -1.2
    assert make_order(limit_price=None).is_market
    assert make_order(limit_price=0).limit_price == 0.0


def test_legs_given_as_a_list_become_a_tuple_so_the_order_stays_hashable() -> None:
    order = make_order(legs=[_leg(470), _leg(475, Side.SELL)])
    assert isinstance(order.legs, tuple)
    assert hash(order) == hash(make_order(legs=(_leg(470), _leg(475, Side.SELL))))


def test_side_and_tif_given_as_strings_are_normalised() -> None:
    leg = OrderLeg(symbol="SPY", side="sell")  # type: ignore[arg-type]
    assert leg.side is Side.SELL
    assert make_order(tif="IOC").tif is TimeInForce.IOC


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"client_order_id": ""}, "client_order_id"),
        ({"client_order_id": "has space"}, "client_order_id"),
        ({"client_order_id": "-leading"}, "client_order_id"),
        ({"client_order_id": "x" * 65}, "client_order_id"),
        ({"client_order_id": None}, "client_order_id"),
        ({"quantity": 0}, "quantity"),
        ({"quantity": 1.0}, "quantity"),
        ({"quantity": True}, "quantity"),
        ({"limit_price": math.nan}, "limit_price"),
        ({"limit_price": math.inf}, "limit_price"),
        ({"legs": ()}, "legs"),
        ({"legs": ("SPY",)}, "legs"),
        ({"tif": "GTD"}, "tif"),
        ({"source": ""}, "source"),
        ({"structure": ""}, "structure"),
        ({"decision_id": ""}, "decision_id"),
        ({"tag": "a\tb"}, "tag"),
        ({"ts_ns": -1}, "ts_ns"),
        ({"underlying": ""}, "underlying"),
    ],
)
def test_bad_order_is_rejected_naming_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(ModelValidationError) as caught:
        make_order(**overrides)
    assert caught.value.field == field


def test_duplicate_leg_symbols_are_rejected() -> None:
    with pytest.raises(ModelValidationError, match="more than one leg") as caught:
        make_order(legs=(_leg(470), _leg(470, Side.SELL)))
    assert caught.value.field == "legs"


def test_ratios_with_a_common_factor_are_rejected() -> None:
    with pytest.raises(ModelValidationError, match="factor 2") as caught:
        make_order(legs=(_leg(470, ratio=2), _leg(475, Side.SELL, 2)))
    assert caught.value.field == "legs"


def test_too_many_legs_are_rejected() -> None:
    legs = tuple(_leg(400 + i) for i in range(MAX_LEGS + 1))
    with pytest.raises(ModelValidationError) as caught:
        make_order(legs=legs)
    assert caught.value.field == "legs"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"ratio": 0}, "ratio"),
        ({"ratio": 1.0}, "ratio"),
        ({"side": "hold"}, "side"),
        ({"symbol": ""}, "symbol"),
    ],
)
def test_bad_leg_is_rejected(fields: dict[str, object], field: str) -> None:
    with pytest.raises(ModelValidationError) as caught:
        OrderLeg(**{"symbol": "SPY", "side": Side.BUY, **fields})  # type: ignore[arg-type]
    assert caught.value.field == field


def test_order_decoded_from_json_with_a_duplicate_leg_names_legs() -> None:
    order = make_order()
    data = encode(order).replace(b"C00480000", b"C00475000")
    with pytest.raises(ModelValidationError) as caught:
        decode(data, OrderIntent)
    assert caught.value.field == "legs"


def test_legs_may_be_the_underlying_or_options_of_one_class_even_under_another_name() -> None:
    stock_and_call = make_order(legs=(OrderLeg(symbol="SPY", side=Side.BUY), _leg(480, Side.SELL)))
    assert stock_and_call.symbols()[0] == "SPY"
    spx = make_order(
        underlying="sp500",
        legs=(
            OrderLeg(symbol="SPXW  240119C04700000", side=Side.BUY),
            OrderLeg(symbol="SPX   240119C04750000", side=Side.SELL),
        ),
    )
    assert spx.is_multi_leg


@pytest.mark.parametrize(
    "legs",
    [
        ("QQQ",),
        ("SPY_C_475",),
        ("SPY   240216C00400000", "QQQ   240216C00400000"),
        ("SPX   240216C04000000", "XSP   240216C00400000"),
    ],
)
def test_a_non_symbol_leg_or_legs_on_two_underlyings_are_rejected(legs: tuple[str, ...]) -> None:
    with pytest.raises(ModelValidationError) as caught:
        make_order(legs=tuple(OrderLeg(symbol=symbol, side=Side.BUY) for symbol in legs))
    assert caught.value.field == "legs"


def test_compact_and_padded_forms_of_one_contract_are_the_same_leg() -> None:
    padded = make_occ(strike=470).format()
    compact = make_occ(strike=470).compact()
    assert OrderLeg(symbol=compact, side=Side.BUY).symbol == padded
    with pytest.raises(ModelValidationError, match="more than one leg"):
        make_order(
            legs=(OrderLeg(symbol=padded, side=Side.BUY), OrderLeg(symbol=compact, side=Side.SELL))
        )
