"""The ``optionswarm data`` commands, run through the root CLI."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from optionswarm.cli import app
from optionswarm.data.chains import ModelledChainBuilder
from optionswarm.data.testkit import cboe_table, write_csv

DAY = "2018-02-05"


@pytest.fixture
def runner(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> CliRunner:
    monkeypatch.setenv("OPTIONSWARM_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("COLUMNS", "200")
    return CliRunner()


def test_build_chains_then_show_chain_says_modelled(runner: CliRunner, tmp_path: Path) -> None:
    built = runner.invoke(
        app,
        ["data", "build-chains", "--underlying", "sp500", "--start", "2018-02-02", "--end", DAY],
    )
    assert built.exit_code == 0, built.output
    assert "MODELLED sp500: 2 new days" in built.output
    again = runner.invoke(app, ["data", "build-chains", "--start", "2018-02-02", "--end", DAY])
    assert "0 new days" in again.output
    assert "2 days already stored" in again.output
    shown = runner.invoke(app, ["data", "show-chain", "sp500", DAY])
    assert shown.exit_code == 0, shown.output
    assert "MODELLED sp500 chain at 2018-02-05" in shown.output
    assert "2,650" in shown.output
    assert len(list((tmp_path / "data" / "chains").rglob("*.parquet"))) == 2


def test_show_chain_without_data_is_an_error(runner: CliRunner) -> None:
    result = runner.invoke(app, ["data", "show-chain", "sp500", "2018-02-04"])
    assert result.exit_code == 1
    assert "no chain" in result.output
    bad = runner.invoke(app, ["data", "show-chain", "sp500", "yesterday"])
    assert bad.exit_code != 0


def test_import_then_quarantine_lists_rejections(
    runner: CliRunner, tmp_path: Path, builder: ModelledChainBuilder
) -> None:
    assert "empty" in runner.invoke(app, ["data", "quarantine"]).output
    import datetime as dt

    chain = builder.chain_on("sp500", dt.date(2018, 2, 5))
    chain = chain.slice(np.abs(chain.strike / chain.spot - 1) < 0.01)
    table = cboe_table(chain)
    bid = table.column("bid_1545").to_numpy().copy()
    bid[:3] = -1.0
    table = table.set_column(table.schema.get_field_index("bid_1545"), "bid_1545", [bid])
    path = tmp_path / "eod.csv"
    write_csv(table, path)
    result = runner.invoke(app, ["data", "import", str(path), "--layout", "cboe"])
    assert result.exit_code == 0, result.output
    assert "quarantined 3 x bad_price" in result.output
    listed = runner.invoke(app, ["data", "quarantine"])
    assert "bad_price" in listed.output
    assert "eod.csv" in listed.output
    shown = runner.invoke(app, ["data", "show-chain", "SPX", DAY])
    assert shown.exit_code == 0
    assert "MODELLED" not in shown.output
    assert "(cboe)" in shown.output


def test_failed_import_exits_non_zero(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "junk.csv"
    path.write_text("x,y\n1,2\n")
    result = runner.invoke(app, ["data", "import", str(path), "--layout", "orats"])
    assert result.exit_code == 1
    assert "nothing stored" in result.output
    unknown = runner.invoke(app, ["data", "import", str(path), "--layout", "nope"])
    assert unknown.exit_code != 0
