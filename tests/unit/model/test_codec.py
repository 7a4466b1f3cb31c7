"""Canonical encoding: deterministic bytes for hashing, and decode that validates fully."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optionswarm.model import (
    DEFAULT_MAX_BYTES,
    NON_PENNY,
    Bar,
    ChainSnapshot,
    Decision,
    ModelValidationError,
    OccSymbol,
    OptionContract,
    OrderIntent,
    Quote,
    Underlying,
    View,
    decode,
    digest,
    encode,
)
from optionswarm.model import testkit as tk

SAMPLES: list[Any] = [
    tk.make_occ(),
    OptionContract.from_symbol("SPXW  230111C02400000"),
    Underlying(symbol="SPX", kind="index"),  # type: ignore[arg-type]
    tk.make_quote(),
    tk.make_quote(last=None),
    tk.make_bar(),
    tk.make_order(),
    tk.make_order(limit_price=None, decision_id="dec-1", tag="t"),
    tk.make_fill(),
    tk.make_position(quantity=-3),
    tk.make_view(),
    View.abstain("llm", "SPY", tk.TS_NS, "timeout", "no answer"),
    tk.make_decision(),
    tk.make_decision().contributions[0],
    tk.make_order().legs[0],
    NON_PENNY,
    tk.make_chain(days_to_expiry=(7, 30)),
]


@pytest.mark.parametrize("value", SAMPLES, ids=[type(v).__name__ for v in SAMPLES])
def test_encode_decode_encode_is_stable_for_every_type(value: Any) -> None:
    data = encode(value)
    back = decode(data, type(value))
    assert encode(back) == data
    if isinstance(value, ChainSnapshot):
        assert back.equals(value)
    else:
        assert back == value
    assert digest(back) == digest(value)


@pytest.mark.parametrize("value", SAMPLES, ids=[type(v).__name__ for v in SAMPLES])
def test_encoding_writes_keys_in_sorted_order_at_every_depth(value: Any) -> None:
    def check(node: Any) -> int:
        if isinstance(node, dict):
            assert list(node) == sorted(node)
            return 1 + sum(check(child) for child in node.values())
        if isinstance(node, list):
            return sum(check(child) for child in node)
        return 0

    assert check(json.loads(encode(value))) >= 1


def test_equal_values_built_differently_encode_identically() -> None:
    one = tk.make_quote(bid=1, ask=2)
    two = Quote(ask=2.0, bid=1.0, symbol="SPY", ts_ns=tk.TS_NS, ask_size=12, bid_size=10, last=1.05)
    assert encode(one) == encode(two)
    assert len(digest(one)) == 64


@settings(deadline=None)
@given(
    bid=st.floats(min_value=0, max_value=1e6),
    spread=st.floats(min_value=0, max_value=1e3),
    size=st.integers(min_value=0, max_value=10**9),
    ts=st.integers(min_value=0, max_value=2**63 - 1),
)
def test_any_valid_quote_round_trips_byte_for_byte(
    bid: float, spread: float, size: int, ts: int
) -> None:
    quote = Quote(symbol="SPY", ts_ns=ts, bid=bid, ask=bid + spread, bid_size=size, ask_size=size)
    data = encode(quote)
    assert decode(data, Quote) == quote
    assert encode(decode(data, Quote)) == data


def test_decode_rejects_malformed_json_as_a_model_error() -> None:
    with pytest.raises(ModelValidationError) as caught:
        decode(b'{"symbol": ', Quote)
    assert caught.value.field == "$"


def test_decode_names_the_field_of_a_wrong_type() -> None:
    with pytest.raises(ModelValidationError) as caught:
        decode(b'{"symbol":"SPY","ts_ns":"now","bid":1,"ask":2}', Quote)
    assert caught.value.field == "ts_ns"


def test_decode_rejects_unknown_fields() -> None:
    with pytest.raises(ModelValidationError, match="unknown field"):
        decode(b'{"symbol":"SPY","ts_ns":1,"bid":1,"ask":2,"mark":1.5}', Quote)


def test_decode_keeps_the_inner_field_and_path_of_a_nested_error() -> None:
    data = encode(tk.make_decision()).replace(b'"probability":0.6', b'"probability":1.6', 1)
    with pytest.raises(ModelValidationError) as caught:
        decode(data, Decision)
    assert caught.value.field == "probability"
    assert "$.contributions[0].view" in caught.value.reason


def test_decode_refuses_an_oversized_payload() -> None:
    with pytest.raises(ModelValidationError, match="exceeds"):
        decode(b" " * 11, Quote, max_bytes=10)
    assert DEFAULT_MAX_BYTES >= 1024 * 1024


def test_decode_accepts_str_input() -> None:
    assert decode(encode(tk.make_bar()).decode(), Bar) == tk.make_bar()


def test_encode_refuses_values_that_are_not_domain_data() -> None:
    with pytest.raises(ModelValidationError) as caught:
        encode(object())
    assert caught.value.field == "$"


def test_dates_encode_as_iso_strings() -> None:
    symbol = OccSymbol.of("SPY", dt.date(2024, 1, 19), "C", 475)
    assert b'"expiry":"2024-01-19"' in encode(symbol)


def test_msgspec_decoding_an_order_reports_our_field_first() -> None:
    data = encode(tk.make_order()).replace(b'"quantity":1', b'"quantity":0')
    with pytest.raises(msgspec.ValidationError, match=r"^quantity: "):
        msgspec.json.decode(data, type=OrderIntent)


def test_negative_zero_encodes_like_zero_so_equal_values_hash_equal() -> None:
    assert encode(tk.make_quote(bid=-0.0)) == encode(tk.make_quote(bid=0.0))
    assert encode(tk.make_fill(fee=-0.0)) == encode(tk.make_fill(fee=0.0))
    assert digest(tk.make_order(limit_price=-0.0)) == digest(tk.make_order(limit_price=0.0))
