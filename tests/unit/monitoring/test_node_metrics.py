"""NodeMetrics on a real node: real bus, risk engine, order manager, paper broker and portfolio."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from optionswarm.config import load_settings
from optionswarm.engine.events import SessionClose
from optionswarm.engine.testkit import toy_chain
from optionswarm.engine.topics import BARS, CHAINS, ORDERS, SESSIONS
from optionswarm.execution import ExecutionStore
from optionswarm.execution.durability import restore_risk
from optionswarm.model import Bar, OrderIntent, OrderLeg, SettlementStyle, Side
from optionswarm.monitoring.metrics import NodeMetrics, exposed_names
from optionswarm.monitoring.timing import TimedRiskGate
from optionswarm.node import TradingNode
from optionswarm.oversight import OversightConfig, OversightService, PolicyConfig
from optionswarm.oversight.wiring import attach_oversight
from optionswarm.risk.observations import BrokerError
from optionswarm.storage.sql import SqlConfig, create_sql_engine

TS = 1_451_941_200_000_000_000  # 2016-01-04 21:00 UTC


def _value(metrics: NodeMetrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def _node(strategy: str = "buy-and-hold") -> tuple[TradingNode, NodeMetrics]:
    node = TradingNode(load_settings(strategy={"name": strategy}))
    metrics = NodeMetrics.for_node(node)
    metrics.start()  # before the node: it sees each tick before the strategy reacts
    node.start()
    return node, metrics


def _session(node: TradingNode, ts: int = TS, close: float = 2000.0) -> None:
    node.clock.advance_to(ts)  # type: ignore[attr-defined]
    node.bus.publish(
        BARS, Bar(symbol="sp500", ts_ns=ts, open=close, high=close, low=close, close=close)
    )
    node.bus.publish(SESSIONS, SessionClose(ts_ns=ts, day="2016-01-04"))


def test_a_session_counts_events_times_the_order_path_and_sets_portfolio_gauges() -> None:
    node, metrics = _node()
    _session(node)
    node.stop()
    metrics.stop()

    events = "optionswarm_events_total"
    assert _value(metrics, events, topic="market.bars") == 1
    assert _value(metrics, events, topic="strategy.decisions") == 1
    assert _value(metrics, events, topic="orders.intents") == 1
    assert _value(metrics, events, topic="risk.verdict") == 1
    assert _value(metrics, events, topic="portfolio.snapshots") == 1
    fills = _value(metrics, events, topic="orders.fills")
    assert fills is not None
    assert fills >= 1

    # one strategy order, caused by the bar: one tick-to-order observation, timed in wall clock
    assert _value(metrics, "optionswarm_tick_to_order_seconds_count", trigger="bar") == 1
    latency = _value(metrics, "optionswarm_tick_to_order_seconds_sum", trigger="bar")
    assert latency is not None
    assert 0 < latency < 5
    assert _value(metrics, "optionswarm_risk_check_seconds_count", outcome="accept") == 1
    assert _value(metrics, "optionswarm_risk_verdicts_total", decision="accept") == 1
    filled = _value(metrics, "optionswarm_order_transitions_total", state="filled")
    assert filled == 1

    snapshot = node.portfolio.snapshots[-1]
    assert _value(metrics, "optionswarm_portfolio_equity_dollars") == snapshot.equity
    assert _value(metrics, "optionswarm_portfolio_cash_dollars") == snapshot.cash
    assert _value(metrics, "optionswarm_portfolio_open_positions") == snapshot.open_positions
    assert _value(metrics, "optionswarm_portfolio_greek", greek="delta") == snapshot.delta
    assert _value(metrics, "optionswarm_pnl_dollars", component="total") == snapshot.pnl
    assert _value(metrics, "optionswarm_pnl_dollars", component="residual") == snapshot.pnl_residual
    initial = node.settings.portfolio.initial_cash
    assert _value(metrics, "optionswarm_pnl_cumulative_dollars") == snapshot.equity - initial
    assert _value(metrics, "optionswarm_portfolio_snapshot_timestamp_seconds") == TS / 1e9

    # the bus's own counters, read at scrape time
    assert _value(metrics, "optionswarm_bus_published_total") == node.bus.stats().published


def test_a_denied_manual_order_is_counted_as_a_rejection_and_not_as_tick_to_order() -> None:
    node, metrics = _node()
    _session(node)
    manual = OrderIntent(
        client_order_id="manual-1",
        underlying="SPX",
        legs=(OrderLeg(symbol="SPXW  160115C02000000", side=Side.BUY, ratio=1),),
        quantity=1,
        limit_price=1.0,
        ts_ns=TS,
        source="manual",
    )
    node.bus.publish(ORDERS, manual)
    node.stop()
    assert node.order_manager.get("manual-1").state.value == "denied"
    assert _value(metrics, "optionswarm_risk_check_seconds_count", outcome="deny") == 1
    assert _value(metrics, "optionswarm_risk_verdicts_total", decision="deny") == 1
    reason = node.order_manager.get("manual-1").reason_code
    assert _value(metrics, "optionswarm_order_rejections_total", stage="risk", reason=reason) == 1
    # only the strategy's order was paired with a market event
    assert _value(metrics, "optionswarm_tick_to_order_seconds_count", trigger="bar") == 1
    assert _value(metrics, "optionswarm_order_transitions_total", state="denied") == 1


def test_breaker_trip_reset_kill_and_release_move_the_state_gauges() -> None:
    node, metrics = _node()
    risk = node.risk
    assert risk is not None
    for name in risk.controls.breakers:
        assert _value(metrics, "optionswarm_breaker_tripped", breaker=name) == 0
    assert _value(metrics, "optionswarm_trading_state", state="active") == 1

    node.clock.advance_to(TS)  # type: ignore[attr-defined]
    for i in range(5):  # the default broker-error breaker trips on the fifth error in a minute
        risk.observe(BrokerError(ts_ns=TS + i, code="timeout"))
    assert _value(metrics, "optionswarm_breaker_tripped", breaker="broker_errors") == 1
    assert _value(metrics, "optionswarm_breaker_trips_total", breaker="broker_errors") == 1
    assert _value(metrics, "optionswarm_trading_state", state="halted") == 1
    assert _value(metrics, "optionswarm_trading_state", state="active") == 0

    risk.reset_breaker("broker_errors", "ops", "admin")
    assert _value(metrics, "optionswarm_breaker_tripped", breaker="broker_errors") == 0
    risk.release("ops", "admin")
    risk.release("ops", "admin")
    assert _value(metrics, "optionswarm_trading_state", state="active") == 1

    risk.kill("ops", "admin", "drill")
    assert _value(metrics, "optionswarm_kill_switch_engaged") == 1
    assert _value(metrics, "optionswarm_trading_state", state="halted") == 1
    risk.release("ops", "admin")
    assert _value(metrics, "optionswarm_kill_switch_engaged") == 0
    assert _value(metrics, "optionswarm_trading_state", state="reducing") == 1
    node.stop()


def test_metrics_built_after_a_trip_start_from_the_risk_engines_state() -> None:
    node = TradingNode(load_settings(strategy={"name": "buy-and-hold"}))
    node.start()
    assert node.risk is not None
    for i in range(5):
        node.risk.observe(BrokerError(ts_ns=TS + i, code="timeout"))
    metrics = NodeMetrics.for_node(node)
    assert _value(metrics, "optionswarm_breaker_tripped", breaker="broker_errors") == 1
    assert _value(metrics, "optionswarm_trading_state", state="halted") == 1
    node.stop()


def test_each_node_has_its_own_registry_and_the_gate_is_wrapped_once() -> None:
    first, second = _node(), _node()
    for node, _ in (first, second):
        _session(node)
    assert _value(first[1], "optionswarm_events_total", topic="market.bars") == 1
    assert _value(second[1], "optionswarm_events_total", topic="market.bars") == 1
    node, metrics = first
    metrics.time_risk_gate(node.order_manager)  # again: no double wrapping
    gate = node.order_manager.gate
    assert isinstance(gate, TimedRiskGate)
    assert not isinstance(gate.inner, TimedRiskGate)
    for pair in (first, second):
        pair[0].stop()


def test_a_shared_registry_refuses_a_second_node_instead_of_mixing_them() -> None:
    registry = CollectorRegistry()
    node = TradingNode(load_settings())
    NodeMetrics.for_node(node, registry=registry)
    with pytest.raises(ValueError, match="Duplicated"):
        NodeMetrics.for_node(TradingNode(load_settings()), registry=registry)


def test_exposed_names_cover_every_family_with_its_sample_suffixes() -> None:
    node = TradingNode(load_settings())
    names = exposed_names(NodeMetrics.for_node(node).registry)
    assert {
        "optionswarm_events_total",
        "optionswarm_tick_to_order_seconds_bucket",
        "optionswarm_risk_check_seconds_count",
        "optionswarm_llm_call_seconds_sum",
        "optionswarm_breaker_tripped",
        "optionswarm_queue_depth",
        "optionswarm_quarantined_records",
        "optionswarm_bus_handler_errors_total",
        "optionswarm_build_info",
    } <= names
    assert all(name.startswith("optionswarm_") for name in names)


def _node_with_oversight() -> tuple[TradingNode, NodeMetrics, OversightService]:
    node = TradingNode(load_settings(strategy={"name": "buy-and-hold"}))
    # every order above $1,000 notional waits for a human; a $1M buy needs two approvers
    service = attach_oversight(node, OversightConfig(policy=PolicyConfig(notional_above=1_000.0)))
    metrics = NodeMetrics.for_node(node)
    metrics.start()
    node.start()
    node.clock.advance_to(TS)  # type: ignore[attr-defined]
    node.bus.publish(
        BARS, Bar(symbol="sp500", ts_ns=TS, open=2000, high=2000, low=2000, close=2000)
    )
    return node, metrics, service


def test_approvals_are_counted_and_pending_until_fully_decided() -> None:
    node, metrics, service = _node_with_oversight()
    assert _value(metrics, "optionswarm_approvals_total", outcome="requested") == 1
    assert _value(metrics, "optionswarm_approvals_pending") == 1
    assert _value(metrics, "optionswarm_risk_verdicts_total", decision="needs_approval") == 1
    (request,) = service.list_requests()
    service.approve(request.request_id, "alice")
    assert _value(metrics, "optionswarm_approvals_total", outcome="approved_partial") == 1
    assert _value(metrics, "optionswarm_approvals_pending") == 1  # four eyes: still open
    service.approve(request.request_id, "bob")
    assert _value(metrics, "optionswarm_approvals_total", outcome="approved") == 1
    assert _value(metrics, "optionswarm_approvals_pending") == 0
    node.stop()


def test_an_expired_approval_leaves_the_pending_gauge() -> None:
    node, metrics, service = _node_with_oversight()
    node.clock.advance_to(TS + service.config.ttl_ns + 1)  # type: ignore[attr-defined]
    service.expire_due()  # (its own alarm may have expired it on the clock's advance already)
    assert [r.status.value for r in service.list_requests()] == ["expired"]
    assert _value(metrics, "optionswarm_approvals_total", outcome="expired") == 1
    assert _value(metrics, "optionswarm_approvals_pending") == 0
    node.stop()


def test_a_chain_is_a_tick_for_its_feed_name_and_its_options_underlying() -> None:
    node, metrics = _node()
    chain = toy_chain(
        day=dt.date(2016, 1, 4),
        spot=2000.0,
        expiries=[("SPXW", dt.date(2016, 1, 15), SettlementStyle.PM)],
        strikes=[1950.0, 2000.0],
        underlying="sp500",
    )
    node.bus.publish(CHAINS, chain)
    ticks = metrics.tick_to_order._ticks
    assert ticks["sp500"][1] == "chain"
    assert ticks["SPX"][1] == "chain"  # orders on SPXW legs name SPX
    assert _value(metrics, "optionswarm_events_total", topic="market.chains") == 1
    node.stop()


def test_a_breaker_restored_from_the_store_without_an_event_shows_as_tripped(
    tmp_path: Path,
) -> None:
    def store() -> ExecutionStore:
        url = f"sqlite:///{tmp_path / 'execution.db'}"
        return ExecutionStore(create_sql_engine(SqlConfig(url=url)))

    first = TradingNode(load_settings(strategy={"name": "buy-and-hold"}), store=store())
    first.start()
    assert first.risk is not None
    for i in range(5):
        first.risk.observe(BrokerError(ts_ns=TS + i, code="timeout"))
    first.stop()

    restarted = TradingNode(load_settings(strategy={"name": "buy-and-hold"}), store=store())
    metrics = NodeMetrics.for_node(restarted)
    metrics.start()
    restarted.start()
    assert _value(metrics, "optionswarm_breaker_tripped", breaker="broker_errors") == 0
    assert restarted.risk is not None
    assert restore_risk(restarted.risk, store()) == ["broker_errors"]  # publishes no event
    assert _value(metrics, "optionswarm_breaker_tripped", breaker="broker_errors") == 1
    assert _value(metrics, "optionswarm_trading_state", state="halted") == 1
    restarted.stop()


def test_without_a_risk_engine_the_state_gauges_follow_the_risk_events() -> None:
    node = TradingNode(load_settings(strategy={"name": "buy-and-hold"}))
    metrics = NodeMetrics(node.bus, node.clock)  # as a process that only sees the bus
    metrics.start()
    node.start()
    risk = node.risk
    assert risk is not None
    assert _value(metrics, "optionswarm_trading_state", state="active") == 1
    for i in range(5):
        risk.observe(BrokerError(ts_ns=TS + i, code="timeout"))
    assert _value(metrics, "optionswarm_breaker_tripped", breaker="broker_errors") == 1
    assert _value(metrics, "optionswarm_trading_state", state="halted") == 1
    risk.reset_breaker("broker_errors", "ops", "admin")
    assert _value(metrics, "optionswarm_breaker_tripped", breaker="broker_errors") == 0
    risk.release("ops", "admin")
    risk.release("ops", "admin")
    risk.kill("ops", "admin", "drill")
    assert _value(metrics, "optionswarm_kill_switch_engaged") == 1
    risk.release("ops", "admin")
    assert _value(metrics, "optionswarm_kill_switch_engaged") == 0
    assert _value(metrics, "optionswarm_trading_state", state="reducing") == 1
    node.stop()
