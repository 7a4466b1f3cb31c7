"""OSI symbology: parse, format, compact form, decimal strikes, root differing from underlying."""

from __future__ import annotations

import datetime as dt
import decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optionswarm.model import (
    ModelValidationError,
    OccSymbol,
    OptionRight,
    canonical_symbol,
    root_belongs_to,
    underlying_for_root,
)

roots = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=1, max_size=6)
expiries = st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31))
strikes_milli = st.integers(min_value=1, max_value=99_999_999)
rights = st.sampled_from(list(OptionRight))


@settings(deadline=None)
@given(root=roots, expiry=expiries, right=rights, strike_milli=strikes_milli)
def test_format_then_parse_round_trips_for_any_valid_symbol(
    root: str, expiry: dt.date, right: OptionRight, strike_milli: int
) -> None:
    symbol = OccSymbol(root=root, expiry=expiry, right=right, strike_milli=strike_milli)
    text = symbol.format()

    assert len(text) == 21
    assert text[:6].rstrip() == root
    assert OccSymbol.parse(text) == symbol
    assert OccSymbol.parse(symbol.compact()) == symbol
    assert symbol.compact() == text.replace(" ", "")


@settings(deadline=None)
@given(root=roots, expiry=expiries, right=rights, strike_milli=strikes_milli)
def test_of_with_a_decimal_string_strike_matches_strike_milli(
    root: str, expiry: dt.date, right: OptionRight, strike_milli: int
) -> None:
    dollars = str(decimal.Decimal(strike_milli).scaleb(-3))
    symbol = OccSymbol.of(root, expiry, right, dollars)
    assert symbol.strike_milli == strike_milli
    assert symbol.strike_decimal == decimal.Decimal(dollars)


def test_decimal_strikes_format_to_thousandths() -> None:
    symbol = OccSymbol.of("JPM", dt.date(2024, 5, 1), "C", 130.75)
    assert symbol.format() == "JPM   240501C00130750"
    assert symbol.strike == 130.75
    assert OccSymbol.of("AAPL", dt.date(2024, 5, 10), OptionRight.CALL, "100.10").strike_milli == (
        100_100
    )


def test_spxw_root_maps_to_spx_underlying_and_is_a_different_contract_from_spx() -> None:
    weekly = OccSymbol.parse("SPXW  230215P04015000")
    monthly = OccSymbol.parse("SPX   230217P04015000")
    assert weekly.root == "SPXW"
    assert weekly.underlying == "SPX"
    assert monthly.underlying == "SPX"
    assert weekly != monthly
    assert underlying_for_root("AAPL") == "AAPL"


def test_str_is_the_padded_form_and_symbols_are_hashable() -> None:
    symbol = OccSymbol.parse("V     231211P00220000")
    assert str(symbol) == "V     231211P00220000"
    assert {symbol: 1}[OccSymbol.parse("V231211P00220000")] == 1
    assert symbol.is_call is False


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("", "symbol"),
        ("SPY   230111X02400000", "symbol"),
        ("spy   230111C02400000", "symbol"),
        ("SPY 230111C02400000", "symbol"),
        (" SPY  230111C02400000", "symbol"),
        ("SPY   230111C02400000 ", "symbol"),
        ("ABCDEF 060318C00047500", "symbol"),
        ("ABCDEFG060318C00047500", "symbol"),
        ("SPY   231311C02400000", "expiry"),
        ("SPY   230230C02400000", "expiry"),
        ("SPY   230111C00000000", "strike_milli"),
        ("SPY   230111C0240000", "symbol"),
    ],
)
def test_parse_rejects_malformed_symbols_naming_the_field(text: str, field: str) -> None:
    with pytest.raises(ModelValidationError) as caught:
        OccSymbol.parse(text)
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")


def test_parse_rejects_non_string_input() -> None:
    with pytest.raises(ModelValidationError, match="symbol"):
        OccSymbol.parse(123)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"root": ""}, "root"),
        ({"root": "TOOLONG"}, "root"),
        ({"root": "SP Y"}, "root"),
        ({"expiry": dt.date(1999, 12, 31)}, "expiry"),
        ({"expiry": dt.date(2100, 1, 1)}, "expiry"),
        ({"expiry": dt.datetime(2024, 1, 1)}, "expiry"),
        ({"expiry": "2024-01-01"}, "expiry"),
        ({"right": "X"}, "right"),
        ({"strike_milli": 0}, "strike_milli"),
        ({"strike_milli": -5}, "strike_milli"),
        ({"strike_milli": 100_000_000}, "strike_milli"),
        ({"strike_milli": 1.5}, "strike_milli"),
        ({"strike_milli": True}, "strike_milli"),
    ],
)
def test_construction_rejects_bad_fields(fields: dict[str, object], field: str) -> None:
    good: dict[str, object] = {
        "root": "SPY",
        "expiry": dt.date(2024, 1, 19),
        "right": OptionRight.CALL,
        "strike_milli": 475_000,
    }
    with pytest.raises(ModelValidationError) as caught:
        OccSymbol(**{**good, **fields})  # type: ignore[arg-type]
    assert caught.value.field == field


def test_right_given_as_its_letter_is_normalised_to_the_enum() -> None:
    symbol = OccSymbol(root="SPY", expiry=dt.date(2024, 1, 19), right="P", strike_milli=1)  # type: ignore[arg-type]
    assert symbol.right is OptionRight.PUT


@pytest.mark.parametrize("strike", [47.0001, "abc", float("nan"), float("inf"), "1e-4"])
def test_of_rejects_strikes_that_are_not_whole_thousandths(strike: object) -> None:
    with pytest.raises(ModelValidationError) as caught:
        OccSymbol.of("MSFT", dt.date(2006, 3, 18), "C", strike)  # type: ignore[arg-type]
    assert caught.value.field == "strike"


def test_of_forgives_float_noise_from_strike_arithmetic() -> None:
    noisy = 0.1 * 3 * 325  # 97.50000000000001
    assert noisy != 97.5
    assert OccSymbol.of("SPY", dt.date(2024, 1, 19), "P", noisy).strike_milli == 97_500


@pytest.mark.parametrize(
    ("root", "underlying", "belongs"),
    [
        ("SPY", "SPY", True),
        ("SPXW", "SPX", True),
        ("AAPL1", "AAPL", True),
        ("AAPLX", "AAPL", False),
        ("SPX", "SPY", False),
        ("SPXW", "sp500", False),
    ],
)
def test_root_belongs_to_covers_mapped_and_adjusted_roots(
    root: str, underlying: str, belongs: bool
) -> None:
    assert root_belongs_to(root, underlying) is belongs


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("BABA240508P00088880", "BABA  240508P00088880"),
        ("SPY   240119C00475000", "SPY   240119C00475000"),
        ("SPY", "SPY"),
        ("BRK.B", "BRK.B"),
        ("NOTANOPTION00000000", "NOTANOPTION00000000"),
    ],
)
def test_canonical_symbol_pads_osi_and_leaves_tickers_alone(text: str, canonical: str) -> None:
    assert canonical_symbol(text) == canonical
