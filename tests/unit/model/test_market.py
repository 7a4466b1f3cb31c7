"""Quotes and bars: validation on construction, on decode, and from numpy scalars."""

from __future__ import annotations

import math
from typing import Any

import msgspec
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optionswarm.model import (
    Bar,
    ModelValidationError,
    Quote,
    canonical_symbol,
    decode,
    encode,
)
from optionswarm.model.testkit import TS_NS, make_bar, make_quote


def test_quote_mid_and_spread() -> None:
    quote = make_quote(bid=1.0, ask=1.2)
    assert quote.mid == pytest.approx(1.1)
    assert quote.spread == pytest.approx(0.2)


def test_quote_with_zero_bid_and_locked_market_are_valid() -> None:
    assert make_quote(bid=0.0, ask=0.05).bid == 0.0
    assert make_quote(bid=1.0, ask=1.0).spread == 0.0
    assert make_quote(last=None).last is None


def test_int_prices_are_stored_as_float_so_encoding_is_canonical() -> None:
    as_int = make_quote(bid=1, ask=2, last=2)
    as_float = make_quote(bid=1.0, ask=2.0, last=2.0)
    assert type(as_int.bid) is float
    assert type(as_int.last) is float
    assert encode(as_int) == encode(as_float)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"bid": math.nan}, "bid"),
        ({"ask": math.inf}, "ask"),
        ({"bid": -0.05}, "bid"),
        ({"bid": 1.3, "ask": 1.2}, "bid"),
        ({"bid": "1.0"}, "bid"),
        ({"bid": True}, "bid"),
        ({"bid_size": 1.0}, "bid_size"),
        ({"ask_size": True}, "ask_size"),
        ({"ask_size": -1}, "ask_size"),
        ({"last": -1.0}, "last"),
        ({"last": math.nan}, "last"),
        ({"ts_ns": -1}, "ts_ns"),
        ({"ts_ns": 2**63}, "ts_ns"),
        ({"ts_ns": 1.7e18}, "ts_ns"),
        ({"symbol": ""}, "symbol"),
        ({"symbol": " SPY"}, "symbol"),
        ({"symbol": "SPY\n"}, "symbol"),
        ({"symbol": 5}, "symbol"),
    ],
)
def test_bad_quote_is_rejected_naming_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(ModelValidationError) as caught:
        make_quote(**overrides)
    assert caught.value.field == field


def test_checked_accepts_numpy_scalars_from_outside_data() -> None:
    quote = Quote.checked(
        symbol="SPY",
        ts_ns=np.int64(TS_NS),
        bid=np.float64(1.0),
        ask=np.float32(1.5),
        bid_size=np.int32(3),
        ask_size=np.uint16(4),
        last=None,
    )
    assert type(quote.ts_ns) is int
    assert type(quote.bid_size) is int
    assert type(quote.ask) is float
    assert quote.ask == 1.5
    with pytest.raises(ModelValidationError) as caught:
        Quote.checked(symbol="SPY", ts_ns=TS_NS, bid=np.float64("nan"), ask=1.0)
    assert caught.value.field == "bid"


def test_plain_constructor_rejects_numpy_integers_for_contract_sizes() -> None:
    with pytest.raises(ModelValidationError) as caught:
        make_quote(bid_size=np.int64(3))
    assert caught.value.field == "bid_size"


def test_decoding_a_crossed_quote_raises_model_validation_error_naming_bid() -> None:
    data = b'{"symbol":"SPY","ts_ns":1,"bid":2.0,"ask":1.0}'
    with pytest.raises(ModelValidationError) as caught:
        decode(data, Quote)
    assert caught.value.field == "bid"
    # Direct msgspec decoding wraps it; the field still leads the message.
    with pytest.raises(msgspec.ValidationError, match=r"^bid: ") as wrapped:
        msgspec.json.decode(data, type=Quote)
    assert isinstance(wrapped.value.__cause__, ModelValidationError)


def test_decoding_a_float_contract_size_is_rejected() -> None:
    with pytest.raises(ModelValidationError) as caught:
        decode(b'{"symbol":"SPY","ts_ns":1,"bid":1.0,"ask":1.1,"bid_size":1.5}', Quote)
    assert caught.value.field == "bid_size"


def test_bar_accepts_a_consistent_ohlc_and_checked_coerces_numpy() -> None:
    bar = Bar.checked(
        symbol="SPY",
        ts_ns=np.int64(TS_NS),
        open=np.float64(10),
        high=11.0,
        low=9.0,
        close=10.5,
        volume=np.int64(7),
    )
    assert bar.volume == 7
    assert type(bar.open) is float


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"high": 99.0}, "high"),
        ({"low": 100.8}, "low"),
        ({"open": 101.5}, "high"),
        ({"close": 99.0}, "low"),
        ({"open": math.nan}, "open"),
        ({"close": -1.0}, "close"),
        ({"volume": -1}, "volume"),
        ({"volume": 1.0}, "volume"),
    ],
)
def test_bad_bar_is_rejected_naming_the_field(overrides: dict[str, object], field: str) -> None:
    with pytest.raises(ModelValidationError) as caught:
        make_bar(**overrides)
    assert caught.value.field == field


@settings(deadline=None)
@given(
    symbol=st.text(max_size=40),
    ts_ns=st.one_of(st.integers(min_value=-5, max_value=2**64), st.floats()),
    bid=st.one_of(st.floats(), st.integers(min_value=-5, max_value=5), st.booleans()),
    ask=st.one_of(st.floats(), st.integers(min_value=-5, max_value=5)),
    bid_size=st.one_of(st.integers(min_value=-3, max_value=3), st.floats(), st.booleans()),
    ask_size=st.one_of(st.integers(min_value=-3, max_value=3), st.floats()),
    last=st.one_of(st.none(), st.floats(), st.integers(min_value=-3, max_value=3)),
)
def test_the_quote_fast_path_accepts_only_what_the_full_checks_accept(**fields: Any) -> None:
    try:
        quote = Quote(**fields)
    except ModelValidationError:
        return
    quote._check_fields()  # must not raise: the fast path never lets a bad value through
    assert canonical_symbol(quote.symbol) == quote.symbol


@pytest.mark.parametrize("symbol", ["BABA240508P00088880", "V231211P00220000"])
def test_compact_osi_quote_symbols_are_stored_padded(symbol: str) -> None:
    quote = make_quote(symbol)
    assert len(quote.symbol) == 21
    assert quote.symbol.replace(" ", "") == symbol
    assert make_bar(symbol).symbol == quote.symbol
