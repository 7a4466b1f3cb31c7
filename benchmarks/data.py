"""Data-layer speed, printed as JSON (a benchmark, not a test).

* import: a ~1 M-row CBOE DataShop-layout CSV (written from modelled chains) through
  optionswarm's importer (read + canonicalise + validate + store), against a plain
  ``pandas.read_csv`` + ``to_parquet`` of the same file in the same run (no validation).
* chain build: modelled ``sp500`` chains per second (and rows per day).
* chain query: ``ChainStore.chain_at`` (Arrow rows) and ``snapshot_at`` (a validated
  ``ChainSnapshot``) p50/p99 at random times over 20 years of stored daily modelled chains.
* hot store: ``InProcessHotStore.latest_chain`` / ``latest_quote`` read p50/p99.

``--quick`` shrinks every size (for a smoke run); the figures to quote come from the full run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa

from optionswarm.data.canonical import snapshot_to_table
from optionswarm.data.chains import ModelledChainBuilder
from optionswarm.data.importer import ChainImporter
from optionswarm.data.sources import ArchDataSource
from optionswarm.data.testkit import cboe_table, write_csv
from optionswarm.data.vendors import LAYOUTS
from optionswarm.model import Quote
from optionswarm.storage.chains import ChainStore
from optionswarm.storage.hot import InProcessHotStore
from optionswarm.storage.quarantine import QuarantineStore


def _percentiles(samples_ns: list[int]) -> dict[str, float]:
    values = np.asarray(samples_ns, dtype=np.float64) / 1e3
    return {
        "p50_us": round(float(np.percentile(values, 50)), 2),
        "p99_us": round(float(np.percentile(values, 99)), 2),
    }


def _import_file(builder: ModelledChainBuilder, rows: int, path: Path) -> int:
    tables, total = [], 0
    for chain in builder.iter_chains("sp500", dt.date(2017, 1, 3)):
        tables.append(cboe_table(chain))
        total += len(chain)
        if total >= rows:
            break
    write_csv(pa.concat_tables(tables).slice(0, rows), path)
    return min(total, rows)


def bench_import(builder: ModelledChainBuilder, rows: int, work: Path) -> dict[str, object]:
    import pandas as pd

    path = work / "cboe_eod.csv"
    count = _import_file(builder, rows, path)
    importer = ChainImporter(
        ChainStore(work / "import" / "chains"), QuarantineStore(work / "import")
    )
    start, cpu = time.perf_counter(), time.process_time()
    report = importer.import_file(path, LAYOUTS["cboe"], now_ns=time.time_ns())
    ours, ours_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    pd.read_csv(path).to_parquet(work / "pandas.parquet")
    theirs, theirs_cpu = time.perf_counter() - start, time.process_time() - cpu
    return {
        "rows": count,
        "file_mb": round(path.stat().st_size / 1e6, 1),
        "optionswarm_rows_per_s": round(count / ours),
        "optionswarm_s": round(ours, 3),
        "pandas_read_csv_to_parquet_rows_per_s": round(count / theirs),
        "pandas_s": round(theirs, 3),
        "optionswarm_cpu_s": round(ours_cpu, 3),
        "pandas_cpu_s": round(theirs_cpu, 3),
        "accepted": report.accepted,
        "quarantined": report.quarantined,
        "target_rows_per_s": 1_000_000,
    }


def bench_build(builder: ModelledChainBuilder, days: int) -> dict[str, object]:
    builder.chain_on("sp500", dt.date(2016, 1, 4))  # warm: GARCH path fitted, kernels compiled
    start, cpu = time.perf_counter(), time.process_time()
    count = rows = 0
    for chain in builder.iter_chains("sp500", dt.date(2014, 1, 2)):
        count += 1
        rows += len(chain)
        if count >= days:
            break
    elapsed, cpu_s = time.perf_counter() - start, time.process_time() - cpu
    return {
        "days": count,
        "days_per_s": round(count / elapsed, 1),
        "ms_per_day": round(1e3 * elapsed / count, 3),
        "cpu_ms_per_day": round(1e3 * cpu_s / count, 3),
        "rows_per_day": round(rows / count),
    }


def bench_query(
    builder: ModelledChainBuilder, years: int, queries: int, work: Path
) -> dict[str, object]:
    store = ChainStore(work / "history")
    start_day = dt.date(2018 - years + 1, 1, 1)
    start = time.perf_counter()
    rows = days = 0
    for chain in builder.iter_chains("sp500", start_day):
        table = snapshot_to_table(chain)
        store.append(table)
        rows += table.num_rows
        days += 1
    fill = time.perf_counter() - start
    stamps = [int(ts) for ts in ArchDataSource().bars("sp500", start_day).ts_ns]
    rng = np.random.default_rng(7)
    picks = rng.choice(len(stamps), size=queries)
    offsets = rng.integers(0, 20 * 3_600 * 10**9, size=queries)  # any time until next session
    fresh = ChainStore(work / "history")  # a reader process: index from the directory
    arrow_ns, snapshot_ns = [], []
    cpu = time.process_time()
    for i, offset in zip(picks.tolist(), offsets.tolist(), strict=True):
        t0 = time.perf_counter_ns()
        fresh.chain_at("sp500", stamps[i] + offset)
        arrow_ns.append(time.perf_counter_ns() - t0)
    arrow_cpu_us = 1e6 * (time.process_time() - cpu) / queries
    for i in picks[: queries // 4].tolist():
        t0 = time.perf_counter_ns()
        fresh.snapshot_at("sp500", stamps[i])
        snapshot_ns.append(time.perf_counter_ns() - t0)
    return {
        "stored_days": days,
        "stored_rows": rows,
        "fill_s": round(fill, 1),
        "chain_at_mean_cpu_us": round(arrow_cpu_us, 1),
        "chain_at_arrow": _percentiles(arrow_ns),
        "snapshot_at_chainsnapshot": _percentiles(snapshot_ns),
        "target_p99_us": 1000,
    }


def bench_hot(builder: ModelledChainBuilder, reads: int) -> dict[str, object]:
    hot = InProcessHotStore()
    hot.put_chain(builder.chain_on("sp500", dt.date(2018, 2, 5)))
    symbols = [f"SPXW  180216C0{2000 + i:04d}000" for i in range(1000)]
    for i, symbol in enumerate(symbols):
        hot.put_quote(Quote(symbol=symbol, ts_ns=i + 1, bid=1.0, ask=1.1))
    chain_ns, quote_ns = [], []
    for i in range(reads):
        t0 = time.perf_counter_ns()
        hot.latest_chain("sp500")
        t1 = time.perf_counter_ns()
        hot.latest_quote(symbols[i % 1000])
        t2 = time.perf_counter_ns()
        chain_ns.append(t1 - t0)
        quote_ns.append(t2 - t1)
    return {
        "latest_chain": _percentiles(chain_ns),
        "latest_quote": _percentiles(quote_ns),
        "target_p99_us": 10,
    }


def _load() -> dict[str, object]:
    import os

    return {"cpus": os.cpu_count(), "load_average_1m": round(os.getloadavg()[0], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, a smoke run")
    args = parser.parse_args()
    rows, build_days, years, queries, reads = (
        (50_000, 50, 1, 200, 10_000) if args.quick else (1_000_000, 500, 20, 2_000, 100_000)
    )
    builder = ModelledChainBuilder(ArchDataSource())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        result = {
            "benchmark": "data",
            "machine_at_start": _load(),
            "chain_build": bench_build(builder, build_days),
            "import": bench_import(builder, rows, work),
            "hot_store": bench_hot(builder, reads),
            "chain_query": bench_query(builder, years, queries, work),
        }
    result["machine_at_end"] = _load()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
