"""The wired path (real risk engine -> order manager -> paper broker), the kill switch through
it, breaker persistence, latency on the clock, and the shared fill-price rule."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from optionswarm.bus import InProcessBus
from optionswarm.config import ExecutionSettings, Settings, load_settings
from optionswarm.engine import Component, SimulatedClock
from optionswarm.engine.contracts import contract_symbol
from optionswarm.engine.testkit import toy_chain
from optionswarm.engine.topics import CHAINS, FILLS, ORDERS
from optionswarm.execution import (
    AllowAllRiskGateStub,
    ExecutionStore,
    FillAt,
    LegQuote,
    NoFillError,
    OrderState,
    PaperBroker,
    PaperBrokerConfig,
    fill_price,
    limit_reached,
    package_units_available,
    price_package,
)
from optionswarm.execution.durability import restore_risk
from optionswarm.execution.wiring import build_execution_path, risk_config_from_settings
from optionswarm.model import Fill, OrderIntent, OrderLeg, SettlementStyle, Side
from optionswarm.node import TradingNode
from optionswarm.risk import TradingState
from optionswarm.risk.observations import BrokerError

CHAIN = toy_chain(
    day=dt.date(2016, 1, 4),
    spot=2000.0,
    expiries=[("SPXW", dt.date(2016, 2, 5), SettlementStyle.PM)],
    strikes=[1800.0, 1900.0, 2000.0],
)
PUTS = {
    float(CHAIN.strike[r]): contract_symbol(CHAIN, r)
    for r in range(len(CHAIN))
    if not CHAIN.is_call[r]
}
LEGS = (
    OrderLeg(symbol=PUTS[1900.0], side=Side.SELL),
    OrderLeg(symbol=PUTS[1800.0], side=Side.BUY),
)


def _natural() -> float:
    rows = {contract_symbol(CHAIN, r): r for r in range(len(CHAIN))}
    quotes = [
        LegQuote(bid=float(CHAIN.bid[rows[leg.symbol]]), ask=float(CHAIN.ask[rows[leg.symbol]]))
        for leg in LEGS
    ]
    return round(price_package(LEGS, quotes, [0.05, 0.05]).net, 2)


def _intent(cid: str, ts_ns: int, quantity: int = 2) -> OrderIntent:
    return OrderIntent(
        client_order_id=cid,
        underlying="SPX",
        legs=LEGS,
        quantity=quantity,
        limit_price=_natural(),
        ts_ns=ts_ns,
    )


def test_fill_price_is_conservative_by_default_and_mid_only_when_asked() -> None:
    assert fill_price(Side.BUY, 1.0, 1.2, 0.05) == pytest.approx(1.25)
    assert fill_price(Side.SELL, 1.0, 1.2, 0.05) == pytest.approx(0.95)
    assert fill_price(Side.SELL, 0.02, 0.1, 0.05) == 0.0
    assert fill_price(Side.BUY, 1.0, 1.2, 0.0, FillAt.MID) == pytest.approx(1.1)
    with pytest.raises(NoFillError):
        fill_price(Side.BUY, 1.0, float("nan"))
    with pytest.raises(NoFillError):
        fill_price(Side.SELL, float("nan"), 1.0)
    with pytest.raises(NoFillError):
        fill_price(Side.BUY, 1.0, float("nan"), at=FillAt.MID)
    assert limit_reached(-1.0, None)
    assert not limit_reached(-0.5, -1.0)
    quotes = [LegQuote(bid=1.0, ask=1.1), LegQuote(bid=0.5, ask=0.6)]
    assert package_units_available(LEGS, quotes) is None


def test_the_node_builds_the_real_risk_engine_not_the_stub() -> None:
    node = TradingNode(load_settings())
    assert node.risk is not None
    assert node.risk_gate is node.risk
    assert not isinstance(node.risk_gate, AllowAllRiskGateStub)
    assert isinstance(node.execution, PaperBroker)
    config = risk_config_from_settings(Settings())
    assert config.collar.max_quote_age_ns is None
    assert config.breakers.stale_data is None
    assert config.order.allow_market_orders
    paper = risk_config_from_settings(load_settings(mode="paper"))
    assert not paper.order.allow_market_orders
    assert paper.breakers.daily_loss is not None


def test_a_gate_that_is_a_component_is_started_with_the_path() -> None:
    class _Gate(Component):
        def check(self, intent: OrderIntent) -> object:
            return AllowAllRiskGateStub().check(intent)

        def on_start(self) -> None:
            return None

        def on_stop(self) -> None:
            return None

    bus, clock = InProcessBus(), SimulatedClock()
    gate = _Gate("gate", bus, clock)
    path = build_execution_path(Settings(), bus, clock, gate=gate)  # type: ignore[arg-type]
    assert gate in path.components
    assert path.risk is None


def test_kill_switch_through_the_real_engine_cancels_and_flattens_past_the_halt() -> None:
    bus, clock = InProcessBus(), SimulatedClock(start_ns=CHAIN.ts_ns)
    path = build_execution_path(Settings(), bus, clock)
    assert path.risk is not None
    for component in path.components:
        component.start()
    bus.publish(CHAINS, CHAIN)
    filled = path.manager.submit(_intent("open", CHAIN.ts_ns))
    assert filled.state is OrderState.FILLED
    clock.advance_to(CHAIN.ts_ns + 5_000_000_000)
    resting = path.manager.submit(
        OrderIntent(
            client_order_id="resting",
            underlying="SPX",
            legs=LEGS,
            quantity=1,
            limit_price=-50.0,
            ts_ns=clock.now_ns(),
        )
    )
    assert resting.state is OrderState.WORKING
    flatten: list[OrderIntent] = []
    bus.subscribe(ORDERS, flatten.append)
    path.risk.kill("ops", "admin", "test", flatten=True)
    assert path.risk.trading_state is TradingState.HALTED
    assert path.manager.get("resting").state is OrderState.CANCELLED
    assert {i.source for i in flatten} == {"flatten"}
    assert all(path.manager.get(i.client_order_id).state is OrderState.FILLED for i in flatten)
    assert path.manager.book.quantities() == {}


def test_breaker_trips_persist_and_restore_into_a_fresh_engine(tmp_path: object) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path}/exec.db")
    bus, clock = InProcessBus(), SimulatedClock(start_ns=CHAIN.ts_ns)
    store = ExecutionStore(engine)
    path = build_execution_path(Settings(), bus, clock, store=store)
    assert path.risk is not None
    for component in path.components:
        component.start()
    bus.publish(CHAINS, CHAIN)
    path.manager.submit(_intent("open", CHAIN.ts_ns))
    for _ in range(5):
        path.risk.observe(BrokerError(ts_ns=clock.now_ns(), code="timeout"))
    assert set(store.load_breakers()) == {"broker_errors"}
    bus2, clock2 = InProcessBus(), SimulatedClock(start_ns=CHAIN.ts_ns)
    again = build_execution_path(Settings(), bus2, clock2, store=ExecutionStore(engine))
    assert again.risk is not None
    for component in again.components:
        component.start()
    bus2.publish(CHAINS, CHAIN)
    assert restore_risk(again.risk, ExecutionStore(engine)) == ["broker_errors"]
    assert again.risk.trading_state is TradingState.HALTED
    assert again.risk.book.positions  # positions seeded from the store
    again.risk.reset_breaker("broker_errors", "ops", "admin")
    assert store.load_breakers() == {}


def test_latency_delays_the_fill_on_the_clock_and_cancel_catches_it_in_flight() -> None:
    bus, clock = InProcessBus(), SimulatedClock(start_ns=CHAIN.ts_ns)
    config = PaperBrokerConfig.from_settings(ExecutionSettings(latency_ms=5.0))
    assert config.latency_ns == 5_000_000
    broker = PaperBroker(bus, clock, config)
    fills: list[Fill] = []
    bus.subscribe(FILLS, fills.append)
    broker.start()
    bus.publish(CHAINS, CHAIN)
    broker.submit(_intent("late", CHAIN.ts_ns))
    assert fills == []
    clock.advance_to(CHAIN.ts_ns + 5_000_000)
    assert [f.ts_ns for f in fills] == [CHAIN.ts_ns + 5_000_000] * 2
    broker.submit(_intent("cancelled", clock.now_ns()))
    assert broker.cancel("cancelled")
    assert not broker.cancel("cancelled")
    clock.advance_to(CHAIN.ts_ns + 20_000_000)
    assert len(fills) == 2
    broker.submit(_intent("stopped", clock.now_ns()))
    broker.stop()
    assert clock.timer_names() == []


def test_two_paths_share_one_clock_and_leave_no_timers_after_stopping() -> None:
    bus, clock = InProcessBus(), SimulatedClock(start_ns=CHAIN.ts_ns)
    settings = load_settings(risk={"stale_data_s": 30.0})  # a time-driven breaker: heartbeats
    paths = [build_execution_path(settings, bus, clock) for _ in range(2)]
    for path in paths:
        for component in path.components:
            component.start()
    assert len(clock.timer_names()) == 2  # one heartbeat each, under distinct prefixes
    risk = paths[0].risk
    assert risk is not None
    assert risk.clock.timer_names() == ["risk.heartbeat"]
    bus.publish(CHAINS, CHAIN)  # data name sp500, options SPXW: risk sees it as SPX, once
    assert set(risk.market.underlyings) == {"SPX"}
    for path in paths:
        for component in reversed(path.components):
            component.stop()
    assert clock.timer_names() == []


def test_no_heartbeat_timer_runs_when_no_breaker_trips_on_time_alone() -> None:
    bus, clock = InProcessBus(), SimulatedClock(start_ns=CHAIN.ts_ns)
    path = build_execution_path(Settings(), bus, clock)  # stale-data breaker off by default
    for component in path.components:
        component.start()
    assert clock.timer_names() == []
    for component in reversed(path.components):
        component.stop()


def test_portfolio_greek_limits_come_from_settings_and_deny_an_order_beyond_them() -> None:
    limited = load_settings(risk={"max_delta_dollars": 1_000.0, "max_vega_dollars": 5e5})
    config = risk_config_from_settings(limited)
    assert config.greeks.total.delta == 1_000.0
    assert config.greeks.total.vega == 5e5
    assert config.greeks.total.gamma is None  # unset: unbounded
    assert risk_config_from_settings(Settings()).greeks.total.delta is None
    node = TradingNode(limited)
    assert node.risk is not None
    node.start()
    node.bus.publish(CHAINS, CHAIN)
    # a short put spread carries far more than $1,000 of dollar delta per spread
    verdict = node.risk.check(_intent("greeks-1", CHAIN.ts_ns, quantity=1))
    node.stop()
    assert verdict.outcome.value == "deny"
    assert "delta_limit_exceeded" in verdict.message
