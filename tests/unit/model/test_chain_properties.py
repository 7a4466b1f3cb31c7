"""Property tests over generated chains: every transport round-trips, every row formats to OSI."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from optionswarm.model import (
    ChainSnapshot,
    OccSymbol,
    decode,
    encode,
    expiry_date_of,
    expiry_instant_ns,
)
from optionswarm.model.testkit import TS_NS

TODAY = dt.date(2024, 1, 2)
prices = st.one_of(st.just(float("nan")), st.floats(min_value=0, max_value=5000))
contract_keys = st.tuples(
    st.sampled_from(["SPX", "SPXW"]),
    st.integers(min_value=0, max_value=900),  # days to expiry
    st.integers(min_value=1, max_value=99_999_999),  # strike in thousandths
    st.booleans(),
)


@st.composite
def chains(draw: st.DrawFn) -> ChainSnapshot:
    keys = draw(st.lists(contract_keys, max_size=25, unique_by=lambda key: key))
    rows = len(keys)
    bids = draw(st.lists(prices, min_size=rows, max_size=rows))
    spreads = draw(st.lists(st.floats(min_value=0, max_value=50), min_size=rows, max_size=rows))
    asks = [np.nan if draw(st.booleans()) else b + s for b, s in zip(bids, spreads, strict=True)]
    counts = st.lists(st.integers(min_value=0, max_value=2**40), min_size=rows, max_size=rows)
    columns: dict[str, Any] = {
        "root": [key[0] for key in keys],
        "expiry_ns": [expiry_instant_ns(TODAY + dt.timedelta(days=key[1])) for key in keys],
        "strike": [key[2] / 1000 for key in keys],
        "is_call": np.array([key[3] for key in keys], dtype=bool),
        "bid": np.array(bids, dtype=float),
        "ask": np.array(asks, dtype=float),
        "bid_size": draw(counts),
        "ask_size": draw(counts),
        "volume": draw(counts),
        "open_interest": draw(counts),
        "iv": np.array(draw(st.lists(prices, min_size=rows, max_size=rows)), dtype=float),
        "quality_flags": np.array(
            draw(st.lists(st.integers(0, 2**32 - 1), min_size=rows, max_size=rows)),
            dtype=np.uint32,
        ),
    }
    return ChainSnapshot.from_arrays(
        underlying="SPX",
        ts_ns=TS_NS,
        spot=draw(st.floats(min_value=1, max_value=1e5)),
        rate=draw(st.floats(min_value=-0.05, max_value=0.2)),
        dividend_yield=draw(st.floats(min_value=0, max_value=0.1)),
        modelled=draw(st.booleans()),
        source="property",
        **columns,
    )


@settings(deadline=None, max_examples=60)
@given(chain=chains())
def test_generated_chains_round_trip_through_every_transport(chain: ChainSnapshot) -> None:
    assert ChainSnapshot.from_arrow(chain.to_arrow()).equals(chain)
    assert ChainSnapshot.from_dict(chain.to_dict()).equals(chain)
    data = encode(chain)
    assert encode(decode(data, ChainSnapshot)) == data


@settings(deadline=None, max_examples=60)
@given(chain=chains())
def test_every_row_formats_to_an_osi_symbol_that_parses_back_to_the_row(
    chain: ChainSnapshot,
) -> None:
    for row, text in enumerate(chain.occ_symbols()):
        symbol = OccSymbol.parse(text)
        assert symbol.root == chain.root[row]
        assert symbol.expiry == expiry_date_of(int(chain.expiry_ns[row]))
        assert symbol.is_call == bool(chain.is_call[row])
        assert symbol.strike_milli == round(float(chain.strike[row]) * 1000)
