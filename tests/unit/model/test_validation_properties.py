"""Property tests: any bad value from outside raises ModelValidationError naming its field."""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optionswarm.model import (
    ChainSnapshot,
    ModelValidationError,
    OccSymbol,
    OrderLeg,
    Quote,
    Side,
    decode,
)
from optionswarm.model import testkit as tk

non_finite = st.sampled_from([math.nan, math.inf, -math.inf])
negative = st.floats(max_value=-1e-9, allow_nan=False, allow_infinity=False)
outside_unit = st.one_of(
    st.floats(min_value=1.0, exclude_min=True, allow_nan=False),
    st.floats(max_value=0.0, exclude_max=True, allow_nan=False),
    non_finite,
)
not_an_int = st.one_of(
    st.booleans(),
    st.floats(allow_nan=True),
    st.text(max_size=3),
    st.none(),
    st.decimals(allow_nan=False, places=2),
)

Factory = Callable[..., Any]
NON_NEGATIVE_PRICES: list[tuple[Factory, str]] = [
    (tk.make_quote, "bid"),
    (tk.make_quote, "ask"),
    (tk.make_quote, "last"),
    (tk.make_fill, "price"),
    (tk.make_position, "avg_price"),
]
CONTRACT_COUNTS: list[tuple[Factory, str]] = [
    (tk.make_quote, "bid_size"),
    (tk.make_quote, "ask_size"),
    (tk.make_bar, "volume"),
    (tk.make_order, "quantity"),
    (tk.make_fill, "quantity"),
    (tk.make_position, "quantity"),
    (tk.make_position, "multiplier"),
    (tk.make_view, "horizon_days"),
    (tk.make_view, "ttl_ns"),
]
UNIT_INTERVAL: list[tuple[Factory, str]] = [
    (tk.make_view, "probability"),
    (tk.make_view, "conviction"),
    (tk.make_decision, "confidence"),
    (tk.make_decision, "disagreement"),
]


def _raises_naming(field: str, build: Callable[[], Any]) -> None:
    with pytest.raises(ModelValidationError) as caught:
        build()
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


@settings(deadline=None)
@given(case=st.sampled_from(NON_NEGATIVE_PRICES), value=st.one_of(non_finite, negative))
def test_non_finite_or_negative_prices_are_rejected(
    case: tuple[Factory, str], value: float
) -> None:
    factory, field = case
    _raises_naming(field, lambda: factory(**{field: value}))


@settings(deadline=None)
@given(case=st.sampled_from(CONTRACT_COUNTS), value=not_an_int)
def test_contract_counts_must_be_true_ints(case: tuple[Factory, str], value: object) -> None:
    factory, field = case
    _raises_naming(field, lambda: factory(**{field: value}))


@settings(deadline=None)
@given(case=st.sampled_from(UNIT_INTERVAL), value=outside_unit)
def test_probabilities_and_convictions_must_lie_in_the_unit_interval(
    case: tuple[Factory, str], value: float
) -> None:
    factory, field = case
    _raises_naming(field, lambda: factory(**{field: value}))


@settings(deadline=None)
@given(bid=st.floats(min_value=0.01, max_value=1e5), gap=st.floats(min_value=1e-6, max_value=1e3))
def test_a_bid_above_the_ask_is_rejected_naming_bid(bid: float, gap: float) -> None:
    ask = bid / (1 + gap)
    _raises_naming("bid", lambda: tk.make_quote(bid=bid, ask=ask))
    data = json.dumps({"symbol": "SPY", "ts_ns": 1, "bid": bid, "ask": ask})
    _raises_naming("bid", lambda: decode(data, Quote))


@settings(deadline=None)
@given(strike_milli=st.integers(max_value=0))
def test_zero_or_negative_strikes_are_rejected(strike_milli: int) -> None:
    _raises_naming(
        "strike_milli",
        lambda: OccSymbol(
            root="SPY",
            expiry=dt.date(2024, 1, 19),
            right="C",
            strike_milli=strike_milli,  # type: ignore[arg-type]
        ),
    )


@settings(deadline=None)
@given(strike=st.one_of(st.floats(max_value=0.0, allow_nan=False), non_finite))
def test_zero_negative_or_non_finite_chain_strikes_are_rejected(strike: float) -> None:
    chain = tk.make_chain()
    strikes = chain.strike.copy()
    strikes[0] = strike
    _raises_naming("strike", lambda: chain.with_columns(strike=strikes))


@settings(deadline=None)
@given(client_order_id=st.sampled_from(["", " ", "a b", "\x00", "x" * 65, "é"]))
def test_bad_client_order_ids_are_rejected(client_order_id: str) -> None:
    _raises_naming("client_order_id", lambda: tk.make_order(client_order_id=client_order_id))


@settings(deadline=None)
@given(ratio=st.integers(max_value=0))
def test_leg_ratio_below_one_is_rejected(ratio: int) -> None:
    _raises_naming("ratio", lambda: OrderLeg(symbol="SPY", side=Side.BUY, ratio=ratio))


@settings(deadline=None)
@given(
    symbol=st.sampled_from(["SPY", "SPY   240119C00475000"]),
    sides=st.tuples(st.sampled_from(list(Side)), st.sampled_from(list(Side))),
)
def test_legs_with_duplicate_symbols_are_rejected(symbol: str, sides: tuple[Side, Side]) -> None:
    legs = (OrderLeg(symbol=symbol, side=sides[0]), OrderLeg(symbol=symbol, side=sides[1]))
    _raises_naming("legs", lambda: tk.make_order(legs=legs))


@settings(deadline=None)
@given(
    rows=st.integers(min_value=1, max_value=8),
    column=st.sampled_from(["expiry_ns", "is_call", "bid", "ask", "iv", "volume", "root"]),
    extra=st.integers(min_value=1, max_value=3),
)
def test_from_arrays_rejects_mismatched_lengths(rows: int, column: str, extra: int) -> None:
    chain = tk.make_chain(strikes=tuple(100.0 + i for i in range(rows)))
    arrays: dict[str, Any] = {**chain.columns(), **chain.scalars()}
    arrays[column] = np.resize(arrays[column], len(chain) + extra)
    _raises_naming(column, lambda: ChainSnapshot.from_arrays(**arrays))
