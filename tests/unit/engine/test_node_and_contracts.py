"""TradingNode wiring, the audit recorder, and OSI symbol <-> chain row lookups."""

from __future__ import annotations

import datetime as dt

import pytest

from optionswarm.config import ConfigError, load_settings
from optionswarm.engine import ComponentState, SimulatedClock, WallClock
from optionswarm.engine.contracts import (
    contract_symbol,
    find_row,
    is_option_symbol,
    parse_contract,
)
from optionswarm.engine.events import SessionClose
from optionswarm.engine.recorder import AuditRecorder, AuditSink
from optionswarm.engine.testkit import RecordingAuditSink, toy_chain
from optionswarm.engine.topics import BARS, SESSIONS
from optionswarm.model import Bar, SettlementStyle
from optionswarm.node import TradingNode


def test_every_chain_row_round_trips_through_its_osi_symbol() -> None:
    chain = toy_chain(
        day=dt.date(2016, 1, 4),
        spot=2000.0,
        expiries=[
            ("SPXW", dt.date(2016, 1, 15), SettlementStyle.PM),
            ("SPX", dt.date(2016, 1, 15), SettlementStyle.AM),
        ],
        strikes=[1950.0, 2000.0, 2012.5],
    )
    for row in range(len(chain)):
        symbol = contract_symbol(chain, row)
        assert is_option_symbol(symbol)
        terms = parse_contract(symbol)
        assert terms.expiry_ns == int(chain.expiry_ns[row])
        assert find_row(chain, terms) == row
    assert not is_option_symbol("sp500")
    missing = parse_contract("SPXW  160115C01234000")
    assert find_row(chain, missing) is None


def test_backtest_node_runs_a_session_and_records_orders_in_the_audit_sink() -> None:
    settings = load_settings(strategy={"name": "buy-and-hold"})
    sink = RecordingAuditSink()
    assert isinstance(sink, AuditSink)
    node = TradingNode(settings, audit=sink)
    assert isinstance(node.clock, SimulatedClock)
    node.start()
    assert all(c.state is ComponentState.RUNNING for c in node.components)
    ts = 1_451_941_200_000_000_000
    node.clock.advance_to(ts)  # type: ignore[attr-defined]
    node.bus.publish(
        BARS, Bar(symbol="sp500", ts_ns=ts, open=2000, high=2000, low=2000, close=2000)
    )
    node.bus.publish(SESSIONS, SessionClose(ts_ns=ts, day="2016-01-04"))
    node.stop()
    kinds = [kind for kind, _, _ in sink.records]
    engine_kinds = [k for k in kinds if k in {"strategy.decision", "order.submitted", "order.fill"}]
    assert engine_kinds == ["strategy.decision", "order.submitted", "order.fill"]
    # the risk engine's verdict and the order manager's transitions are kept beside them
    assert "risk.verdict" in kinds
    assert "order.transition" in kinds
    assert node.recorder is not None
    assert len(node.recorder.root_hex()) == 64
    assert node.portfolio.snapshots[-1].open_positions == 1


def test_paper_node_uses_the_wall_clock_and_live_needs_a_broker() -> None:
    paper = TradingNode(load_settings(mode="paper"))
    assert isinstance(paper.clock, WallClock)
    paper.start()
    paper.stop()
    with pytest.raises(ConfigError, match="live needs a broker adapter"):
        TradingNode(load_settings(mode="live"))


def test_recorder_flushes_once_per_session_and_on_stop() -> None:
    from optionswarm.bus import InProcessBus
    from optionswarm.engine.events import StrategyDecision
    from optionswarm.engine.topics import DECISIONS

    bus, sink = InProcessBus(), RecordingAuditSink()
    recorder = AuditRecorder(bus, SimulatedClock(start_ns=7), sink)
    recorder.start()
    decision = StrategyDecision(
        decision_id="d",
        strategy="s",
        underlying="sp500",
        ts_ns=7,
        action="open",
        reason_code="x",
        explanation="why",
    )
    bus.publish(DECISIONS, decision)
    bus.publish(DECISIONS, decision)
    bus.publish(SESSIONS, SessionClose(ts_ns=7, day="1970-01-01"))
    bus.publish(SESSIONS, SessionClose(ts_ns=7, day="1970-01-01"))
    assert sink.batches == 1
    bus.publish(DECISIONS, decision)
    recorder.stop()
    assert sink.batches == 2
    assert recorder.recorded == 3
    assert sink.records[0] == ("strategy.decision", decision, 7)


def test_a_strategy_passed_in_replaces_the_reference_one() -> None:
    from optionswarm.bus import InProcessBus
    from optionswarm.strategy import BuyAndHold

    settings = load_settings(strategy={"name": "short-put-spread"})
    bus, clock = InProcessBus(), SimulatedClock()
    mine = BuyAndHold(
        "my-strategy", bus, clock, settings.strategy, underlying="sp500", initial_equity=1.0
    )
    node = TradingNode(settings, bus=bus, clock=clock, strategy=mine)
    assert node.strategy is mine
    assert mine in node.components
