"""The risk engine as the execution path's ``RiskGate``: orders on the bus go through the
router, the engine denies or passes them, fills come back into the engine's book, and the kill
switch stops everything after it."""

from __future__ import annotations

from optionswarm.bus import InProcessBus
from optionswarm.config import ExecutionSettings
from optionswarm.engine import SimulatedClock
from optionswarm.engine.events import OrderRejected
from optionswarm.engine.topics import CHAINS, FILLS, ORDERS, REJECTIONS
from optionswarm.execution import OrderRouter, SimulatedExecutionClient
from optionswarm.model import Fill, Side
from optionswarm.risk import RISK_TOPICS, RiskConfig, RiskEngine, RiskVerdict, TradingState
from optionswarm.risk.testkit import option_symbol, order_of, standard_chain


def test_orders_pass_the_risk_engine_and_fills_update_its_book() -> None:
    chain = standard_chain()
    bus = InProcessBus()
    clock = SimulatedClock(start_ns=chain.ts_ns)
    engine = RiskEngine(RiskConfig(), bus=bus, clock=clock)
    client = SimulatedExecutionClient(bus, clock, ExecutionSettings(option_slippage=0.0))
    router = OrderRouter(bus, clock, engine, client)
    rejections: list[OrderRejected] = []
    fills: list[Fill] = []
    verdicts: list[RiskVerdict] = []
    bus.subscribe(REJECTIONS, rejections.append)
    bus.subscribe(FILLS, fills.append)
    bus.subscribe(RISK_TOPICS[RiskVerdict], verdicts.append)  # type: ignore[arg-type]
    for component in (engine, client, router):
        component.start()
    bus.publish(CHAINS, chain)

    legs = [
        (option_symbol(chain, 90, False), Side.BUY, 1),
        (option_symbol(chain, 95, False), Side.SELL, 1),
        (option_symbol(chain, 105, True), Side.SELL, 1),
        (option_symbol(chain, 110, True), Side.BUY, 1),
    ]
    marks = engine.market.options
    natural = sum(marks[s].ask if side is Side.BUY else -marks[s].bid for s, side, _ in legs)
    bus.publish(ORDERS, order_of(legs, limit_price=round(natural, 2), client_order_id="ic-1"))
    assert [v.decision.value for v in verdicts] == ["accept"], verdicts
    assert len(fills) == 4
    assert engine.book.position(option_symbol(chain, 95, False)) == -1
    assert engine.book.exposure("SPY").gross_contracts == 4
    assert engine.book.exposure("SPY").margin.groups[0].kind == "iron_condor"

    bus.publish(ORDERS, order_of(legs, limit_price=None, client_order_id="mkt"))
    assert rejections[-1].stage == "risk"
    assert rejections[-1].reason_code == "market_order_not_allowed"

    engine.kill("carol", "trader", "test over")
    assert engine.trading_state is TradingState.HALTED
    bus.publish(ORDERS, order_of(legs, limit_price=round(natural, 2), client_order_id="ic-2"))
    assert rejections[-1].reason_code == "trading_halted"
    assert router.accepted == 1
