"""Walk-forward: choose a parameter on each training window only, judge it on the next window.

``train=3y,test=1y`` cuts the backtest window into folds: train on [s, s+3y), test on
[s+3y, s+4y), then move s by one test length. On each training window every candidate of a small
grid runs (in one pass over the data) and the one with the best training Sharpe is kept; it then
runs on the test window, which no selection ever sees. The test windows' daily returns are
chained into one out-of-sample record, reported separately from the in-sample figures.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

import msgspec

from optionswarm.backtest.executors import Executor, SerialExecutor
from optionswarm.backtest.metrics import daily_returns, return_metrics, trade_metrics
from optionswarm.backtest.runner import BacktestRun, run_backtests
from optionswarm.config import Settings
from optionswarm.data.sources import UnderlyingSource
from optionswarm.portfolio import Trade

__all__ = ["Fold", "WalkForwardSpec", "parse_walk_forward", "run_fold", "run_walk_forward"]

_PART = re.compile(r"^(train|test)=(\d+)([ym])$")
DELTA_GRID = (0.10, 0.15, 0.20, 0.25, 0.30)


class WalkForwardSpec(msgspec.Struct, frozen=True, kw_only=True):
    """Training and test window lengths in months."""

    train_months: int
    test_months: int


class Fold(msgspec.Struct, frozen=True, kw_only=True):
    """One fold: windows, the training Sharpe of each candidate and the choice."""

    train_start: str
    train_end: str
    test_start: str
    test_end: str
    candidates: dict[str, float]
    chosen: str
    test_sharpe: float


def parse_walk_forward(text: str) -> WalkForwardSpec:
    """Parse ``train=3y,test=1y`` (units ``y`` years or ``m`` months)."""
    months: dict[str, int] = {}
    for part in text.replace(" ", "").split(","):
        match = _PART.match(part)
        if match is None:
            raise ValueError(f"walk-forward part {part!r} is not like train=3y or test=6m")
        key, count, unit = match.groups()
        months[key] = int(count) * (12 if unit == "y" else 1)
    if set(months) != {"train", "test"} or min(months.values()) < 1:
        raise ValueError(f"walk-forward needs positive train= and test= lengths, got {text!r}")
    return WalkForwardSpec(train_months=months["train"], test_months=months["test"])


def _add_months(day: dt.date, months: int) -> dt.date:
    index = day.month - 1 + months
    return dt.date(day.year + index // 12, index % 12 + 1, 1)


def _candidates(settings: Settings) -> dict[str, Settings]:
    """The grid: target delta (wing at half of it) for option strategies; the base otherwise."""
    if settings.strategy.name not in {"short-put-spread", "covered-call"}:
        return {"base": settings}
    out = {}
    for delta in DELTA_GRID:
        strategy = settings.strategy.model_copy(
            update={"target_delta": delta, "wing_delta": delta / 2}
        )
        out[f"target_delta={delta:.2f}"] = settings.model_copy(update={"strategy": strategy})
    return out


def _with_window(settings: Settings, start: dt.date, end: dt.date) -> Settings:
    window = settings.backtest.model_copy(update={"start": start, "end": end})
    return settings.model_copy(update={"backtest": window})


def _sharpe(run: BacktestRun) -> float:
    equity = [s.equity for s in run.snapshots]
    value = return_metrics(daily_returns(equity, run.settings.portfolio.initial_cash))["sharpe"]
    return float(value or 0.0)


def _targets(oos: dict[str, Any]) -> dict[str, Any]:
    """The brief's business targets, judged on the out-of-sample record after costs only."""
    sharpe = float(oos.get("sharpe") or 0.0)
    drawdown = float(oos.get("max_drawdown") or 0.0)
    win_rate = float(oos.get("win_rate") or 0.0)
    return {
        "sharpe_above_1_5": sharpe > 1.5,
        "max_drawdown_below_5pct": abs(drawdown) < 0.05,
        "win_rate_above_60pct": win_rate > 0.60,
        "all_met": sharpe > 1.5 and abs(drawdown) < 0.05 and win_rate > 0.60,
    }


@dataclass(frozen=True)
class _FoldWork:
    """One fold to run: the base settings, its windows (inclusive days) and the data source."""

    settings: Settings
    train: tuple[dt.date, dt.date]
    test: tuple[dt.date, dt.date]
    source: UnderlyingSource | None


def _fold_works(
    settings: Settings, spec: WalkForwardSpec, source: UnderlyingSource | None
) -> list[_FoldWork]:
    start, end = settings.backtest.start, settings.backtest.end
    out = []
    cursor = dt.date(start.year, start.month, 1)
    while True:
        train_end = _add_months(cursor, spec.train_months)
        test_end = min(_add_months(train_end, spec.test_months), end + dt.timedelta(days=1))
        if test_end <= train_end:
            break
        day = dt.timedelta(days=1)
        train = (max(cursor, start), train_end - day)
        out.append(_FoldWork(settings, train, (train_end, test_end - day), source))
        cursor = _add_months(cursor, spec.test_months)
        if test_end > end:
            break
    return out


def run_fold(work: _FoldWork) -> tuple[Fold, BacktestRun]:
    """Choose on the training window, run the choice on the test window (a task body)."""
    grid = _candidates(work.settings)
    runs = run_backtests([_with_window(s, *work.train) for s in grid.values()], source=work.source)
    scores = {name: _sharpe(run) for name, run in zip(grid, runs, strict=True)}
    chosen = max(scores, key=lambda name: (scores[name], name))
    test = run_backtests([_with_window(grid[chosen], *work.test)], source=work.source)[0]
    fold = Fold(
        train_start=work.train[0].isoformat(),
        train_end=work.train[1].isoformat(),
        test_start=work.test[0].isoformat(),
        test_end=work.test[1].isoformat(),
        candidates=scores,
        chosen=chosen,
        test_sharpe=_sharpe(test),
    )
    return fold, test


def run_walk_forward(
    settings: Settings,
    spec: WalkForwardSpec,
    source: UnderlyingSource | None = None,
    executor: Executor | None = None,
) -> dict[str, Any]:
    """Run every fold (on ``executor``: serial by default) and return the out-of-sample report.

    Folds are independent, so they fan out; their test windows are chained afterwards, in
    order, so the report is the same on any executor.
    """
    works = _fold_works(settings, spec, source)
    results = (executor or SerialExecutor()).map(run_fold, works)
    folds: list[Fold] = []
    oos_equity: list[float] = []
    oos_trades: list[Trade] = []
    level = settings.portfolio.initial_cash
    for fold, test in results:
        scale = level / test.settings.portfolio.initial_cash
        oos_equity += [s.equity * scale for s in test.snapshots]
        level = oos_equity[-1] if oos_equity else level
        oos_trades += test.trades
        folds.append(fold)
    returns = daily_returns(oos_equity, settings.portfolio.initial_cash)
    oos = {**return_metrics(returns), **trade_metrics(oos_trades)}
    return {
        "spec": {"train_months": spec.train_months, "test_months": spec.test_months},
        "folds": [msgspec.to_builtins(f) for f in folds],
        "targets_out_of_sample": _targets(oos),
        "out_of_sample": {
            **oos,
            "sessions": len(oos_equity),
            "note": "test windows only, after costs; parameters chosen on training Sharpe alone",
        },
    }
