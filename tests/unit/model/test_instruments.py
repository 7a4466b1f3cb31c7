"""Underlyings, option contracts and expiry instants."""

from __future__ import annotations

import datetime as dt

import pytest

from optionswarm.model import (
    ExerciseStyle,
    InstrumentKind,
    ModelValidationError,
    OccSymbol,
    OptionContract,
    SettlementStyle,
    SettlementType,
    Side,
    Underlying,
    expiry_date_of,
    expiry_instant_ns,
    ns_to_datetime,
)


def test_spxw_contract_is_european_cash_pm_on_spx() -> None:
    contract = OptionContract.from_symbol("SPXW  230111C02400000")
    assert contract.underlying == "SPX"
    assert contract.exercise is ExerciseStyle.EUROPEAN
    assert contract.settlement is SettlementStyle.PM
    assert contract.settlement_type is SettlementType.CASH
    assert contract.multiplier == 100
    assert contract.occ == "SPXW  230111C02400000"
    assert contract.strike == 2400.0
    assert contract.is_call


def test_spx_monthly_is_am_settled_at_the_new_york_open() -> None:
    contract = OptionContract.from_symbol(OccSymbol.parse("SPX   230217P04015000"))
    assert contract.settlement is SettlementStyle.AM
    # 2023-02-17 09:30 EST == 14:30 UTC
    assert ns_to_datetime(contract.expiry_ns) == dt.datetime(2023, 2, 17, 14, 30, tzinfo=dt.UTC)


def test_equity_contract_is_american_physical_with_explicit_underlying() -> None:
    contract = OptionContract.from_symbol("AAPL  240510C00100100", underlying="AAPL", multiplier=10)
    assert contract.exercise is ExerciseStyle.AMERICAN
    assert contract.settlement_type is SettlementType.PHYSICAL
    assert contract.multiplier == 10


@pytest.mark.parametrize(
    ("date", "utc_hour"),
    [(dt.date(2024, 1, 19), 21), (dt.date(2024, 7, 19), 20)],
)
def test_pm_expiry_is_the_new_york_close_across_daylight_saving(
    date: dt.date, utc_hour: int
) -> None:
    instant = expiry_instant_ns(date)
    assert ns_to_datetime(instant) == dt.datetime.combine(date, dt.time(utc_hour), tzinfo=dt.UTC)
    assert expiry_date_of(instant) == date
    assert expiry_date_of(expiry_instant_ns(date, SettlementStyle.AM)) == date


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"symbol": ""}, "symbol"),
        ({"kind": "bond"}, "kind"),
        ({"multiplier": 0}, "multiplier"),
        ({"tick_size": 0.0}, "tick_size"),
    ],
)
def test_bad_underlying_is_rejected(fields: dict[str, object], field: str) -> None:
    with pytest.raises(ModelValidationError) as caught:
        Underlying(**{"symbol": "SPY", "kind": InstrumentKind.ETF, **fields})  # type: ignore[arg-type]
    assert caught.value.field == field


def test_underlying_kind_string_is_normalised() -> None:
    assert Underlying(symbol="SPX", kind="index").kind is InstrumentKind.INDEX  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"symbol": "SPY   240119C00475000"}, "symbol"),
        ({"underlying": ""}, "underlying"),
        ({"exercise": "bermudan"}, "exercise"),
        ({"settlement": "noon"}, "settlement"),
        ({"settlement_type": Side.BUY}, "settlement_type"),
        ({"multiplier": 100.0}, "multiplier"),
    ],
)
def test_bad_option_contract_is_rejected(fields: dict[str, object], field: str) -> None:
    good = {
        "symbol": OccSymbol.parse("SPY   240119C00475000"),
        "underlying": "SPY",
        "exercise": ExerciseStyle.AMERICAN,
        "settlement": SettlementStyle.PM,
        "settlement_type": SettlementType.PHYSICAL,
    }
    with pytest.raises(ModelValidationError) as caught:
        OptionContract(**{**good, **fields})  # type: ignore[arg-type]
    assert caught.value.field == field
