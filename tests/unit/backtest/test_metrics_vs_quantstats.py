"""Our metrics agree with quantstats on the same daily returns (quantstats is a dev-only peer)."""

from __future__ import annotations

import math
import os
import tempfile
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from optionswarm.backtest import daily_returns, return_metrics, trade_metrics
from optionswarm.portfolio import Trade


@pytest.fixture(scope="module")
def qs() -> Any:
    os.environ.setdefault("MPLCONFIGDIR", tempfile.mkdtemp(prefix="mpl-"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import quantstats

    return quantstats


def _cases() -> list[np.ndarray]:
    rng = np.random.default_rng(11)
    plain = rng.normal(0.0004, 0.01, 756)
    with_flat_days = plain.copy()
    with_flat_days[::5] = 0.0
    first_day_loss = np.concatenate(([-0.03], rng.normal(0.0, 0.02, 300)))
    return [plain, with_flat_days, first_day_loss]


@pytest.mark.parametrize("case", range(3))
def test_return_metrics_match_quantstats(qs: Any, case: int) -> None:
    returns = _cases()[case]
    ours = return_metrics(returns)
    series = pd.Series(returns, index=pd.bdate_range("2015-01-02", periods=len(returns)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = {
            "sharpe": qs.stats.sharpe(series),
            "sortino": qs.stats.sortino(series),
            "cagr": qs.stats.cagr(series),
            "max_drawdown": qs.stats.max_drawdown(series),
            "calmar": qs.stats.calmar(series),
            "daily_win_rate": qs.stats.win_rate(series),
            "daily_profit_factor": qs.stats.profit_factor(series),
            "total_return": qs.stats.comp(series),
            "volatility": qs.stats.volatility(series),
        }
    for key, value in expected.items():
        assert ours[key] == pytest.approx(float(value), rel=1e-9, abs=1e-12), key


def test_daily_returns_start_from_the_initial_equity() -> None:
    np.testing.assert_allclose(daily_returns([110.0, 99.0], 100.0), [0.1, -0.1])


def test_empty_and_loss_free_records_give_safe_values() -> None:
    assert return_metrics(np.array([]))["sharpe"] == 0.0
    flat_up = return_metrics(np.array([0.01, 0.0, 0.02]))
    assert flat_up["daily_profit_factor"] is None
    assert flat_up["max_drawdown"] == 0.0
    assert flat_up["calmar"] == 0.0
    assert math.isfinite(flat_up["sharpe"] or 0.0)


def test_trade_metrics_count_closed_trades_after_fees() -> None:
    def trade(pnl: float, exit_kind: str) -> Trade:
        return Trade(
            trade_id=f"t{pnl}",
            structure="s",
            decision_id=None,
            opened_ns=0,
            closed_ns=None if exit_kind == "open" else 1,
            symbols=("x",),
            entry_cash=0.0,
            pnl=pnl,
            fees=1.0,
            exit=exit_kind,
        )

    got = trade_metrics([trade(300.0, "settled"), trade(-100.0, "closed"), trade(50.0, "open")])
    assert got == {
        "trades": 3,
        "closed_trades": 2,
        "win_rate": 0.5,
        "profit_factor": 3.0,
        "average_trade_pnl": 100.0,
    }
    assert trade_metrics([trade(5.0, "closed")])["profit_factor"] is None
