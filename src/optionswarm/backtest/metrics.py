"""Performance metrics from daily returns, with quantstats' definitions (checked against it).

Daily-return metrics (rf = 0, 252 periods a year): ``sharpe`` = mean/std(ddof=1)*sqrt(252);
``sortino`` = mean/sqrt(sum(r<0 squared)/n)*sqrt(252); ``cagr`` = (1+total)^(252/n)-1;
``max_drawdown`` = min(equity/running peak)-1 from a starting baseline of 1; ``calmar`` =
cagr/|max_drawdown|; ``daily_win_rate`` = up days / non-flat days; ``daily_profit_factor`` = sum of
up days / |sum of down days|. Trade metrics: ``win_rate`` = winning closed trades / closed trades,
``profit_factor`` = gross profit / gross loss of closed trades (after fees).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from optionswarm.portfolio import Trade

__all__ = ["PERIODS_PER_YEAR", "daily_returns", "return_metrics", "trade_metrics"]

PERIODS_PER_YEAR = 252


def daily_returns(equity: Sequence[float], initial: float) -> npt.NDArray[np.float64]:
    """Simple return of each session's equity over the previous one (first: over ``initial``)."""
    values = np.asarray([initial, *equity], dtype=np.float64)
    return np.asarray(values[1:] / values[:-1] - 1.0, dtype=np.float64)


def _ratio(numerator: float, denominator: float) -> float:
    if denominator == 0.0 or not math.isfinite(denominator):
        return 0.0
    return numerator / denominator


def _profit_factor(gains: float, losses: float) -> float | None:
    """Gains over losses; None (JSON null) when there were no losses to divide by."""
    return gains / losses if losses > 0.0 else None


def return_metrics(returns: npt.NDArray[np.float64]) -> dict[str, float | None]:
    """Total return, CAGR, Sharpe, Sortino, max drawdown, Calmar and daily win/profit figures."""
    n = len(returns)
    if n == 0:
        keys = ("total_return", "cagr", "sharpe", "sortino", "max_drawdown", "calmar")
        return {k: 0.0 for k in (*keys, "daily_win_rate", "volatility")} | {
            "daily_profit_factor": None
        }
    growth = np.cumprod(1.0 + returns)
    total = float(growth[-1] - 1.0)
    cagr = float(abs(1.0 + total) ** (PERIODS_PER_YEAR / n) - 1.0) if total > -1.0 else -1.0
    std = float(np.std(returns, ddof=1)) if n > 1 else 0.0
    mean = float(np.mean(returns))
    downside = math.sqrt(float(np.sum(returns[returns < 0.0] ** 2)) / n)
    wealth = np.concatenate(([1.0], growth))
    drawdown = float(np.min(wealth / np.maximum.accumulate(wealth)) - 1.0)
    non_flat = int(np.count_nonzero(returns))
    losses = abs(float(np.sum(returns[returns < 0.0])))
    gains = float(np.sum(returns[returns >= 0.0]))
    return {
        "total_return": total,
        "cagr": cagr,
        "sharpe": _ratio(mean, std) * math.sqrt(PERIODS_PER_YEAR),
        "sortino": _ratio(mean, downside) * math.sqrt(PERIODS_PER_YEAR),
        "max_drawdown": drawdown,
        "calmar": _ratio(cagr, abs(drawdown)),
        "volatility": std * math.sqrt(PERIODS_PER_YEAR),
        "daily_win_rate": _ratio(float(np.count_nonzero(returns > 0.0)), float(non_flat)),
        "daily_profit_factor": _profit_factor(gains, losses),
    }


def trade_metrics(trades: Sequence[Trade]) -> dict[str, float | int | None]:
    """Trade count, win rate and profit factor over closed trades (after fees)."""
    closed = [t for t in trades if t.exit != "open"]
    pnl = [t.pnl for t in closed]
    gross_profit = sum(p for p in pnl if p > 0.0)
    gross_loss = abs(sum(p for p in pnl if p < 0.0))
    return {
        "trades": len(trades),
        "closed_trades": len(closed),
        "win_rate": _ratio(float(sum(1 for p in pnl if p > 0.0)), float(len(closed))),
        "profit_factor": _profit_factor(gross_profit, gross_loss),
        "average_trade_pnl": _ratio(sum(pnl), float(len(closed))),
    }
