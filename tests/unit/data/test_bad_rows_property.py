"""Hypothesis: bad rows are quarantined with their reason; good rows and stored data survive."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optionswarm.data.canonical import table_to_snapshot
from optionswarm.data.importer import ChainImporter
from optionswarm.data.metrics import DataMetrics
from optionswarm.data.validation import ValidatorConfig
from optionswarm.data.vendors import LAYOUTS
from optionswarm.storage.chains import ChainStore
from optionswarm.storage.quarantine import QuarantineStore

NOW = 1_700_000_000_000_000_000
LAYOUT = LAYOUTS["cboe"]
FIELDS = [
    "underlying_symbol",
    "quote_date",
    "root",
    "expiration",
    "strike",
    "option_type",
    "bid_1545",
    "ask_1545",
    "bid_size_1545",
    "ask_size_1545",
    "trade_volume",
    "open_interest",
    "implied_volatility_1545",
    "delta_1545",
    "active_underlying_price_1545",
]


def _good(strike: float, right: str, day: str = "2018-02-06") -> dict[str, object]:
    return {
        "underlying_symbol": "^SPX",
        "quote_date": day,
        "root": "SPXW",
        "expiration": "2018-03-29",
        "strike": strike,
        "option_type": right,
        "bid_1545": 10.0,
        "ask_1545": 10.5,
        "bid_size_1545": 5,
        "ask_size_1545": 7,
        "trade_volume": 3,
        "open_interest": 100,
        "implied_volatility_1545": 0.2,
        "delta_1545": 0.5,
        "active_underlying_price_1545": 2700.0,
    }


# Each corruption: (reason code it must produce, how it changes a good row).
CORRUPTIONS: dict[str, tuple[str, object]] = {
    "nan_both": ("no_prices", {"bid_1545": float("nan"), "ask_1545": float("nan")}),
    "negative_bid": ("bad_price", {"bid_1545": -1.0}),
    "infinite_ask": ("bad_price", {"ask_1545": float("inf")}),
    "crossed": ("crossed_quote", {"bid_1545": 12.0, "ask_1545": 10.0}),
    "zero_strike": ("bad_strike", {"strike": 0.0}),
    "negative_strike": ("bad_strike", {"strike": -5.0}),
    "expired": ("expired", {"expiration": "2018-01-19"}),
    "bad_root": ("unknown_symbol", {"root": "spx!"}),
    "unknown_underlying": ("unknown_symbol", {"underlying_symbol": "^DAX"}),
    "negative_size": ("negative_size", {"open_interest": -3}),
    "fat_finger": ("price_collar", {"bid_1545": 900.0, "ask_1545": 905.0}),
    "bad_date": ("unparsable", {"quote_date": "2018-13-45"}),
}


def _write(rows: list[dict[str, object]], path: Path) -> None:
    lines = [",".join(FIELDS)]
    for row in rows:
        lines.append(",".join("" if row[f] is None else str(row[f]) for f in FIELDS))
    path.write_text("\n".join(lines) + "\n")


def _digest(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.mark.slow
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kinds=st.lists(st.sampled_from(sorted(CORRUPTIONS)), min_size=1, max_size=8),
    good_count=st.integers(min_value=0, max_value=5),
    duplicate=st.booleans(),
)
def test_bad_rows_never_reach_the_store(kinds: list[str], good_count: int, duplicate: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        store = ChainStore(root / "chains")
        config = ValidatorConfig(known_underlyings=frozenset({"SPX"}))
        importer = ChainImporter(store, QuarantineStore(root), DataMetrics(), config)
        # Already stored: yesterday's chain, the reference for the collar.
        seed_rows = [_good(2700.0 + 5 * i, side, "2018-02-05") for i in range(10) for side in "CP"]
        _write(seed_rows, root / "seed.csv")
        importer.import_file(root / "seed.csv", LAYOUT, now_ns=NOW)
        before = _digest(root / "chains")
        before_chain = store.chain_at("SPX", 2**62)

        good = [_good(2700.0 + 5 * i, "C") for i in range(good_count)]
        bad = []
        for i, kind in enumerate(kinds):
            row = _good(2700.0 + 5 * i, "P")
            row.update(CORRUPTIONS[kind][1])  # type: ignore[arg-type]
            bad.append((CORRUPTIONS[kind][0], row))
        rows = good + [row for _, row in bad]
        expected = [reason for reason, _ in bad]
        if duplicate and good:
            rows.append(dict(good[0]))
            expected.append("duplicate")
        _write(rows, root / "new.csv")
        report = importer.import_file(root / "new.csv", LAYOUT, now_ns=NOW + 1)

        quarantined = QuarantineStore(root).read()
        new = quarantined.filter(pa.compute.equal(quarantined.column("source"), "new.csv"))
        got = sorted(new.column("reason_code").to_pylist())
        assert got == sorted(expected)
        assert report.accepted == len(good)
        assert all(raw for raw in new.column("raw").to_pylist())
        after = _digest(root / "chains")
        assert {k: v for k, v in after.items() if k in before} == before
        again = store.chain_at("SPX", before_chain.column("ts_ns")[0].as_py())
        keys = ["occ_symbol", "ts_ns", "bid", "ask"]
        assert again.select(keys).equals(before_chain.select(keys))
        latest = store.chain_at("SPX", 2**62)
        assert latest is not None
        if good:
            table_to_snapshot(latest)  # accepted rows always make a valid snapshot
        assert importer.metrics.get("records_quarantined") == len(got)


def test_a_failing_commit_leaves_every_store_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = ChainStore(tmp_path / "chains")
    importer = ChainImporter(store, QuarantineStore(tmp_path), DataMetrics())
    rows = [_good(2700.0, "C"), _good(2700.0, "P"), {**_good(2705.0, "C"), "strike": -1}]
    _write(rows, tmp_path / "f.csv")
    real_replace = os.replace
    calls = {"n": 0}

    def flaky_replace(src: str, dst: str) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("disk full")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", flaky_replace)
    with pytest.raises(OSError, match="disk full"):
        importer.import_file(tmp_path / "f.csv", LAYOUT, now_ns=NOW)
    monkeypatch.setattr(os, "replace", real_replace)
    assert [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "f.csv"] == []
    assert ChainStore(tmp_path / "chains").underlyings() == []
    assert QuarantineStore(tmp_path).read().num_rows == 0
