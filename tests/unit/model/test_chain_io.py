"""ChainSnapshot transport: pyarrow Table (and Parquet on disk), JSON-ready dict, canonical JSON."""

from __future__ import annotations

import json
import pathlib
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from optionswarm.model import ChainSnapshot, ModelValidationError, QualityFlag, decode, encode
from optionswarm.model.testkit import make_chain


def _chain_with_gaps() -> ChainSnapshot:
    chain = make_chain(days_to_expiry=(7, 30))
    bid = chain.bid.copy()
    bid[1] = np.nan
    iv = chain.iv.copy()
    iv[2] = np.nan
    flags = np.zeros(len(chain), dtype=np.uint32)
    flags[1] = QualityFlag.NO_BID
    return chain.with_columns(bid=bid, iv=iv, quality_flags=flags, volume=np.arange(len(chain)))


def test_arrow_round_trip_keeps_every_value_and_the_scalars() -> None:
    chain = _chain_with_gaps()
    table = chain.to_arrow()
    assert table.num_rows == len(chain)
    assert table.column("bid").null_count == 1
    back = ChainSnapshot.from_arrow(table)
    assert back.equals(chain)
    assert back.modelled is True
    assert back.source == "testkit"


def test_parquet_file_round_trip(tmp_path: pathlib.Path) -> None:
    chain = _chain_with_gaps()
    path = tmp_path / "chain.parquet"
    pq.write_table(chain.to_arrow(), path)
    assert ChainSnapshot.from_arrow(pq.read_table(path)).equals(chain)


def test_dict_round_trip_is_json_ready_with_null_for_absent_prices() -> None:
    chain = _chain_with_gaps()
    as_dict = chain.to_dict()
    text = json.dumps(as_dict, allow_nan=False)
    assert as_dict["bid"][1] is None
    assert ChainSnapshot.from_dict(json.loads(text)).equals(chain)


def test_canonical_json_round_trip_is_stable() -> None:
    chain = _chain_with_gaps()
    data = encode(chain)
    back = decode(data, ChainSnapshot)
    assert back.equals(chain)
    assert encode(back) == data


def _table_without(name: str) -> pa.Table:
    table = make_chain().to_arrow()
    return table.drop_columns([name])


@pytest.mark.parametrize(
    ("table_factory", "field"),
    [
        (lambda: "not a table", "table"),
        (lambda: make_chain().to_arrow().replace_schema_metadata(None), "metadata"),
        (
            lambda: make_chain().to_arrow().replace_schema_metadata({b"optionswarm.chain": b"{"}),
            "metadata",
        ),
        (
            lambda: make_chain().to_arrow().replace_schema_metadata({b"optionswarm.chain": b"[]"}),
            "metadata",
        ),
        (
            lambda: (
                make_chain()
                .to_arrow()
                .replace_schema_metadata({b"optionswarm.chain": b'{"underlying": "SPY"}'})
            ),
            "ts_ns",
        ),
        (lambda: _table_without("strike"), "strike"),
        (lambda: _table_without("iv"), "iv"),
    ],
)
def test_from_arrow_rejects_foreign_tables(table_factory: Any, field: str) -> None:
    with pytest.raises(ModelValidationError) as caught:
        ChainSnapshot.from_arrow(table_factory())
    assert caught.value.field == field


def test_from_arrow_rejects_nulls_in_integer_columns() -> None:
    table = make_chain().to_arrow()
    index = table.schema.get_field_index("volume")
    nulls = pa.array([None] * table.num_rows, type=pa.int64())
    with pytest.raises(ModelValidationError) as caught:
        ChainSnapshot.from_arrow(table.set_column(index, "volume", nulls))
    assert caught.value.field == "volume"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"extra": 1}, "extra"),
        ({"strike": None}, "strike"),
        ({"bid": "1.0"}, "bid"),
        ({"bid_size": [None] * 10}, "bid_size"),
        ({"ask": ["x"] * 10}, "ask"),
    ],
)
def test_from_dict_rejects_bad_input_naming_the_field(change: dict[str, Any], field: str) -> None:
    data = {**make_chain().to_dict(), **change}
    with pytest.raises(ModelValidationError) as caught:
        ChainSnapshot.from_dict(data)
    assert caught.value.field == field


@pytest.mark.parametrize("missing", ["spot", "expiry_ns"])
def test_from_dict_rejects_missing_fields(missing: str) -> None:
    data = make_chain().to_dict()
    del data[missing]
    with pytest.raises(ModelValidationError) as caught:
        ChainSnapshot.from_dict(data)
    assert caught.value.field == missing


def test_from_dict_rejects_a_non_mapping() -> None:
    with pytest.raises(ModelValidationError) as caught:
        ChainSnapshot.from_dict([1, 2])  # type: ignore[arg-type]
    assert caught.value.field == "chain"


def test_decode_of_a_chain_with_bad_json_names_the_problem() -> None:
    with pytest.raises(ModelValidationError) as caught:
        decode(b"[1,2]", ChainSnapshot)
    assert caught.value.field == "$"
