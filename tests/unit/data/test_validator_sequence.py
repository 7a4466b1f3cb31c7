"""Validator checks that depend on order and time: duplicates, out of order, stale, collar."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from optionswarm.data.canonical import CANONICAL_SCHEMA, occ_symbols
from optionswarm.data.validation import RejectReason, ValidatorConfig, validate

SECOND = 10**9
EXPIRY_NS = 1_600_000_000 * SECOND


def _rows(ts: list[int], strikes: list[float], mids: list[float]) -> pa.Table:
    n = len(ts)
    milli = (np.asarray(strikes) * 1000).astype(np.int64)
    expiry = np.full(n, np.datetime64("2020-09-13"), dtype="datetime64[D]")
    return pa.Table.from_pydict(
        {
            "underlying": ["SPX"] * n,
            "ts_ns": ts,
            "occ_symbol": occ_symbols(
                np.array(["SPXW"] * n, dtype=object), expiry, np.ones(n, dtype=bool), milli
            ),
            "root": ["SPXW"] * n,
            "expiry": pa.array(expiry, pa.date32()),
            "expiry_ns": [EXPIRY_NS] * n,
            "strike": strikes,
            "is_call": [True] * n,
            "exercise": ["european"] * n,
            "settlement": ["PM"] * n,
            "bid": [m - 0.1 for m in mids],
            "ask": [m + 0.1 for m in mids],
            "bid_size": [1] * n,
            "ask_size": [1] * n,
            "volume": [0] * n,
            "open_interest": [0] * n,
            "iv": [0.2] * n,
            "delta": [0.5] * n,
            "spot": [3300.0] * n,
            "rate": [0.0] * n,
            "dividend_yield": [0.0] * n,
            "quality_flags": pa.array([0] * n, pa.uint32()),
            "modelled": [False] * n,
            "source": ["feed"] * n,
        },
        schema=CANONICAL_SCHEMA,
    )


def _reasons(result: object) -> dict[int, str]:
    rows = result.rejected_rows.tolist()  # type: ignore[attr-defined]
    codes = result.rejected_reasons.tolist()  # type: ignore[attr-defined]
    return {r: RejectReason(c).code for r, c in zip(rows, codes, strict=True)}


def test_duplicates_and_out_of_order_records_per_contract() -> None:
    table = _rows([10, 20, 20, 15, 5], [3000, 3000, 3000, 3000, 3100], [5, 5, 5, 5, 5])
    result = validate(table)
    assert _reasons(result) == {2: "duplicate", 3: "out_of_order"}
    assert result.accepted.num_rows == 3


def test_stale_quotes_against_the_as_of_time() -> None:
    table = _rows([100 * SECOND, 170 * SECOND], [3000, 3100], [5, 5])
    config = ValidatorConfig(max_quote_age_ns=60 * SECOND)
    assert _reasons(validate(table, config, as_of_ns=200 * SECOND)) == {0: "stale_quote"}
    assert _reasons(validate(table, config)) == {}  # no as-of time: nothing is stale


def test_collar_uses_the_previous_record_or_the_stored_mid() -> None:
    table = _rows([10, 20, 10], [3000, 3000, 3100], [10.0, 900.0, 400.0])
    symbol_3100 = table.column("occ_symbol")[2].as_py()
    result = validate(table, previous_mid={symbol_3100: 12.0})
    assert _reasons(result) == {1: "price_collar", 2: "price_collar"}
    assert result.reason_counts() == {"price_collar": 2}
    calm = validate(table, ValidatorConfig(collar_rel=100.0, collar_abs=1000.0))
    assert _reasons(calm) == {}


prices = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True, width=64),
    st.floats(min_value=0.0, max_value=500.0),
)


@settings(max_examples=200, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            prices,
            prices,
            st.floats(allow_nan=True, allow_infinity=True),
            st.integers(min_value=-5, max_value=5),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_whatever_arrives_only_clean_rows_are_accepted(
    rows: list[tuple[float, float, float, int]],
) -> None:
    n = len(rows)
    table = _rows([100 + i for i in range(n)], [3000.0 + 5 * i for i in range(n)], [5.0] * n)
    bids, asks, strikes, sizes = (list(col) for col in zip(*rows, strict=True))
    for name, values in (("bid", bids), ("ask", asks), ("strike", strikes)):
        table = table.set_column(
            table.schema.get_field_index(name),
            table.schema.field(name),
            pa.array(values, pa.float64()),
        )
    table = table.set_column(
        table.schema.get_field_index("bid_size"),
        table.schema.field("bid_size"),
        pa.array(sizes, pa.int64()),
    )
    result = validate(table)
    assert result.accepted.num_rows + len(result.rejected_rows) == n
    ok = result.accepted.to_pydict()
    for bid, ask, strike, size in zip(
        ok["bid"], ok["ask"], ok["strike"], ok["bid_size"], strict=True
    ):
        assert 0 < strike <= 99_999.999
        assert size >= 0
        assert not (np.isnan(bid) and np.isnan(ask))
        for price in (bid, ask):
            assert np.isnan(price) or (np.isfinite(price) and price >= 0)
        if not (np.isnan(bid) or np.isnan(ask)):
            assert bid <= ask + ValidatorConfig().crossed_tolerance + 1e-9
