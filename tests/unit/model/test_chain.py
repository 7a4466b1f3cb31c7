"""ChainSnapshot: columnar, validated, copied and frozen; slicing and derived columns."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optionswarm.model import (
    NS_PER_YEAR,
    ChainSnapshot,
    ModelValidationError,
    OccSymbol,
    QualityFlag,
    SettlementStyle,
    expiry_instant_ns,
)
from optionswarm.model.testkit import TS_NS, make_chain

EXPIRY = expiry_instant_ns(dt.date(2024, 2, 16))
COLUMNS = (
    "root",
    "expiry_ns",
    "strike",
    "is_call",
    "bid",
    "ask",
    "bid_size",
    "ask_size",
    "volume",
    "open_interest",
    "iv",
    "quality_flags",
)


def _arrays(rows: int = 3) -> dict[str, Any]:
    return {
        "underlying": "SPY",
        "ts_ns": TS_NS,
        "spot": 470.0,
        "root": "SPY",
        "expiry_ns": np.full(rows, EXPIRY, dtype=np.int64),
        "strike": np.arange(rows, dtype=np.float64) * 5 + 460.0,
        "is_call": np.ones(rows, dtype=bool),
        "bid": np.full(rows, 1.0),
        "ask": np.full(rows, 1.1),
    }


def _full_columns(rows: int) -> dict[str, Any]:
    base = _arrays(rows)
    base["root"] = np.full(rows, "SPY", dtype=object)
    for name in ("bid_size", "ask_size", "volume", "open_interest"):
        base[name] = np.zeros(rows, dtype=np.int64)
    base["iv"] = np.full(rows, np.nan)
    base["quality_flags"] = np.zeros(rows, dtype=np.uint32)
    return base


def test_from_arrays_fills_defaults_and_broadcasts_the_root() -> None:
    chain = ChainSnapshot.from_arrays(**_arrays())
    assert len(chain) == 3
    assert chain.root.tolist() == ["SPY"] * 3
    assert chain.bid_size.dtype == np.int64
    assert chain.quality_flags.dtype == np.uint32
    assert np.isnan(chain.iv).all()
    assert chain.rate == 0.0
    assert chain.modelled is False


def test_arrays_are_copied_and_frozen() -> None:
    source = _arrays()
    chain = ChainSnapshot.from_arrays(**source)
    source["bid"][0] = 0.5
    assert chain.bid[0] == 1.0
    for name in COLUMNS:
        assert not getattr(chain, name).flags.writeable, name
    with pytest.raises(ValueError, match="read-only"):
        chain.bid[0] = 2.0
    with pytest.raises(AttributeError):
        chain.spot = 1.0  # type: ignore[misc]


def test_lists_are_accepted_and_converted_to_the_column_dtypes() -> None:
    chain = ChainSnapshot.from_arrays(
        underlying="SPY",
        ts_ns=TS_NS,
        spot=470,
        root=["SPY", "SPY"],
        expiry_ns=[EXPIRY, EXPIRY],
        strike=[460, 465],
        is_call=[True, False],
        bid=[1.0, None],
        ask=[1.1, 2.0],
        volume=np.array([3, 4], dtype=np.int32),
    )
    assert chain.strike.dtype == np.float64
    assert chain.volume.dtype == np.int64
    assert np.isnan(chain.bid[1])
    assert type(chain.spot) is float


@settings(deadline=None)
@given(
    rows=st.integers(min_value=1, max_value=6),
    column=st.sampled_from(COLUMNS[1:]),
    delta=st.sampled_from([-1, 1, 2]),
)
def test_from_arrays_rejects_mismatched_lengths_naming_the_column(
    rows: int, column: str, delta: int
) -> None:
    columns = _full_columns(rows)
    wrong = max(rows + delta, 0)
    columns[column] = np.resize(columns[column], wrong)
    if column == "strike":
        # strike sets the expected length: every other column is then the odd one out
        with pytest.raises(ModelValidationError) as caught:
            ChainSnapshot(**columns)
        assert caught.value.field != "strike"
        return
    with pytest.raises(ModelValidationError) as caught:
        ChainSnapshot(**columns)
    assert caught.value.field == column
    assert "length" in caught.value.reason


@pytest.mark.parametrize(
    ("column", "values", "field"),
    [
        ("bid_size", np.array([1.0, 2.0, 3.0]), "bid_size"),
        ("volume", np.array([True, False, True]), "volume"),
        ("open_interest", np.array([2**64 - 1, 0, 0], dtype=np.uint64), "open_interest"),
        ("quality_flags", np.array([-1, 0, 0]), "quality_flags"),
        ("strike", np.array([True, True, True]), "strike"),
        ("strike", np.array(["1", "2", "3"]), "strike"),
        ("is_call", np.array([1, 0, 1]), "is_call"),
        ("root", np.array([1, 2, 3]), "root"),
        ("root", np.array(["SPY", "spy", "SPY"]), "root"),
        ("bid", np.ones((3, 1)), "bid"),
    ],
)
def test_wrong_dtypes_and_shapes_are_rejected(column: str, values: Any, field: str) -> None:
    with pytest.raises(ModelValidationError) as caught:
        ChainSnapshot.from_arrays(**{**_arrays(), column: values})
    assert caught.value.field == field


@pytest.mark.parametrize(
    ("column", "values", "field", "row"),
    [
        ("bid", [1.0, 1.2, 1.0], "bid", 1),
        ("bid", [1.0, -0.05, 1.0], "bid", 1),
        ("ask", [1.1, np.inf, 1.1], "ask", 1),
        ("iv", [0.2, 0.2, -0.1], "iv", 2),
        ("strike", [460.0, 0.0, 470.0], "strike", 1),
        ("strike", [460.0, np.nan, 470.0], "strike", 1),
        ("strike", [460.0, 465.0, 460.0], "strike", 2),
        ("expiry_ns", [EXPIRY, TS_NS - 1, EXPIRY], "expiry_ns", 1),
        ("bid_size", [1, 1, -1], "bid_size", 2),
    ],
)
def test_bad_rows_are_rejected_naming_field_and_row(
    column: str, values: list[Any], field: str, row: int
) -> None:
    with pytest.raises(ModelValidationError) as caught:
        ChainSnapshot.from_arrays(**{**_arrays(), column: values})
    assert caught.value.field == field
    assert f"row {row}" in caught.value.reason


@pytest.mark.parametrize(
    ("scalar", "value"),
    [
        ("spot", 0.0),
        ("spot", np.nan),
        ("rate", 2.0),
        ("dividend_yield", np.inf),
        ("ts_ns", -1),
        ("underlying", ""),
        ("modelled", 1),
        ("source", 3),
    ],
)
def test_bad_scalars_are_rejected(scalar: str, value: Any) -> None:
    with pytest.raises(ModelValidationError) as caught:
        ChainSnapshot.from_arrays(**{**_arrays(), scalar: value})
    assert caught.value.field == scalar


def test_absent_sides_give_nan_mid_and_spread_and_one_sided_quotes_are_allowed() -> None:
    chain = ChainSnapshot.from_arrays(**{**_arrays(), "bid": [np.nan, 0.0, 1.0]})
    assert np.isnan(chain.mid[0])
    assert chain.mid[1] == pytest.approx(0.55)
    assert chain.spread[2] == pytest.approx(0.1)


def test_time_to_expiry_is_act_365_in_years() -> None:
    chain = make_chain(days_to_expiry=(30, 60))
    years = chain.time_to_expiry()
    expected = (chain.expiry_ns - TS_NS) / NS_PER_YEAR
    np.testing.assert_allclose(years, expected)
    np.testing.assert_allclose(chain.time_to_expiry(TS_NS + NS_PER_YEAR // 365), expected - 1 / 365)


def test_occ_symbols_match_the_occ_formatter_row_by_row() -> None:
    chain = make_chain(strikes=(99.5, 100.0), days_to_expiry=(30,), root="SPY")
    expiry = chain.expiry_dates()[0]
    expected = [
        OccSymbol.of("SPY", expiry, "C" if call else "P", strike).format()
        for strike, call in zip(chain.strike.tolist(), chain.is_call.tolist(), strict=True)
    ]
    assert chain.occ_symbols() == expected
    assert expiry == dt.date(2024, 2, 1)


def test_am_settled_expiry_keeps_its_calendar_date() -> None:
    am = expiry_instant_ns(dt.date(2024, 1, 19), SettlementStyle.AM)
    chain = ChainSnapshot.from_arrays(
        **{**_arrays(1), "root": "SPX", "expiry_ns": [am], "underlying": "SPX", "spot": 4700.0}
    )
    assert chain.occ_symbols() == ["SPX   240119C00460000"]


def test_expiries_are_distinct_and_sorted_and_for_expiry_selects_them() -> None:
    chain = make_chain(days_to_expiry=(60, 30))
    expiries = chain.expiries()
    assert expiries.tolist() == sorted(set(chain.expiry_ns.tolist()))
    near = chain.for_expiry(int(expiries[0]))
    assert len(near) == len(chain) // 2
    assert set(near.expiry_ns.tolist()) == {int(expiries[0])}


def test_slice_by_mask_and_by_positions() -> None:
    chain = make_chain()
    calls = chain.slice(chain.is_call)
    assert len(calls) == 5
    assert calls.is_call.all()
    assert calls.spot == chain.spot
    picked = chain.slice([3, 0])
    assert picked.strike.tolist() == [chain.strike[3], chain.strike[0]]
    assert not picked.strike.flags.writeable
    assert chain.slice(chain.is_put).is_put.all()


@pytest.mark.parametrize("selector", [np.array([True, False]), np.array([0.5, 1.0])])
def test_slice_rejects_a_bad_selector(selector: Any) -> None:
    with pytest.raises(ModelValidationError) as caught:
        make_chain().slice(selector)
    assert caught.value.field == "mask"


def test_sorted_orders_by_expiry_strike_then_call_first() -> None:
    chain = make_chain(days_to_expiry=(30, 7)).slice(np.arange(19, -1, -1))
    ordered = chain.sorted()
    assert ordered.expiry_ns.tolist() == sorted(ordered.expiry_ns.tolist())
    first = ordered.for_expiry(int(ordered.expiries()[0]))
    assert first.strike.tolist() == sorted(first.strike.tolist())
    assert first.is_call.tolist()[:2] == [True, False]


def test_with_columns_replaces_and_revalidates() -> None:
    chain = make_chain()
    solved = chain.with_columns(iv=np.full(len(chain), 0.25))
    np.testing.assert_array_equal(solved.iv, 0.25)
    assert chain.iv[0] == pytest.approx(0.2)
    flagged = chain.with_columns(quality_flags=np.full(len(chain), QualityFlag.IV_FAILED))
    assert (flagged.quality_flags & QualityFlag.IV_FAILED).all()
    with pytest.raises(ModelValidationError) as caught:
        chain.with_columns(spot=1.0)
    assert caught.value.field == "spot"
    with pytest.raises(ModelValidationError):
        chain.with_columns(bid=chain.ask + 1)


def test_equals_compares_values_with_nan_equal() -> None:
    one = ChainSnapshot.from_arrays(**_arrays())
    two = ChainSnapshot.from_arrays(**_arrays())
    assert one.equals(two)
    assert one != two  # struct equality is identity: arrays have no truth value
    assert not one.equals(two.with_columns(bid=[0.9, 1.0, 1.0]))
    assert not one.equals("not a chain")
    assert not one.equals(ChainSnapshot.from_arrays(**{**_arrays(), "spot": 471.0}))


def test_an_empty_chain_is_valid() -> None:
    empty = ChainSnapshot.from_arrays(**_arrays(0))
    assert len(empty) == 0
    assert empty.occ_symbols() == []
    assert empty.expiries().size == 0


def test_repr_summarises_instead_of_dumping_arrays() -> None:
    text = repr(make_chain())
    assert "rows=10" in text
    assert "modelled=True" in text


@pytest.mark.parametrize("strike", [100.0005, 100_000.0])
def test_strikes_must_be_whole_thousandths_within_the_osi_range(strike: float) -> None:
    with pytest.raises(ModelValidationError) as caught:
        ChainSnapshot.from_arrays(**{**_arrays(), "strike": [460.0, strike, 470.0]})
    assert caught.value.field == "strike"
    assert "row 1" in caught.value.reason


def test_strike_float_noise_is_tolerated_and_formats_exactly() -> None:
    noisy = 0.1 * 3 * 325  # 97.50000000000001
    chain = ChainSnapshot.from_arrays(**{**_arrays(1), "strike": [noisy]})
    assert chain.occ_symbols() == ["SPY   240216C00097500"]


def test_negative_zero_prices_are_stored_as_zero() -> None:
    chain = ChainSnapshot.from_arrays(**{**_arrays(), "bid": [-0.0, 0.0, 1.0]})
    assert np.signbit(chain.bid).tolist() == [False, False, False]


def test_a_pickled_or_copied_chain_stays_frozen() -> None:
    import copy
    import pickle

    chain = make_chain()
    for clone in (pickle.loads(pickle.dumps(chain)), copy.deepcopy(chain)):
        assert clone.equals(chain)
        assert not clone.bid.flags.writeable
