"""``optionswarm backtest``: run a strategy over history and write JSON and HTML; ``sweep`` a grid.

``app`` is the command group: ``optionswarm backtest [OPTIONS]`` runs one backtest (the group's
callback, ``backtest_command``) and ``optionswarm backtest sweep`` runs a parameter grid.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated, Any

import structlog
import typer

from optionswarm.backtest.audit import in_memory_audit_log
from optionswarm.backtest.executors import Executor, ExecutorName, executor_for
from optionswarm.backtest.report import write_report
from optionswarm.backtest.results import TIMINGS_KEY, build_document, write_json
from optionswarm.backtest.runner import run_backtest
from optionswarm.backtest.walkforward import parse_walk_forward, run_walk_forward
from optionswarm.config import ConfigError, load_settings

__all__ = ["app", "backtest_command", "backtest_overrides", "run_command"]

_SUMMARY_KEYS = (
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
)


def run_command(
    *,
    config: Path | None,
    overrides: dict[str, dict[str, Any]],
    json_path: Path | None,
    report_path: Path | None,
    walk_forward: str | None,
    audit: bool,
    executor: Executor | None = None,
) -> dict[str, Any]:
    """Load settings, run the backtest (and walk-forward, its folds on ``executor``), write the
    outputs; return the doc."""
    settings = load_settings(config, **overrides)
    run = run_backtest(settings, audit=in_memory_audit_log() if audit else None)
    extra = None
    if walk_forward:
        spec = parse_walk_forward(walk_forward)
        extra = {"walk_forward": run_walk_forward(settings, spec, executor=executor)}
    document = build_document(run, extra=extra)
    if json_path is not None:
        write_json(document, json_path)
    if report_path is not None:
        write_report(document, report_path)
    return document


def backtest_overrides(
    *,
    underlying: str | None,
    start: str | None,
    end: str | None,
    strategy: str | None,
    seed: int | None,
) -> dict[str, dict[str, Any]]:
    """Settings overrides from the command-line options that were given."""
    backtest: dict[str, Any] = {
        key: value
        for key, value in (("underlying", underlying), ("start", start), ("end", end))
        if value is not None
    }
    if seed is not None:
        backtest["seed"] = seed
    overrides: dict[str, dict[str, Any]] = {}
    if backtest:
        overrides["backtest"] = backtest
    if strategy is not None:
        overrides["strategy"] = {"name": strategy}
    return overrides


def backtest_command(
    ctx: typer.Context,
    *,
    underlying: Annotated[str | None, typer.Option(help="Underlying (sp500, nasdaq).")] = None,
    start: Annotated[str | None, typer.Option(help="First day, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option(help="Last day, YYYY-MM-DD.")] = None,
    strategy: Annotated[
        str | None,
        typer.Option(
            help="buy-and-hold | sma-crossover | covered-call | short-put-spread"
            " | swarm | swarm-equal"
        ),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Seed of the modelled chains.")] = None,
    config: Annotated[Path | None, typer.Option(help="Settings TOML file.")] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write results JSON.")] = None,
    report: Annotated[Path | None, typer.Option(help="Write the HTML report.")] = None,
    walk_forward: Annotated[
        str | None, typer.Option(help="e.g. train=3y,test=1y: out-of-sample evaluation.")
    ] = None,
    audit: Annotated[bool, typer.Option(help="Append every order/fill to an audit log.")] = True,
    executor: Annotated[
        str, typer.Option(help="Where walk-forward folds run: serial | ray.")
    ] = "serial",
    workers: Annotated[int, typer.Option(help="CPUs of a local Ray instance.", min=1)] = 2,
) -> None:
    """Backtest a strategy (reference or the swarm) on modelled chains over real index data."""
    if ctx.invoked_subcommand is not None:  # `backtest sweep ...`: the subcommand does the work
        return
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    overrides = backtest_overrides(
        underlying=underlying, start=start, end=end, strategy=strategy, seed=seed
    )
    try:
        if executor not in ("serial", "ray"):
            raise ValueError(f"--executor must be serial or ray, not {executor!r}")
        name: ExecutorName = "ray" if executor == "ray" else "serial"
        with executor_for(name if walk_forward else "serial", workers=workers) as pool:
            document = run_command(
                config=config,
                overrides=overrides,
                json_path=json_out,
                report_path=report,
                walk_forward=walk_forward,
                audit=audit,
                executor=pool,
            )
    except (ConfigError, ValueError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=2) from None
    summary = {key: document.get(key) for key in _SUMMARY_KEYS}
    summary["elapsed_s"] = round(document[TIMINGS_KEY]["elapsed_s"], 2)
    summary["provenance"] = document["provenance"]["description"]
    if "walk_forward" in document:
        summary["out_of_sample"] = document["walk_forward"]["out_of_sample"]
    typer.echo(json.dumps(summary, indent=1, default=str))


app = typer.Typer(
    name="backtest",
    help="Backtest a strategy over history; `backtest sweep` runs a parameter grid.",
    add_completion=False,
)
app.callback(invoke_without_command=True)(backtest_command)


def _register_sweep() -> None:
    from optionswarm.backtest.sweep_cli import sweep_command  # noqa: PLC0415 -- import cycle

    app.command(name="sweep")(sweep_command)


_register_sweep()
