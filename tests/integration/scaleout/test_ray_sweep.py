"""Sweeps and walk-forward folds fanned out on a real local Ray instance match the serial run.

The module starts one Ray instance (2 CPUs, no dashboard, loopback only) and shuts it down at
the end; the comparisons drop only the ``timings`` key (wall-clock figures). Marked ``service``:
in CI a missing Ray (the ``scale`` extra) fails instead of skipping.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
import structlog
from typer.testing import CliRunner

from optionswarm.backtest import cli as backtest_cli
from optionswarm.backtest.executors import Executor, SerialExecutor, executor_for
from optionswarm.backtest.results import TIMINGS_KEY
from optionswarm.backtest.sweep import parse_params, run_sweep, sweep_settings
from optionswarm.backtest.walkforward import WalkForwardSpec, run_walk_forward
from optionswarm.config import load_settings

pytestmark = pytest.mark.service

WINDOW = {"start": "2016-01-01", "end": "2016-02-29"}
PARAMS = ["strategy.target_delta=0.15,0.25", "strategy.take_profit=0.5,0.75"]


@pytest.fixture(scope="module")
def ray_pool() -> Iterator[Executor]:
    pytest.importorskip("ray", reason="Ray is in the `scale` extra")
    with executor_for("ray", workers=2) as pool:
        yield pool


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    yield
    structlog.reset_defaults()


def _without_timings(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != TIMINGS_KEY}


def test_ray_sweep_from_the_command_line_matches_the_serial_sweep(ray_pool: Executor) -> None:
    grid = parse_params(PARAMS)
    points = sweep_settings(
        None, {"backtest": WINDOW, "strategy": {"name": "short-put-spread"}}, grid
    )
    serial = run_sweep(points, grid, SerialExecutor())
    args = ["sweep", "--executor", "ray", "--output", "json", "--start", WINDOW["start"]]
    args += ["--end", WINDOW["end"], "--strategy", "short-put-spread"]
    args += [f"--param={p}" for p in PARAMS]
    result = CliRunner().invoke(backtest_cli.app, args)
    assert result.exit_code == 0, result.output
    on_ray = json.loads(result.output)
    assert on_ray["timings"]["executor"] == "ray"
    assert on_ray["timings"]["tasks"] == 2  # two workers, two points each
    assert _without_timings(on_ray) == json.loads(json.dumps(_without_timings(serial)))
    assert all(len(p["metrics"]["audit_root"]) == 64 for p in serial["points"])
    assert any(p["metrics"]["trades"] > 0 for p in serial["points"])


def test_walk_forward_folds_on_ray_match_the_serial_folds(ray_pool: Executor) -> None:
    settings = load_settings(
        strategy={"name": "short-put-spread", "target_dte": 20},
        backtest={"start": "2016-01-01", "end": "2016-03-31"},
    )
    spec = WalkForwardSpec(train_months=1, test_months=1)
    serial = run_walk_forward(settings, spec)
    on_ray = run_walk_forward(settings, spec, executor=ray_pool)
    assert on_ray == serial
    assert [f["test_start"] for f in serial["folds"]] == ["2016-02-01", "2016-03-01"]
    assert serial["out_of_sample"]["sessions"] > 30


def test_ray_executor_refuses_zero_workers_and_maps_nothing_without_starting() -> None:
    pytest.importorskip("ray", reason="Ray is in the `scale` extra")
    from optionswarm.backtest._ray import RayExecutor

    with pytest.raises(ValueError, match="workers"):
        RayExecutor(workers=0)
    assert RayExecutor(workers=3).map(abs, []) == []
