"""Backtest: drive a TradingNode on a simulated clock; metrics, walk-forward, JSON and HTML."""

from optionswarm.backtest.metrics import daily_returns, return_metrics, trade_metrics
from optionswarm.backtest.report import render_report, write_report
from optionswarm.backtest.results import TIMINGS_KEY, build_document, write_json
from optionswarm.backtest.runner import BacktestRun, run_backtest, run_backtests
from optionswarm.backtest.walkforward import parse_walk_forward, run_walk_forward

__all__ = [
    "TIMINGS_KEY",
    "BacktestRun",
    "build_document",
    "daily_returns",
    "parse_walk_forward",
    "render_report",
    "return_metrics",
    "run_backtest",
    "run_backtests",
    "run_walk_forward",
    "trade_metrics",
    "write_json",
    "write_report",
]
