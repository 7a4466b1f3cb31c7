"""The backtest's JSON document: metrics, provenance, trades with their reasons, daily series.

Everything is deterministic given data, settings and seed, except the ``timings`` key (wall-clock
figures), which comparisons of runs must leave out.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from optionswarm.backtest.metrics import daily_returns, return_metrics, trade_metrics
from optionswarm.backtest.runner import BacktestRun
from optionswarm.strategy.registry import NEEDS_CHAINS

__all__ = ["TIMINGS_KEY", "build_document", "write_json"]

TIMINGS_KEY = "timings"


def _day(ts_ns: int | None) -> str | None:
    if ts_ns is None:
        return None
    return dt.datetime.fromtimestamp(ts_ns / 1e9, tz=dt.UTC).date().isoformat()


def _provenance(run: BacktestRun) -> dict[str, Any]:
    settings = run.settings
    modelled = settings.strategy.name in NEEDS_CHAINS
    underlying = settings.backtest.underlying
    return {
        "modelled_chains": modelled,
        "underlying": underlying,
        "underlying_source": f"{run.underlying_source} (arch.data.{underlying}, real daily bars)",
        "seed": settings.backtest.seed,
        "description": (
            f"MODELLED option chains on real {underlying.upper()} data"
            if modelled
            else f"real {underlying.upper()} daily bars; no options traded"
        ),
    }


def _trades(run: BacktestRun) -> list[dict[str, Any]]:
    reasons = {d.decision_id: d.explanation for d in run.decisions}
    return [
        {
            "trade_id": t.trade_id,
            "structure": t.structure,
            "opened": _day(t.opened_ns),
            "closed": _day(t.closed_ns),
            "exit": t.exit,
            "symbols": list(t.symbols),
            "entry_cash": round(t.entry_cash, 2),
            "pnl": round(t.pnl, 2),
            "fees": round(t.fees, 2),
            "explanation": reasons.get(t.decision_id or "", ""),
        }
        for t in run.trades
    ]


def _series(run: BacktestRun) -> dict[str, list[Any]]:
    fields = ("equity", "delta", "gamma", "vega", "theta")
    pnl_fields = ("pnl", "pnl_delta", "pnl_gamma", "pnl_vega", "pnl_theta", "pnl_residual")
    out: dict[str, list[Any]] = {"day": [s.day for s in run.snapshots]}
    for name in (*fields, *pnl_fields):
        out[name] = [round(getattr(s, name), 4) for s in run.snapshots]
    return out


def build_document(run: BacktestRun, *, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON-ready result of one run."""
    settings = run.settings
    initial = settings.portfolio.initial_cash
    equity = [s.equity for s in run.snapshots]
    returns = daily_returns(equity, initial)
    exposure = sum(1 for s in run.snapshots if s.open_positions > 0) / max(len(run.snapshots), 1)
    doc: dict[str, Any] = {
        "strategy": settings.strategy.name,
        "underlying": settings.backtest.underlying,
        "start": run.snapshots[0].day if run.snapshots else None,
        "end": run.snapshots[-1].day if run.snapshots else None,
        **return_metrics(returns),
        **trade_metrics(run.trades),
        "exposure": exposure,
        "initial_equity": initial,
        "final_equity": equity[-1] if equity else initial,
        "fees": sum(f.fee for f in run.fills),
        "events": run.events,
        "sessions": run.sessions,
        "chain_snapshots": run.chains,
        "option_quotes": run.option_quotes,
        "audit_root": run.audit_root,
        "audit_records": run.audit_records,
        "provenance": _provenance(run),
        "costs": {
            "fee_per_contract": settings.execution.fee_per_contract,
            "option_slippage": settings.execution.option_slippage,
            "fills": "buy at ask + slippage, sell at bid - slippage; index options cash-settled",
        },
        "settings": settings.model_dump(mode="json"),
        "trades_table": _trades(run),
        "daily": _series(run),
        TIMINGS_KEY: {
            "elapsed_s": run.elapsed_s,
            "events_per_second": run.events / run.elapsed_s if run.elapsed_s > 0 else 0.0,
            "chain_snapshots_per_second": run.chains / run.elapsed_s if run.elapsed_s else 0.0,
            "option_quotes_per_second": run.option_quotes / run.elapsed_s if run.elapsed_s else 0.0,
        },
    }
    if run.strategy_report:
        doc["strategy_report"] = run.strategy_report
    if extra:
        doc.update(extra)
    return doc


def write_json(document: dict[str, Any], path: Path) -> None:
    """Write ``document`` as sorted, indented JSON (byte-stable for equal documents)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, sort_keys=True, indent=1, allow_nan=False) + "\n")
