"""Position handling of the swarm strategy: expiry of a calendar's near leg, rolls, rejections."""

from __future__ import annotations

import datetime as dt

import numpy as np

from optionswarm.agents.testkit import chain_builder
from optionswarm.bus import InProcessBus
from optionswarm.config import StrategySettings
from optionswarm.engine import SimulatedClock
from optionswarm.engine.events import StrategyDecision
from optionswarm.engine.topics import DECISIONS, ORDERS
from optionswarm.model import Decision, Direction, OrderIntent, Reason, VolView, expiry_date_of
from optionswarm.strategy.builders import build_structure
from optionswarm.strategy.exits import ExitConfig, OpenStructure
from optionswarm.strategy.structures import StructureConfig, StructureKind
from optionswarm.strategy.swarm import SwarmStrategy, SwarmStrategyConfig

DAY = dt.date(2016, 3, 1)


def _strategy(
    exits: ExitConfig | None = None,
) -> tuple[SwarmStrategy, list[OrderIntent], list[StrategyDecision]]:
    bus = InProcessBus()
    clock = SimulatedClock(start_ns=0)
    config = SwarmStrategyConfig(warmup_sessions=0, exits=exits or ExitConfig())
    strategy = SwarmStrategy(
        "swarm",
        bus,
        clock,
        StrategySettings(name="swarm"),
        underlying="sp500",
        initial_equity=1_000_000.0,
        swarm_config=config,
    )
    orders: list[OrderIntent] = []
    decisions: list[StrategyDecision] = []
    bus.subscribe(ORDERS, orders.append)
    bus.subscribe(DECISIONS, decisions.append)
    strategy.start()
    return strategy, orders, decisions


def test_a_calendar_whose_near_leg_expired_closes_its_far_leg() -> None:
    chain = chain_builder().chain_on("sp500", DAY)
    plan = build_structure(StructureKind.CALENDAR, chain, StructureConfig())
    assert plan is not None
    strategy, orders, _ = _strategy()
    strategy.position = OpenStructure(trade_id="swarm-000000", plan=plan, quantity=3, opened_ns=0)
    after = expiry_date_of(plan.expiry_ns) + dt.timedelta(days=3)
    while after.weekday() >= 5:
        after += dt.timedelta(days=1)
    later = chain_builder().chain_on("sp500", after)
    strategy.clock.advance_to(later.ts_ns)
    strategy.on_chain(later)
    assert strategy.exits["expired"] == 1
    close = orders[0]
    assert close.tag == "swarm-000000"
    assert [leg.symbol for leg in close.legs] == [plan.legs[1].symbol]
    assert close.legs[0].side is plan.legs[1].side.opposite
    assert close.quantity == 3


def test_a_dte_exit_followed_by_the_same_structure_is_a_roll() -> None:
    chain = chain_builder().chain_on("sp500", DAY)
    strategy, orders, decisions = _strategy(ExitConfig(exit_dte=400, stop_loss=0.0))
    plan = build_structure(StructureKind.BULL_PUT_SPREAD, chain, StructureConfig())
    assert plan is not None
    position = OpenStructure(trade_id="swarm-000000", plan=plan, quantity=1, opened_ns=0)
    strategy.position = position
    strategy.clock.advance_to(chain.ts_ns)
    assert strategy._manage(position, chain)  # closed by dte_exit
    assert strategy.position is None
    decision = Decision(
        decision_id="d-1",
        underlying="sp500",
        ts_ns=chain.ts_ns,
        direction=Direction.BULLISH,
        vol_view=VolView.FALLING,
        confidence=0.4,
        disagreement=0.0,
        contributions=(),
        reason_code=Reason.CONSENSUS,
        explanation="test",
    )
    strategy._open(chain, decision, StructureKind.BULL_PUT_SPREAD)
    assert decisions[-1].reason_code == "roll"
    assert decisions[-1].explanation.startswith("Roll: ")
    assert orders[-1].structure == "bull_put_spread"
    assert strategy.position is not None
    assert strategy.report()["structures_opened"] == {"bull_put_spread": 1}


def test_an_unaffordable_or_impossible_structure_is_skipped() -> None:
    chain = chain_builder().chain_on("sp500", DAY)
    strategy, orders, _ = _strategy()
    decision = Decision(
        decision_id="d-2",
        underlying="sp500",
        ts_ns=chain.ts_ns,
        direction=Direction.BULLISH,
        vol_view=VolView.RISING,
        confidence=0.4,
        disagreement=0.0,
        contributions=(),
        reason_code=Reason.CONSENSUS,
        explanation="test",
    )
    strategy.equity = 100.0
    strategy._open(chain, decision, None)
    assert strategy.skipped["size_below_one"] == 1
    strategy._open(chain.slice(~chain.is_call), decision, None)  # no calls listed
    assert strategy.skipped["no_structure"] == 1
    assert orders == []
    assert np.isfinite(chain.spot)
