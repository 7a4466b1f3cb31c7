"""``optionswarm backtest sweep``: a parameter grid, serially or fanned out on Ray."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated, Any

import structlog
import typer
from rich.console import Console
from rich.table import Table

from optionswarm.backtest.cli import backtest_overrides
from optionswarm.backtest.executors import ExecutorName, executor_for
from optionswarm.backtest.results import write_json
from optionswarm.backtest.sweep import parse_params, run_sweep, sweep_settings
from optionswarm.config import ConfigError

__all__ = ["render_table", "sweep_command"]

_SHOWN = ("total_return", "sharpe", "max_drawdown", "win_rate", "trades", "audit_root")


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.4f}"
    if isinstance(value, str) and len(value) == 64:  # a hash: its head is enough on screen
        return value[:12]
    return str(value)


def render_table(document: dict[str, Any]) -> Table:
    """The sweep as a table: one row per point, its parameters then the headline metrics."""
    keys = list(document["sweep"]["params"])
    timings = document["timings"]
    table = Table(
        title=f"{document['base']['strategy']} {document['base']['start']} to "
        f"{document['base']['end']} ({timings['executor']}, {timings['elapsed_s']:.1f} s)"
    )
    for column in (*keys, *_SHOWN):
        table.add_column(column, justify="right")
    for point in document["points"]:
        params = [_cell(point["params"][k]) for k in keys]
        table.add_row(*params, *(_cell(point["metrics"].get(m)) for m in _SHOWN))
    return table


def sweep_command(
    *,
    param: Annotated[
        list[str],
        typer.Option(help="A grid axis, e.g. strategy.target_delta=0.15,0.20 (repeatable)."),
    ],
    underlying: Annotated[str | None, typer.Option(help="Underlying (sp500, nasdaq).")] = None,
    start: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD.")] = None,
    strategy: Annotated[str | None, typer.Option(help="Strategy of every point.")] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the modelled chains.")] = None,
    config: Annotated[Path | None, typer.Option(help="Settings TOML file.")] = None,
    executor: Annotated[str, typer.Option(help="serial | ray.")] = "serial",
    workers: Annotated[int, typer.Option(help="CPUs of a local Ray instance.", min=1)] = 2,
    ray_address: Annotated[
        str | None, typer.Option(help="Join this Ray cluster instead of starting one.")
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the sweep JSON.")] = None,
    output: Annotated[str, typer.Option(help="What to print: table | json.")] = "table",
    audit: Annotated[bool, typer.Option(help="An audit log (and root) per point.")] = True,
) -> None:
    """Backtest every point of a parameter grid and print its metrics (same on any executor)."""
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    try:
        if executor not in ("serial", "ray"):
            raise ValueError(f"--executor must be serial or ray, not {executor!r}")
        if output not in ("table", "json"):
            raise ValueError(f"--output must be table or json, not {output!r}")
        grid = parse_params(param)
        overrides = backtest_overrides(
            underlying=underlying, start=start, end=end, strategy=strategy, seed=seed
        )
        points = sweep_settings(config, overrides, grid)
        name: ExecutorName = "ray" if executor == "ray" else "serial"
        with executor_for(name, workers=workers, address=ray_address) as pool:
            document = run_sweep(points, grid, pool, audit=audit)
    except (ConfigError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    if json_out is not None:
        write_json(document, json_out)
    if output == "json":
        typer.echo(json.dumps(document, indent=1, default=str))
    else:
        Console(width=160).print(render_table(document))
