"""The `optionswarm backtest` command, its JSON and HTML outputs, and walk-forward evaluation."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
from typer.testing import CliRunner

from optionswarm.backtest import parse_walk_forward
from optionswarm.backtest.cli import run_command
from optionswarm.backtest.walkforward import WalkForwardSpec
from optionswarm.cli import app

REQUIRED = {
    "total_return",
    "cagr",
    "sharpe",
    "sortino",
    "max_drawdown",
    "calmar",
    "win_rate",
    "profit_factor",
    "trades",
    "exposure",
    "events",
    "audit_root",
    "provenance",
    "timings",
}


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    yield
    structlog.reset_defaults()


def test_backtest_command_writes_json_and_a_self_contained_report(tmp_path: Path) -> None:
    out, report = tmp_path / "bt.json", tmp_path / "bt.html"
    result = CliRunner().invoke(
        app,
        [
            "backtest",
            "--underlying",
            "sp500",
            "--start",
            "2016-01-01",
            "--end",
            "2016-03-31",
            "--strategy",
            "short-put-spread",
            "--json",
            str(out),
            "--report",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert document.keys() >= REQUIRED
    assert document["provenance"]["modelled_chains"] is True
    assert document["provenance"]["seed"] == 7
    assert document["timings"]["events_per_second"] > 0
    assert document["trades_table"][0]["explanation"].startswith("Sell the")
    page = report.read_text()
    assert "MODELLED option chains on real SP500 data" in page
    assert "<script src=" not in page  # plotly.js is inlined: works offline
    assert page.count("Plotly.newPlot") == 3
    assert "Cumulative P&amp;L attributed to the Greeks" in page or "attributed" in page
    summary = json.loads(result.output)
    assert summary["audit_root"] == document["audit_root"]


def test_bad_option_fails_with_the_key_named(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["backtest", "--strategy", "iron-butterfly", "--json", str(tmp_path / "x.json")]
    )
    assert result.exit_code == 2
    assert "strategy.name" in result.output
    assert not (tmp_path / "x.json").exists()


def test_walk_forward_spec_parses_years_and_months_and_rejects_nonsense() -> None:
    assert parse_walk_forward("train=3y,test=1y") == WalkForwardSpec(
        train_months=36, test_months=12
    )
    assert parse_walk_forward("test=6m, train=2y") == WalkForwardSpec(
        train_months=24, test_months=6
    )
    for bad in ("train=3y", "train=3w,test=1y", "train=0y,test=1y"):
        with pytest.raises(ValueError, match="walk-forward"):
            parse_walk_forward(bad)


@pytest.mark.slow
def test_walk_forward_selects_on_training_windows_and_reports_out_of_sample(
    tmp_path: Path,
) -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    document = run_command(
        config=None,
        overrides={
            "strategy": {"name": "short-put-spread", "target_dte": 20},
            "backtest": {"start": "2016-01-01", "end": "2016-04-30"},
        },
        json_path=None,
        report_path=tmp_path / "wf.html",
        walk_forward="train=2m,test=1m",
        audit=False,
    )
    report = document["walk_forward"]
    assert set(report["targets_out_of_sample"]) >= {"sharpe_above_1_5", "all_met"}
    assert "Walk-forward (out of sample, after costs)" in (tmp_path / "wf.html").read_text()
    folds = report["folds"]
    assert [(f["train_start"], f["test_start"], f["test_end"]) for f in folds] == [
        ("2016-01-01", "2016-03-01", "2016-03-31"),
        ("2016-02-01", "2016-04-01", "2016-04-30"),
    ]
    for fold in folds:
        assert len(fold["candidates"]) == 5
        best = max(fold["candidates"].values())
        assert fold["candidates"][fold["chosen"]] == best
        assert fold["train_end"] < fold["test_start"]
    oos = report["out_of_sample"]
    import datetime as dt

    from optionswarm.data.sources import ArchDataSource

    test_days = ArchDataSource().bars("sp500", dt.date(2016, 3, 1), dt.date(2016, 4, 30))
    assert oos["sessions"] == len(test_days)  # the test windows' sessions only
    assert "sharpe" in oos
