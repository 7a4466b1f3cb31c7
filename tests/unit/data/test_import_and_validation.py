"""Vendor files (written here in the vendors' layouts) through canonicalisation and validation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from optionswarm.data.canonical import DataFlag, occ_symbols, table_to_snapshot
from optionswarm.data.chains import ModelledChainBuilder
from optionswarm.data.importer import ChainImporter, ImportFailedError
from optionswarm.data.metrics import DataMetrics
from optionswarm.data.testkit import CBOE_COLUMNS, cboe_table, orats_table, write_csv
from optionswarm.data.validation import ValidatorConfig
from optionswarm.data.vendors import LAYOUTS, load_layout, resolve_layout
from optionswarm.model import ChainSnapshot, OccSymbol, QualityFlag
from optionswarm.storage.chains import ChainStore
from optionswarm.storage.quarantine import QuarantineStore

NOW = 1_700_000_000_000_000_000
DAY = dt.date(2018, 2, 5)


@pytest.fixture(scope="module")
def chain(builder: ModelledChainBuilder) -> ChainSnapshot:
    full = builder.chain_on("sp500", DAY)
    near = np.abs(full.strike / full.spot - 1) < 0.05
    return full.slice(near & (full.expiry_ns <= full.expiries()[6]))


def _importer(tmp_path: Path, config: ValidatorConfig | None = None) -> ChainImporter:
    return ChainImporter(
        ChainStore(tmp_path / "chains"), QuarantineStore(tmp_path), DataMetrics(), config
    )


def test_cboe_file_round_trips_to_the_same_chain(tmp_path: Path, chain: ChainSnapshot) -> None:
    path = tmp_path / "UnderlyingOptionsEODQuotes_2018-02-05.csv"
    table = cboe_table(chain)
    assert tuple(table.column_names) == CBOE_COLUMNS
    write_csv(table, path)
    importer = _importer(tmp_path)
    report = importer.import_file(path, LAYOUTS["cboe"], now_ns=NOW)
    assert report.rows_read == report.accepted == len(chain)
    assert report.quarantined == 0
    store = ChainStore(tmp_path / "chains")
    rows = store.chain_at("SPX", chain.ts_ns)
    assert rows is not None
    assert set(rows.column("source").to_pylist()) == {"cboe"}
    assert not any(rows.column("modelled").to_pylist())
    imported = table_to_snapshot(rows).sorted()
    expected = chain.sorted()
    np.testing.assert_array_equal(imported.strike, expected.strike)
    np.testing.assert_array_equal(imported.expiry_ns, expected.expiry_ns)
    np.testing.assert_allclose(imported.bid, expected.bid)
    assert imported.root.tolist() == expected.root.tolist()
    assert imported.ts_ns < chain.ts_ns  # the 15:45 snapshot precedes the 16:00 close
    settlement = dict(
        zip(rows.column("root").to_pylist(), rows.column("settlement").to_pylist(), strict=True)
    )
    assert settlement == {"SPX": "AM", "SPXW": "PM"}
    assert set(rows.column("exercise").to_pylist()) == {"european"}
    assert importer.metrics.get("records_accepted") == len(chain)


def test_orats_rows_reshape_to_long_with_weekly_roots(tmp_path: Path, chain: ChainSnapshot) -> None:
    path = tmp_path / "orats.csv"
    wide = orats_table(chain)
    write_csv(wide, path)
    report = _importer(tmp_path).import_file(path, LAYOUTS["orats"], now_ns=NOW)
    assert report.contracts == 2 * wide.num_rows
    assert report.quarantined == 0
    rows = ChainStore(tmp_path / "chains").scan("SPX", 0, 2**62)
    assert rows.num_rows == 2 * wide.num_rows
    roots = dict(
        zip(rows.column("expiry").to_pylist(), rows.column("root").to_pylist(), strict=True)
    )
    assert roots[dt.date(2018, 2, 16)] == "SPX"  # third Friday: the AM monthly root
    assert roots[dt.date(2018, 2, 9)] == "SPXW"
    calls = rows.filter(rows.column("is_call"))
    assert calls.num_rows == wide.num_rows


def test_optional_columns_may_be_absent_but_required_ones_may_not(
    tmp_path: Path, chain: ChainSnapshot
) -> None:
    wide = orats_table(chain).drop_columns(["cVolu", "pVolu", "smvVol"])
    write_csv(wide, tmp_path / "lean.csv")
    report = _importer(tmp_path).import_file(tmp_path / "lean.csv", LAYOUTS["orats"], now_ns=NOW)
    assert report.accepted == 2 * wide.num_rows
    rows = ChainStore(tmp_path / "chains").scan("SPX", 0, 2**62)
    assert rows.column("volume").null_count == rows.num_rows
    assert all(f & DataFlag.IV_MISSING for f in rows.column("quality_flags").to_pylist())
    write_csv(wide.drop_columns(["pAskPx"]), tmp_path / "broken.csv")
    with pytest.raises(ImportFailedError, match="pAskPx"):
        _importer(tmp_path).import_file(tmp_path / "broken.csv", LAYOUTS["orats"], now_ns=NOW)


def test_ivydb_strikes_times_1000_and_iv_placeholder(tmp_path: Path) -> None:
    raw = pa.table(
        {
            "ticker": ["SPX", "SPX"],
            "date": ["2018-02-05", "2018-02-05"],
            "root": ["SPX", "SPX"],
            "exdate": ["2018-03-16", "2018-03-16"],
            "strike_price": [2700000.0, 2700000.0],
            "cp_flag": ["C", "P"],
            "best_bid": [40.1, 85.0],
            "best_offer": [41.3, 86.6],
            "volume": [10, 5],
            "open_interest": [100, 50],
            "impl_volatility": [0.21, -99.99],
            "delta": [0.4, -0.6],
        }
    )
    path = tmp_path / "ivy.parquet"
    pq.write_table(raw, path)
    report = _importer(tmp_path).import_file(path, resolve_layout("ivydb"), now_ns=NOW)
    assert report.accepted == 2
    rows = ChainStore(tmp_path / "chains").scan("SPX", 0, 2**62).to_pylist()
    assert {r["strike"] for r in rows} == {2700.0}
    put = next(r for r in rows if not r["is_call"])
    assert np.isnan(put["iv"])
    assert put["quality_flags"] & DataFlag.PLACEHOLDER
    assert put["occ_symbol"] == "SPX   180316P02700000"
    # No spot column in this layout: put-call parity gives it (F = K + C - P at r = 0).
    snapshot = ChainStore(tmp_path / "chains").snapshot_at("SPX", 2**62)
    assert snapshot is not None
    assert snapshot.spot == pytest.approx(2700.0 + 40.7 - 85.8)


def test_toml_mapping_reads_a_custom_layout(tmp_path: Path) -> None:
    mapping = tmp_path / "mine.toml"
    mapping.write_text(
        'shape = "long"\nprice_placeholders = [999.0]\n'
        "[columns]\n"
        'underlying = "sym"\nquote_date = "d"\nexpiry = "x"\nstrike = "k"\nright = "cp"\n'
        'bid = "b"\nask = "a"\n'
    )
    layout = load_layout(mapping)
    assert layout.name == "mine"
    path = tmp_path / "mine.csv"
    path.write_text(
        "sym,d,x,k,cp,b,a\nAAPL,2018-02-05,2018-02-16,160,call,1.2,1.3\n"
        "AAPL,2018-02-05,2018-02-16,160,put,999,1.1\n"
    )
    report = _importer(tmp_path).import_file(path, resolve_layout(str(mapping)), now_ns=NOW)
    assert report.accepted == 2
    rows = ChainStore(tmp_path / "chains").scan("AAPL", 0, 2**62).to_pylist()
    put = next(r for r in rows if not r["is_call"])
    assert np.isnan(put["bid"])
    assert put["quality_flags"] & DataFlag.PLACEHOLDER
    assert put["quality_flags"] & QualityFlag.NO_BID
    assert put["exercise"] == "american"


def test_suspicious_rows_are_flagged_not_dropped(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    header = ",".join(CBOE_COLUMNS[:6]) + ",bid_1545,ask_1545,active_underlying_price_1545"
    body = [
        "^SPX,2018-02-05,SPX,2018-03-16,2000,C,500.0,501.0,2648.9",  # mid below intrinsic
        "^SPX,2018-02-05,SPX,2018-03-16,2700,C,,30.0,2648.9",  # one side missing
        "^SPX,2018-02-05,SPX,2018-03-16,2700,P,80.05,80.0,2648.9",  # crossed within tolerance
        "^SPX,2018-02-05,SPX,2018-03-16,2750,P,90.0,90.0,2648.9",  # locked
    ]
    path.write_text(header + "\n" + "\n".join(body) + "\n")
    layout = msgspec_replace_columns(LAYOUTS["cboe"])
    report = _importer(tmp_path).import_file(path, layout, now_ns=NOW)
    assert report.accepted == 4
    assert report.flagged == 4
    rows = ChainStore(tmp_path / "chains").scan("SPX", 0, 2**62).to_pylist()
    flags = {(r["strike"], r["is_call"]): r["quality_flags"] for r in rows}
    assert flags[(2000.0, True)] & DataFlag.BELOW_INTRINSIC
    assert flags[(2700.0, True)] & QualityFlag.NO_BID
    assert flags[(2700.0, False)] & DataFlag.CROSSED
    assert flags[(2750.0, False)] & QualityFlag.LOCKED
    snapshot = ChainStore(tmp_path / "chains").snapshot_at("SPX", 2**62)
    assert snapshot is not None
    crossed = (snapshot.strike == 2700.0) & ~snapshot.is_call
    assert np.isnan(snapshot.bid[crossed]).all()  # a snapshot never holds bid > ask


def msgspec_replace_columns(layout: object) -> object:
    import msgspec

    keep = {
        k: v
        for k, v in LAYOUTS["cboe"].columns.items()
        if v in {*CBOE_COLUMNS[:6], "bid_1545", "ask_1545", "active_underlying_price_1545"}
    }
    return msgspec.structs.replace(LAYOUTS["cboe"], columns=keep)


def test_unparsable_value_quarantines_its_row_only(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    header = ",".join(CBOE_COLUMNS[:6]) + ",bid_1545,ask_1545,active_underlying_price_1545"
    path.write_text(
        header + "\n"
        "^SPX,2018-02-05,SPX,2018-03-16,2700,C,30.0,31.0,2648.9\n"
        "^SPX,2018-02-05,SPX,2018-03-16,2700,P,abc,31.0,2648.9\n"
        "^SPX,2018-02-05,SPX,16/03/2018,2750,P,1.0,1.1,2648.9\n"
        "^SPX,2018-02-05,SPX,2018-03-16,2750,X,1.0,1.1,2648.9\n"
    )
    importer = _importer(tmp_path)
    report = importer.import_file(path, msgspec_replace_columns(LAYOUTS["cboe"]), now_ns=NOW)
    assert report.accepted == 1
    assert report.reasons == {"unparsable": 3}
    quarantined = QuarantineStore(tmp_path).read().to_pylist()
    assert [q["row"] for q in quarantined] == [1, 2, 3]
    assert '"abc"' in quarantined[0]["raw"]
    assert importer.metrics.get("quarantined.unparsable") == 3


def test_unreadable_file_fails_cleanly_and_stores_nothing(tmp_path: Path) -> None:
    path = tmp_path / "wrong.csv"
    path.write_text("a,b\n1,2\n")
    importer = _importer(tmp_path)
    with pytest.raises(ImportFailedError, match="cannot read"):
        importer.import_file(path, LAYOUTS["cboe"], now_ns=NOW)
    assert not list((tmp_path / "chains").rglob("*.parquet"))
    assert QuarantineStore(tmp_path).read().num_rows == 0
    assert importer.metrics.get("imports_failed") == 1


def test_unknown_layout_and_bad_mapping_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown layout"):
        resolve_layout("bloomberg")
    bad = tmp_path / "bad.toml"
    bad.write_text('[columns]\nunderlying = "u"\n')
    with pytest.raises(ValueError, match="required"):
        load_layout(bad)
    worse = tmp_path / "worse.toml"
    worse.write_text('[columns]\nfavourite_colour = "u"\n')
    with pytest.raises(ValueError, match="unknown canonical"):
        load_layout(worse)


def test_vectorised_osi_symbols_match_the_model() -> None:
    roots = np.array(["SPX", "SPXW", "AAPL", "BRKB12"], dtype=object)
    days = np.array(["2018-02-16", "2019-12-20", "2000-01-03", "2099-12-31"], dtype="datetime64[D]")
    calls = np.array([True, False, True, False])
    milli = np.array([2_700_000, 1, 47_500, 99_999_999])
    got = occ_symbols(roots, days, calls, milli).to_pylist()
    want = [
        OccSymbol(root=r, expiry=d, right="C" if c else "P", strike_milli=int(m)).format()
        for r, d, c, m in zip(roots, days.astype(object), calls, milli, strict=True)
    ]
    assert got == want
