"""`optionswarm backtest sweep`: grids, validation, chunking and output, on the serial executor.

Real backtests on real S&P 500 bars (the SMA crossover needs no modelled chains, so these are
quick); the Ray executor is exercised in tests/integration/scaleout/test_ray_sweep.py.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from typer.testing import CliRunner

from optionswarm.backtest import cli as backtest_cli
from optionswarm.backtest.executors import SerialExecutor, executor_for
from optionswarm.backtest.sweep import _chunks, parse_params, run_sweep, sweep_settings
from optionswarm.config import ConfigError, load_settings

BASE = {
    "backtest": {"start": "2015-01-01", "end": "2016-12-31"},
    "strategy": {"name": "sma-crossover"},
}
GRID = ["strategy.sma_fast=5,10,15", "strategy.sma_slow=30,60"]


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    yield
    structlog.reset_defaults()


class _SplittingSerial(SerialExecutor):
    """The serial executor claiming three workers: the sweep cuts its points into three tasks."""

    @property
    def workers(self) -> int:
        return 3


def _no_timings(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "timings"}


def test_params_make_the_cartesian_product_first_axis_slowest() -> None:
    grid = parse_params(["strategy.target_delta=0.15,0.25", " strategy.take_profit = 0.5, 0.75 "])
    assert grid.points() == [
        {"strategy.target_delta": "0.15", "strategy.take_profit": "0.5"},
        {"strategy.target_delta": "0.15", "strategy.take_profit": "0.75"},
        {"strategy.target_delta": "0.25", "strategy.take_profit": "0.5"},
        {"strategy.target_delta": "0.25", "strategy.take_profit": "0.75"},
    ]


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        (["strategy.target_delta"], "is not like"),
        (["target_delta=0.1"], "is not like"),
        (["a.b.c=1"], "is not like"),
        (["strategy.target_delta=0.1,"], "is not like"),
        (["strategy.sma_fast=5", "strategy.sma_fast=6"], "given twice"),
        (["strategy.sma_fast=5,5"], "repeats a value"),
        ([], "at least one"),
    ],
)
def test_malformed_params_are_refused(specs: list[str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_params(specs)


def test_every_point_is_validated_before_anything_runs_and_errors_name_it() -> None:
    grid = parse_params(["strategy.target_delta=0.25,0.05"])  # 0.05 is below the 0.10 wing
    with pytest.raises(ConfigError, match=r"point strategy.target_delta=0\.05: .*wing_delta"):
        sweep_settings(None, {}, grid)
    with pytest.raises(ConfigError, match=r"strategy\.nope: unknown key"):
        sweep_settings(None, {}, parse_params(["strategy.nope=1"]))
    points = sweep_settings(None, BASE, parse_params(GRID))
    assert [(s.strategy.sma_fast, s.strategy.sma_slow) for s in points][:3] == [
        (5, 30),
        (5, 60),
        (10, 30),
    ]


def test_points_are_chunked_per_backtest_window_and_worker() -> None:
    base = load_settings(strategy={"name": "sma-crossover"})
    other = load_settings(strategy={"name": "sma-crossover"}, backtest={"seed": 8})
    points = [base] * 5 + [other] * 2
    assert [c.indices for c in _chunks(points, 2, True)] == [(0, 1, 2), (3, 4), (5,), (6,)]
    assert [c.indices for c in _chunks(points, 1, False)] == [(0, 1, 2, 3, 4), (5, 6)]
    assert len(_chunks(points, 16, True)) == 7  # never an empty task


def test_cutting_the_grid_into_tasks_changes_no_metric_and_no_audit_root() -> None:
    grid = parse_params(GRID)
    points = sweep_settings(None, BASE, grid)
    whole = run_sweep(points, grid, SerialExecutor())
    split = run_sweep(points, grid, _SplittingSerial())
    assert whole["timings"]["tasks"] == 1
    assert split["timings"]["tasks"] == 3
    assert _no_timings(split) == _no_timings(whole)
    metrics = [p["metrics"] for p in whole["points"]]
    assert len({m["audit_root"] for m in metrics}) == len(points)  # each point trades its own way
    assert all(m["trades"] > 0 for m in metrics)
    best = max(whole["points"], key=lambda p: p["metrics"]["sharpe"])
    assert whole["best"] == {
        "by": "sharpe",
        "params": best["params"],
        "sharpe": best["metrics"]["sharpe"],
    }


def test_sweep_command_prints_a_table_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "sweep.json"
    args = ["sweep", "--strategy", "sma-crossover", "--start", "2015-01-01", "--end", "2016-12-31"]
    args += [f"--param={p}" for p in GRID] + ["--json", str(out)]
    result = CliRunner().invoke(backtest_cli.app, args)
    assert result.exit_code == 0, result.output
    document = json.loads(out.read_text())
    assert document["sweep"] == {
        "params": {"strategy.sma_fast": ["5", "10", "15"], "strategy.sma_slow": ["30", "60"]},
        "count": 6,
    }
    assert document["base"]["strategy"] == "sma-crossover"
    assert "sharpe" in result.output
    assert "strategy.sma_fast" in result.output
    first_root = document["points"][0]["metrics"]["audit_root"]
    assert first_root[:12] in result.output
    as_json = CliRunner().invoke(backtest_cli.app, [*args[:-2], "--output", "json", "--no-audit"])
    assert as_json.exit_code == 0, as_json.output
    printed = json.loads(as_json.output)
    assert printed["points"][0]["metrics"]["audit_root"] is None
    assert printed["points"][0]["metrics"]["sharpe"] == document["points"][0]["metrics"]["sharpe"]


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--param", "strategy.sma_fast"], "is not like"),
        (["--param", "strategy.sma_fast=5", "--executor", "dask"], "serial or ray"),
        (["--param", "strategy.sma_fast=5", "--output", "yaml"], "table or json"),
        (["--param", "strategy.sma_fast=80"], "sma_fast must be below sma_slow"),
    ],
)
def test_sweep_command_refuses_bad_input_with_exit_code_2(extra: list[str], message: str) -> None:
    result = CliRunner().invoke(backtest_cli.app, ["sweep", *extra])
    assert result.exit_code == 2
    assert message in result.output


def test_the_backtest_group_still_runs_one_backtest_without_a_subcommand(tmp_path: Path) -> None:
    out = tmp_path / "bt.json"
    args = ["--strategy", "sma-crossover", "--start", "2016-01-01", "--end", "2016-06-30"]
    result = CliRunner().invoke(backtest_cli.app, [*args, "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["strategy"] == "sma-crossover"
    bad = CliRunner().invoke(backtest_cli.app, [*args, "--executor", "dask"])
    assert bad.exit_code == 2
    assert "serial or ray" in bad.output


def test_unknown_executor_name_is_refused() -> None:
    with pytest.raises(ValueError, match="serial' or 'ray"):
        executor_for("dask")  # type: ignore[arg-type]


def test_the_serial_path_never_imports_ray() -> None:
    code = (
        "import sys\n"
        "from optionswarm.backtest import cli, sweep, sweep_cli, walkforward\n"
        "from optionswarm.backtest.executors import executor_for\n"
        "with executor_for('serial') as pool:\n"
        "    assert pool.map(abs, [-1, 2]) == [1, 2] and pool.workers == 1\n"
        "assert 'ray' not in sys.modules, 'ray was imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
