"""``optionswarm data ...``: build modelled chains, import vendor files, show chains, quarantine.

Everything lives under the data directory (``--data-dir``, env ``OPTIONSWARM_DATA_DIR``, default
``./var/data``): ``chains/`` (the chain store) and ``quarantine/``. Modelled chains are labelled
MODELLED wherever they are shown.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from optionswarm.data.calendar import session_close_ns
from optionswarm.data.canonical import snapshot_to_table
from optionswarm.data.chains import ChainModelConfig, ModelledChainBuilder
from optionswarm.data.importer import ChainImporter, ImportFailedError
from optionswarm.data.sources import ArchDataSource
from optionswarm.data.vendors import resolve_layout
from optionswarm.model import ChainSnapshot, expiry_date_of
from optionswarm.storage.chains import ChainStore
from optionswarm.storage.quarantine import QuarantineStore

__all__ = ["app"]

app = typer.Typer(
    help="Market data: modelled chains, vendor imports, quarantine.", no_args_is_help=True
)
_console = Console()

DataDir = Annotated[
    Path,
    typer.Option(
        "--data-dir", envvar="OPTIONSWARM_DATA_DIR", help="Data directory (chains/, quarantine/)."
    ),
]
_DEFAULT_DIR = Path("var/data")


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {text!r}") from None


@app.command("build-chains")
def build_chains(
    underlying: Annotated[str, typer.Option(help="sp500 or nasdaq (arch.data series).")] = "sp500",
    start: Annotated[str, typer.Option(help="First day, YYYY-MM-DD.")] = "2018-01-02",
    end: Annotated[str, typer.Option(help="Last day, YYYY-MM-DD.")] = "2018-12-31",
    seed: Annotated[int, typer.Option(help="Seed of the quote model.")] = 20_240_101,
    data_dir: DataDir = _DEFAULT_DIR,
) -> None:
    """Build MODELLED chains on the real underlying and store them (stored days are kept)."""
    builder = ModelledChainBuilder(ArchDataSource(), ChainModelConfig(seed=seed))
    store = ChainStore(data_dir / "chains")
    stored = set(store.days(underlying))
    try:
        days = [
            d for d in builder.trading_days(underlying, _day(start), _day(end)) if d not in stored
        ]
    except KeyError as error:
        raise typer.BadParameter(str(error)) from None
    rows = 0
    with Progress(console=_console, transient=True) as progress:
        task = progress.add_task(f"MODELLED {underlying} chains", total=len(days))
        for day in days:
            table = snapshot_to_table(builder.chain_on(underlying, day))
            store.append(table)
            rows += table.num_rows
            progress.advance(task)
    _console.print(
        f"[bold yellow]MODELLED[/] {underlying}: {len(days)} new days, {rows:,} "
        f"contracts, {len(stored)} days already stored -> {store.root}"
    )


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="CSV or Parquet chain file.", exists=True)],
    layout: Annotated[str, typer.Option(help="cboe | orats | ivydb | mapping.toml")] = "cboe",
    data_dir: DataDir = _DEFAULT_DIR,
) -> None:
    """Import a vendor chain file; bad records go to the quarantine (nothing stored on failure)."""
    try:
        vendor = resolve_layout(layout)
    except (ValueError, OSError) as error:
        raise typer.BadParameter(str(error)) from None
    importer = ChainImporter(ChainStore(data_dir / "chains"), QuarantineStore(data_dir))
    try:
        with _console.status(f"importing {file.name} ({vendor.name})"):
            report = importer.import_file(file, vendor, now_ns=time.time_ns())
    except ImportFailedError as error:
        _console.print(f"[red]import failed, nothing stored:[/] {error}")
        raise typer.Exit(code=1) from None
    table = Table(title=f"import {report.source} ({report.layout})")
    for name in ("rows read", "contracts", "accepted", "flagged", "quarantined"):
        table.add_column(name, justify="right")
    table.add_row(
        *(
            f"{v:,}"
            for v in (
                report.rows_read,
                report.contracts,
                report.accepted,
                report.flagged,
                report.quarantined,
            )
        )
    )
    _console.print(table)
    for code, count in sorted(report.reasons.items()):
        _console.print(f"  quarantined {count:,} x {code}")


def _load_chain(underlying: str, day: dt.date, data_dir: Path) -> ChainSnapshot | None:
    store = ChainStore(data_dir / "chains")
    stored = store.snapshot_at(underlying, session_close_ns(day))
    if stored is not None and expiry_date_of(stored.ts_ns) == day:
        return stored
    builder = ModelledChainBuilder(ArchDataSource())
    try:
        return builder.chain_on(underlying, day)
    except KeyError:
        return None


def _chain_table(chain: ChainSnapshot, expiries: int, band: float) -> Table:
    label = "[bold yellow]MODELLED[/] " if chain.modelled else ""
    table = Table(
        title=f"{label}{chain.underlying} chain at "
        f"{expiry_date_of(chain.ts_ns)} - spot {chain.spot:,.2f} "
        f"({chain.source or 'unknown source'})"
    )
    for name in (
        "expiry",
        "root",
        "strike",
        "call bid",
        "call ask",
        "call iv",
        "put bid",
        "put ask",
        "put iv",
    ):
        table.add_column(name, justify="right")
    near = np.abs(chain.strike / chain.spot - 1.0) <= band
    for expiry_ns in chain.expiries()[:expiries]:
        part = chain.slice(near & (chain.expiry_ns == expiry_ns)).sorted()
        for strike in np.unique(part.strike).tolist():
            row = part.slice(part.strike == strike)
            cells = [str(expiry_date_of(int(expiry_ns))), str(row.root[0]), f"{strike:,.0f}"]
            for is_call in (True, False):
                side = row.slice(row.is_call == is_call)
                cells += (
                    [f"{side.bid[0]:.2f}", f"{side.ask[0]:.2f}", f"{side.iv[0]:.3f}"]
                    if len(side)
                    else ["", "", ""]
                )
            table.add_row(*cells)
    return table


@app.command("show-chain")
def show_chain(
    underlying: Annotated[str, typer.Argument(help="Underlying, e.g. sp500.")],
    day: Annotated[str, typer.Argument(help="Session date, YYYY-MM-DD.")],
    expiries: Annotated[int, typer.Option(help="How many expiries to show.")] = 2,
    band: Annotated[float, typer.Option(help="Strikes within this fraction of spot.")] = 0.02,
    data_dir: DataDir = _DEFAULT_DIR,
) -> None:
    """Show a chain (stored, else modelled on the fly) as a table; modelled chains say so."""
    chain = _load_chain(underlying, _day(day), data_dir)
    if chain is None:
        _console.print(f"[red]no chain for {underlying} on {day}[/]")
        raise typer.Exit(code=1)
    _console.print(_chain_table(chain, expiries, band))


@app.command("quarantine")
def quarantine(
    limit: Annotated[int, typer.Option(help="How many records to list.")] = 20,
    data_dir: DataDir = _DEFAULT_DIR,
) -> None:
    """What was rejected and why: counts by reason, then the latest records."""
    store = QuarantineStore(data_dir)
    counts = store.counts()
    if not counts:
        _console.print("quarantine is empty")
        return
    summary = Table(title="quarantined records by reason")
    summary.add_column("reason")
    summary.add_column("count", justify="right")
    for code, count in sorted(counts.items()):
        summary.add_row(code, f"{count:,}")
    _console.print(summary)
    records = store.read().to_pylist()[-limit:]
    listing = Table(title=f"latest {len(records)} records")
    for name in ("source", "row", "reason", "raw"):
        listing.add_column(name)
    for record in records:
        raw = json.dumps(json.loads(record["raw"]), separators=(",", ":"))
        listing.add_row(
            record["source"],
            str(record["row"]),
            f"{record['reason_code']}: {record['reason']}",
            raw[:80],
        )
    _console.print(listing)
